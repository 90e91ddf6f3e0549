/**
 * The simulated window: the real handlers against the emulator, on a virtual clock. An agenda of steps
 * (Scheduler's firings and ticks, the timers the handlers set, the scenario's cues, what ECS does to
 * tasks) runs in time order. After each step, what the handlers published is drained from the bus: each
 * event becomes a timeline line, the sandbox does for moto what moto cannot (firings.ts, ecs-tasks.ts,
 * deployments.ts), and EventBridge's delivery is played by the deployed rules (deployed-rules.ts); every
 * event from AWS (task, alarm) goes the same way. New timers go on the agenda; notify's messages are read
 * back from the alert topic.
 */
import { notify } from '../functions/notify.ts';
import { onTaskStopped } from '../functions/on-task-stopped.ts';
import { runBatchJob } from '../functions/run-batch-job.ts';
import { scaleService } from '../functions/scale-service.ts';
import type { ShiftRuntime } from '../shared/blue-green/runtime.ts';
import type { Automation } from '../shared/config/schema.ts';
import { JOB_RUN_DETAIL_TYPES } from '../shared/events/bus.ts';
import { STOPPED_TASK_DETAIL_TYPES } from '../shared/events/stopped-task-events.ts';
import type { JobRuntime } from '../shared/jobs/runtime.ts';
import type { Log } from '../shared/logger.ts';
import type { ScalingRuntime } from '../shared/scaling/runtime.ts';
import type { RuleBus, RuleTarget } from '../shared/stack/event-rules.ts';
import type { StopRuntime } from '../shared/stopped-tasks/runtime.ts';
import { drainAlerts, type EmulatorNotifyRuntime, emulatorNotifyRuntime } from './alerts.ts';
import {
  autoscalingOnCue,
  circuitBreakerOnCue,
  deploymentCommandOnCue,
  listenerChangeOnCue,
  putMetricValueOnCue,
  targetHealthOnCue,
} from './blue-green-injections.ts';
import { DeployedRules, emulatorResourceNames } from './deployed-rules.ts';
import { Deployments } from './deployments.ts';
import { EcsTasks, type RunDetail } from './ecs-tasks.ts';
import type { Emulator } from './emulator.ts';
import { Firings } from './firings.ts';
import { firesAt, ObservedTimers } from './observed-timers.ts';
import { manualRunOnCue, suspensionOnCue } from './operator-commands.ts';
import type { CueActions, SandboxPlan } from './plan.ts';
import {
  drainPublishedEvents,
  emulatorJobRuntime,
  emulatorScalingRuntime,
  emulatorShiftRuntime,
  emulatorStopRuntime,
  type PublishedEvent,
  type SandboxWorld,
} from './seed.ts';
import { reportServiceEvent } from './service-events.ts';
import { showHeldMessages, silenceOnCue } from './silences.ts';
import { RANK, type Step } from './steps.ts';
import {
  alertEntry,
  deploymentEntry,
  type HeldAlert,
  outcomeEntry,
  type SentAlert,
  scalingEntry,
  stoppedTaskEntry,
  type TimelineEntry,
  timelineEntry,
} from './timeline.ts';
import { Agenda, VirtualClock } from './virtual-clock.ts';

/** What a delivered event is about, for the line of a delivery that failed. */
export interface DeliveryContext {
  subject: string;
  job?: string | undefined;
  during?: string | undefined;
}

export class Simulation {
  readonly clock: VirtualClock;
  readonly agenda = new Agenda<Step>();
  readonly timeline: TimelineEntry[] = [];
  readonly events: PublishedEvent[] = [];
  readonly alerts: SentAlert[] = [];
  readonly heldAlerts: HeldAlert[] = [];
  readonly notes: string[] = [];
  readonly runtime: JobRuntime;
  readonly stopRuntime: StopRuntime;
  readonly scalingRuntime: ScalingRuntime;
  readonly notifyRuntime: EmulatorNotifyRuntime;
  readonly shiftRuntime: ShiftRuntime;
  readonly firings: Firings;
  readonly tasks: EcsTasks;
  readonly deployments: Deployments;
  private readonly timers: ObservedTimers;
  private readonly rules: DeployedRules;
  /** Timer names on the agenda and not yet delivered: a name set twice is one schedule. */
  private readonly timersOnAgenda = new Set<string>();
  /** notify ran since its messages were last read back. */
  private notified = false;

  readonly automation: Automation;
  readonly plan: SandboxPlan;
  readonly emulator: Emulator;
  readonly world: SandboxWorld;

  constructor(automation: Automation, plan: SandboxPlan, emulator: Emulator, world: SandboxWorld, log: Log) {
    this.automation = automation;
    this.plan = plan;
    this.emulator = emulator;
    this.world = world;
    this.clock = new VirtualClock(plan.window.from);
    this.timers = new ObservedTimers(world);
    this.rules = new DeployedRules(automation, emulatorResourceNames(world.busArn));
    // The timers run-batch-job sets (a capacity failure's retry, waitForCapacity's next try) go on the agenda too.
    this.runtime = emulatorJobRuntime(world, automation, this.clock, log, this.timers);
    this.stopRuntime = emulatorStopRuntime(world, automation, this.clock, this.timers, log);
    this.scalingRuntime = emulatorScalingRuntime(world, automation, this.clock, this.timers, log);
    this.notifyRuntime = emulatorNotifyRuntime(world, automation, this.clock, this.timers, log);
    this.shiftRuntime = emulatorShiftRuntime(world, automation, this.clock, log);
    this.firings = new Firings(this);
    this.tasks = new EcsTasks(this);
    this.deployments = new Deployments(this);
    for (const firing of plan.firings) {
      this.agenda.add(firing.deliverAt, RANK.delivery, { pastWindow: true, run: () => this.firings.deliver(firing, 'first') });
      const duplicateAt = firing.duplicateAt;
      if (duplicateAt) {
        this.agenda.add(duplicateAt, RANK.delivery, { pastWindow: true, run: () => this.firings.deliver(firing, 'duplicate') });
      }
    }
    for (const scaling of plan.scalings) {
      this.agenda.add(scaling.deliverAt, RANK.delivery, { pastWindow: true, run: () => this.firings.scale(scaling) });
    }
    const actions = this.cueActions();
    for (const cue of plan.cues) this.agenda.add(cue.at, RANK.injection, { pastWindow: false, run: () => cue.act(actions) });
  }

  async run(): Promise<void> {
    for (let next = this.agenda.next(); next; next = this.agenda.next()) {
      if (next.at >= this.plan.window.to && !next.item.pastWindow) continue;
      this.clock.advanceTo(next.at);
      await next.item.run();
      await this.settle();
    }
    this.notes.push(...this.tasks.unfinishedNotes(), ...(await this.deployments.unfinishedNotes()));
    this.timeline.sort((a, b) => a.time.localeCompare(b.time));
  }

  /** What the scenario's cues do, each carried out by the part of the simulation it concerns. */
  private cueActions(): CueActions {
    return {
      startWatchedTask: (injection, index) => this.tasks.startWatchedTask(injection, index),
      injectOutage: (injection, at) => this.tasks.injectOutage(injection, at),
      endOutage: (injection, at) => this.tasks.endOutage(injection, at),
      announceLateDelivery: (firing) => this.firings.announceLateDelivery(firing),
      requestDeployment: (injection, index) => this.deployments.requestDeployment(injection, index),
      changeAlarm: (injection, index, state) => this.deployments.changeAlarm(injection, index, state),
      reportServiceEvent: (injection, index, stage) => reportServiceEvent(this, injection, index, stage),
      silence: (injection) => silenceOnCue(this, injection),
      runNow: (injection, index) => manualRunOnCue(this, injection, index),
      suspend: (injection, stage) => suspensionOnCue(this, injection, stage),
      deploymentCommand: (injection) => deploymentCommandOnCue(this, injection),
      putMetricValue: (injection, entry, minute) => putMetricValueOnCue(this, injection, entry, minute),
      setTargetHealth: (injection, stage) => targetHealthOnCue(this, injection, stage),
      changeListener: (injection) => listenerChangeOnCue(this, injection),
      tripCircuitBreaker: (injection, index) => circuitBreakerOnCue(this, injection, index),
      autoscale: (injection) => autoscalingOnCue(this, injection),
    };
  }

  /** The zone a job's schedule is written in: its lines are shown in it. */
  zoneOf(job: string): string {
    return this.automation.jobs[job]?.timezone ?? this.plan.scenarioZone;
  }

  /** The zone a service's scaling schedules are written in: its lines are shown in it. */
  scalingZoneOf(service: string): string {
    return this.automation.services[service]?.scaling?.timezone ?? this.plan.scenarioZone;
  }

  /** A timeline line, at the virtual time unless it says otherwise. */
  add(entry: Omit<Parameters<typeof timelineEntry>[0], 'time'> & { time?: Date }): void {
    this.timeline.push(timelineEntry({ time: this.clock.now(), ...entry }));
  }

  /**
   * Runs a handler; a failure becomes a timeline line (Scheduler or EventBridge would retry it, then
   * dead-letter it). Undefined when it threw.
   */
  async invoke<T>(
    what: { subject: string; job?: string | undefined; handler: string; during?: string | undefined; timeZone?: string | undefined },
    call: () => Promise<T>,
  ): Promise<{ result: T } | undefined> {
    try {
      return { result: await call() };
    } catch (error) {
      this.add({
        timeZone: what.timeZone ?? (what.job ? this.zoneOf(what.job) : this.plan.scenarioZone),
        subject: what.subject,
        job: what.job,
        what: 'delivery-error',
        label: `${what.handler} failed`,
        detail: `${what.handler} threw${what.during ? ` ${what.during}` : ''}: ${(error as Error).message}`,
        source: 'scheduler',
      });
      return undefined;
    }
  }

  /**
   * After every step, what the handlers did reaches its subscribers: every bus event becomes a timeline
   * line; a launch puts the run's deadline and scenario exits on the agenda; tasks ecs-autopilot stopped
   * itself (maxRuntime, replace) reach on-task-stopped like any stop; and each event goes to the functions
   * of the deployed rules that match it. New timers go on the agenda, and notify's messages are read back.
   * Returns the events drained. `occasion` says why scale-service ran, when no schedule of the service fired.
   */
  async settle(occasion?: string): Promise<PublishedEvent[]> {
    const all: PublishedEvent[] = [];
    // Delivery may invoke on-task-stopped or shift-traffic, which may publish again: drained until a round invokes nothing.
    for (let more = true; more; ) {
      const drained = await drainPublishedEvents(this.world);
      all.push(...drained);
      this.events.push(...drained);
      more = false;
      for (const event of drained) more = (await this.route(event, occasion)) || more;
    }
    for (const timer of this.timers.takeNew()) {
      if (this.timersOnAgenda.has(timer.name)) continue;
      this.timersOnAgenda.add(timer.name);
      this.agenda.add(firesAt(timer), RANK.timer, { pastWindow: false, run: () => this.deliverTimer(timer.name) });
    }
    if (this.notified) await this.collectAlerts();
    return all;
  }

  /**
   * A bus event: its timeline line, what the sandbox does for moto (a launch's deadline and exits, the
   * stops of tasks ecs-autopilot stopped, a restarted task's scenario), then the deployed rules' delivery.
   * True when it invoked a handler that may have published events in turn.
   */
  private async route(event: PublishedEvent, occasion: string | undefined): Promise<boolean> {
    const job = this.automation.jobs[String(event.detail.job)];
    const entry =
      outcomeEntry(event, job) ??
      stoppedTaskEntry(event, this.plan.scenarioZone) ??
      scalingEntry(event, this.scalingZoneOf(String(event.detail.serviceKey)), occasion) ??
      deploymentEntry(event, this.plan.scenarioZone);
    if (entry) this.timeline.push(entry);
    const type = event['detail-type'];
    if (type === JOB_RUN_DETAIL_TYPES.launched) this.onLaunched(event.detail as unknown as RunDetail);
    const stoppedByAutopilot = type === JOB_RUN_DETAIL_TYPES['timed-out'] || type === JOB_RUN_DETAIL_TYPES.replaced;
    if (stoppedByAutopilot) await this.tasks.reportStopsByAutopilot(event.detail as unknown as RunDetail);
    if (type === STOPPED_TASK_DETAIL_TYPES.watchedTaskRestarted) {
      const { watchedTask, taskArns = [] } = event.detail as { watchedTask?: string; taskArns?: string[] };
      for (const taskArn of taskArns) this.tasks.onWatchedTaskStarted(String(watchedTask), taskArn);
    }
    const subject = String(event.detail.app ?? event.detail.job);
    const delivered = await this.deliverEvent(event, 'own', { subject, job: job?.name, during: `on ${type}` });
    return stoppedByAutopilot || delivered;
  }

  /** An attempt started tasks: its maxRuntime deadline needs a watchdog tick, and the scenario may end its tasks. */
  private onLaunched(run: RunDetail): void {
    const launchedAt = this.tasks.recordLaunch(run);
    if (run.maxRuntimeDeadline) this.firings.scheduleWatchdog(new Date(run.maxRuntimeDeadline));
    this.tasks.endOnCue(run, launchedAt);
  }

  /**
   * EventBridge hands an event to the function of every rule on its bus that matches it, once per rule,
   * and to nobody when none does. `context` names what the event is about in a failed delivery's line.
   * True when it invoked a function.
   */
  async deliverEvent(event: unknown, bus: RuleBus, context: DeliveryContext): Promise<boolean> {
    const rules = this.rules.matching(event, bus);
    for (const rule of rules) await this.invokeTarget(rule.target, event, context);
    return rules.length > 0;
  }

  private async invokeTarget(target: RuleTarget, event: unknown, context: DeliveryContext): Promise<void> {
    switch (target) {
      case 'on-task-stopped':
        await this.invoke({ subject: context.subject, job: context.job, handler: target }, () => onTaskStopped(event, this.stopRuntime));
        return;
      case 'notify':
        this.notified = true;
        showHeldMessages(
          this,
          (await this.invoke({ subject: 'notify', handler: target }, () => notify(event, this.notifyRuntime)))?.result,
        );
        return;
      case 'shift-traffic':
        await this.deployments.shift(event, context.subject, context.during ?? '');
        return;
      case 'run-batch-job':
        await this.invoke({ subject: context.subject, job: context.job, handler: target, during: context.during }, () =>
          runBatchJob(event, this.runtime),
        );
        return;
    }
  }

  /** The messages notify published since the last call: each a timeline line and an entry of the report's alerts. */
  private async collectAlerts(): Promise<void> {
    this.notified = false;
    for (const delivered of await drainAlerts(this.world, this.notifyRuntime.topic)) {
      const context = delivered.chatbot?.metadata.additionalContext;
      const alert: SentAlert = {
        time: this.clock.now().toISOString(),
        local: '',
        status: context?.status === 'resolved' || delivered.subject.startsWith('[RESOLVED]') ? 'resolved' : 'firing',
        groupKey: delivered.chatbot?.metadata.threadId ?? '',
        subject: delivered.subject,
        text: delivered.text ?? delivered.chatbot?.content.description ?? '',
        chatbot: delivered.chatbot,
      };
      const [, subjectKind, subjectName] = /^[^|]*\|([^:|]*):([^|]*)\|/.exec(alert.groupKey) ?? [];
      const zone = subjectKind === 'job' && subjectName ? this.zoneOf(subjectName) : this.plan.scenarioZone;
      const entry = alertEntry(alert, zone);
      alert.local = entry.local;
      this.alerts.push(alert);
      this.timeline.push(entry);
    }
  }

  /** A timer's time has come: Scheduler invokes its target with its input (moto never fires it: the sandbox does). */
  private async deliverTimer(name: string): Promise<void> {
    this.timersOnAgenda.delete(name);
    const timer = await this.timers.take(name);
    if (!timer) return;
    const input = timer.input as { job?: string; watchedTask?: string; service?: string };
    const subject = input.job ?? input.watchedTask ?? input.service ?? timer.target;
    const what = { subject, job: input.job, handler: timer.target, during: `on its timer ${name}` };
    switch (timer.target) {
      case 'run-batch-job':
        await this.invoke(what, () => runBatchJob(timer.input, this.runtime));
        return;
      case 'on-task-stopped':
        await this.invoke(what, () => onTaskStopped(timer.input, this.stopRuntime));
        return;
      case 'notify':
        this.notified = true;
        showHeldMessages(this, (await this.invoke({ ...what, subject: 'notify' }, () => notify(timer.input, this.notifyRuntime)))?.result);
        return;
      case 'scale-service':
        await this.invoke({ ...what, timeZone: this.scalingZoneOf(subject) }, () => scaleService(timer.input, this.scalingRuntime));
        return;
    }
  }
}
