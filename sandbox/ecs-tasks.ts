/**
 * The tasks' side of the simulation, which moto does not play by itself: what ECS does to tasks on the
 * scenario's cue (a run's tasks exit, a Spot notice comes two minutes before, a watched task started by
 * hand crashes after every start, a capacity provider runs out of room), the stops of tasks ecs-autopilot
 * stopped itself, and the "ECS Task State Change" events ECS puts on the default bus for them, delivered
 * by the deployed rules.
 */
import { RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { formatDuration } from '../shared/config/duration.ts';
import type { WatchedTaskSpec } from '../shared/config/schema.ts';
import { describeTasks } from '../shared/jobs/load.ts';
import { STOP_REASON_PREFIX } from '../shared/jobs/ownership.ts';
import type { RunRecord } from '../shared/jobs/run-record.ts';
import { launchParameters } from '../shared/jobs/run-task-request.ts';
import type { StopCategory } from '../shared/stopped-tasks/categories.ts';
import { injectCapacityOutage, setTaskState } from './emulator.ts';
import { type ExitOnCue, exitForRun } from './plan.ts';
import type { InjectionOfKind } from './scenario.ts';
import type { PublishedEvent } from './seed.ts';
import type { DeliveryContext, Simulation } from './simulation.ts';
import { RANK } from './steps.ts';
import { describeEnding, endingOf, exitEnding } from './stop-endings.ts';
import { taskStateChangeEvent } from './task-events.ts';
import { describeTasks as describeTaskIds, localClockTime, shortTaskId } from './timeline.ts';

/** What a Job Run event says about the run (the run record, as shared/jobs/trigger.ts publishes it). */
export type RunDetail = Pick<RunRecord, 'job' | 'scheduledTime' | 'attempt' | 'cluster' | 'taskArns'> &
  Partial<Pick<RunRecord, 'launchedAt' | 'updatedAt' | 'maxRuntimeDeadline'>>;

/** A watched-task-crashes injection under way: its tasks left to end. */
interface CrashesUnderWay {
  index: number;
  injection: InjectionOfKind<'watched-task-crashes'>;
  /** Stops not yet put on the agenda. */
  remaining: number;
  /** A later injection for the same watched task, which the tasks started after it belong to. */
  supersededBy?: number;
}

/** How a scenario ends a task: a category, or the essential container's exit code. */
type Ending = { category?: StopCategory | undefined; exitCode?: number | undefined; reason?: string | undefined };

/** ECS sends a Fargate Spot task its interruption notice about this long before it stops it. */
const SPOT_NOTICE_SECONDS = 120;

/** A long outage (capacity-outage with until) is an outage of more launches than any window makes, ended at its until. */
const LONG_OUTAGE_LAUNCHES = 1_000_000;

export class EcsTasks {
  private readonly sim: Simulation;
  /** When each task the sandbox knows of started (virtual): the startedAt of its events. */
  private readonly taskStarts = new Map<string, Date>();
  private readonly crashes = new Map<string, CrashesUnderWay>();
  private readonly crashInjections: CrashesUnderWay[] = [];
  /** detail.version of the task events the sandbox builds: every later state has a higher one. */
  private eventVersion = 1;

  constructor(sim: Simulation) {
    this.sim = sim;
  }

  /** An attempt started tasks: when, for their events' startedAt. Returns that time. */
  recordLaunch(run: RunDetail): Date {
    const launchedAt = new Date(run.launchedAt ?? run.updatedAt ?? this.sim.clock.now());
    for (const taskArn of run.taskArns) this.taskStarts.set(taskArn, launchedAt);
    return launchedAt;
  }

  /** The task-exits injection that ends this attempt, if any: its stop (and Spot notice) go on the agenda. */
  endOnCue(run: RunDetail, launchedAt: Date): void {
    const exit = exitForRun(this.sim.plan.exits, run);
    if (!exit) return;
    const { injection } = exit;
    const stopAt = new Date(launchedAt.getTime() + injection.after * 1000);
    if (injection.category === 'spot-interruption') {
      const noticeAt = new Date(Math.max(launchedAt.getTime(), stopAt.getTime() - SPOT_NOTICE_SECONDS * 1000));
      this.sim.agenda.add(noticeAt, RANK.injection, { pastWindow: false, run: () => this.noticeRun(run) });
    }
    this.sim.agenda.add(stopAt, RANK.injection, { pastWindow: false, run: () => this.endRun(run, injection) });
  }

  /** ECS reports the stop of a task ecs-autopilot stopped (maxRuntime, replace) like any other: on-task-stopped records it. */
  async reportStopsByAutopilot(run: RunDetail): Promise<void> {
    const { tasks } = await this.runningTasks(run.cluster, run.taskArns);
    for (const task of tasks.filter((t) => t.lastStatus === 'STOPPED' && t.taskArn)) {
      await this.deliverTaskEvent(await this.taskEvent(run.cluster, task.taskArn ?? ''), { subject: run.job, job: run.job });
    }
  }

  /** The "ECS Task State Change" EventBridge delivers for the task as moto now has it, at the virtual time. */
  private async taskEvent(cluster: string, taskArn: string, started = true) {
    this.eventVersion += 1;
    return taskStateChangeEvent(this.sim.runtime.ecs, cluster, taskArn, {
      at: this.sim.clock.now(),
      version: this.eventVersion,
      startedAt: started ? this.taskStarts.get(taskArn) : undefined,
    });
  }

  /** ECS puts a task's state change on the default bus: the task-events rule takes it to on-task-stopped when it matches. */
  private async deliverTaskEvent(event: Awaited<ReturnType<EcsTasks['taskEvent']>>, subject: DeliveryContext) {
    await this.sim.deliverEvent(event, 'default', subject);
  }

  /** Makes a task stop as ECS would report the ending, and puts its state change on the default bus. */
  private async stopTask(cluster: string, task: Task, ending: Ending, subject: DeliveryContext) {
    const taskArn = task.taskArn ?? '';
    const stop =
      ending.category === undefined
        ? exitEnding(ending.exitCode ?? 0, ending.reason)
        : endingOf(ending.category, task.containers?.[0]?.image);
    await setTaskState(this.sim.emulator, taskArn, {
      lastStatus: 'STOPPED',
      stopCode: stop.stopCode,
      stoppedReason: stop.stoppedReason,
      exitCode: stop.exitCode ?? null,
      containerReason: stop.containerReason,
    });
    await this.deliverTaskEvent(await this.taskEvent(cluster, taskArn, ending.category !== 'failed-to-start'), subject);
  }

  private async runningTasks(cluster: string, taskArns: string[]) {
    const tasks = await describeTasks(this.sim.runtime.ecs, cluster, taskArns);
    return {
      tasks,
      // A task after its Spot notice still runs (desired STOPPED) until it stops.
      running: tasks.filter((task) => task.lastStatus !== 'STOPPED' && task.lastStatus !== 'DELETED'),
    };
  }

  /** Two minutes before a Spot task stops, ECS tells: RUNNING, desired STOPPED, stop code SpotInterruption. */
  private async noticeRun(run: RunDetail): Promise<void> {
    const { running } = await this.runningTasks(run.cluster, run.taskArns);
    const taskArns = running.map((task) => task.taskArn ?? '');
    for (const taskArn of taskArns) await this.noticeTask(run.cluster, taskArn, { subject: run.job, job: run.job });
    if (taskArns.length === 0 || tells(await this.sim.settle(), taskArns)) return;
    const timeZone = this.sim.zoneOf(run.job);
    this.sim.add({
      timeZone,
      subject: run.job,
      job: run.job,
      what: 'spot-notice',
      label: 'Spot interruption notice',
      detail: `${this.runName(run, timeZone)} ${describeTaskIds(taskArns)}: FARGATE_SPOT takes the capacity back in ${formatDuration(SPOT_NOTICE_SECONDS)}`,
      scheduledTime: run.scheduledTime,
      taskArns,
      source: 'scenario',
    });
  }

  private async noticeTask(cluster: string, taskArn: string, subject: DeliveryContext) {
    const spot = endingOf('spot-interruption');
    await setTaskState(this.sim.emulator, taskArn, {
      lastStatus: 'RUNNING',
      desiredStatus: 'STOPPED',
      stopCode: spot.stopCode,
      stoppedReason: spot.stoppedReason,
    });
    await this.deliverTaskEvent(await this.taskEvent(cluster, taskArn), subject);
  }

  private runName(run: Pick<RunDetail, 'scheduledTime' | 'attempt'>, timeZone: string): string {
    return `run of ${localClockTime(run.scheduledTime, timeZone)}${run.attempt > 1 ? `, attempt ${run.attempt}` : ''}`;
  }

  /** The scenario ends a run's tasks (those still running): each stop goes to on-task-stopped, which settles the run. */
  private async endRun(run: RunDetail, injection: InjectionOfKind<'task-exits'>): Promise<void> {
    const timeZone = this.sim.zoneOf(run.job);
    const common = { timeZone, subject: run.job, job: run.job, scheduledTime: run.scheduledTime, source: 'scenario' as const };
    const { tasks, running } = await this.runningTasks(run.cluster, run.taskArns);
    const ending = describeEnding(injection);
    if (running.length === 0) {
      // A task ecs-autopilot stopped itself (maxRuntime, replace) has its own line already.
      const stoppedByOthers = tasks.filter((task) => !task.stoppedReason?.startsWith(STOP_REASON_PREFIX));
      if (stoppedByOthers.length === 0) return;
      const reasons = [...new Set(stoppedByOthers.map((task) => task.stoppedReason).filter(Boolean))].join('; ');
      this.sim.add({
        ...common,
        what: 'task-already-stopped',
        label: 'task already stopped',
        detail:
          `${this.runName(run, timeZone)} ${describeTaskIds(run.taskArns)} had stopped before the scenario's stop ` +
          `after ${formatDuration(injection.after)} (${ending}): ${reasons || 'stopped'}`,
        taskArns: run.taskArns,
      });
      return;
    }
    const taskArns = running.map((task) => task.taskArn ?? '');
    for (const task of running) await this.stopTask(run.cluster, task, injection, { subject: run.job, job: run.job });
    if (tells(await this.sim.settle(), taskArns)) return;
    this.sim.add({
      ...common,
      what: 'task-exited',
      label: injection.category === undefined ? `task exited ${injection.exitCode}` : `task stopped: ${injection.category}`,
      detail:
        `${this.runName(run, timeZone)} ${describeTaskIds(taskArns)}: stopped by the scenario after ${formatDuration(injection.after)}` +
        ` (${ending}${injection.reason ? `, ${injection.reason}` : ''})`,
      taskArns,
    });
  }

  /** A person starts a watched task (RunTask into its group); each of its tasks then stops as the scenario says. */
  async startWatchedTask(injection: InjectionOfKind<'watched-task-crashes'>, index: number): Promise<void> {
    const spec = this.sim.automation.watchedTasks[injection.watchedTask];
    if (!spec) return;
    const crash: CrashesUnderWay = { index, injection, remaining: injection.times };
    const earlier = this.crashes.get(spec.name);
    if (earlier) earlier.supersededBy = index;
    this.crashInjections.push(crash);
    this.crashes.set(spec.name, crash);
    const started = await this.sim.invoke({ subject: spec.name, handler: 'RunTask' }, () =>
      this.sim.runtime.ecs.send(new RunTaskCommand({ ...launchParameters(spec, 0), count: 1, group: spec.group })),
    );
    const taskArn = started?.result.tasks?.[0]?.taskArn;
    const times = injection.times === 1 ? 'once' : `${injection.times} times`;
    this.sim.add({
      timeZone: this.sim.plan.scenarioZone,
      subject: spec.name,
      what: 'watched-task-started',
      label: 'started by hand',
      detail: taskArn
        ? `task ${shortTaskId(taskArn)} started as a person would (RunTask into group ${spec.group}); ` +
          `the scenario stops each of its tasks after ${formatDuration(injection.after)} (${describeEnding(injection)}), ${times}`
        : `RunTask started nothing: ${started?.result.failures?.map((f) => f.reason).join('; ') || 'no task'}`,
      taskArns: taskArn ? [taskArn] : undefined,
      source: 'scenario',
    });
    if (taskArn) this.onWatchedTaskStarted(spec.name, taskArn);
  }

  /** A task of a watched task started (by hand or as a restart): the scenario's next stop is its. */
  onWatchedTaskStarted(watchedTask: string, taskArn: string): void {
    this.taskStarts.set(taskArn, this.sim.clock.now());
    const crash = this.crashes.get(watchedTask);
    if (!crash || crash.remaining === 0) return;
    crash.remaining -= 1;
    const { injection } = crash;
    const spec = this.sim.automation.watchedTasks[watchedTask];
    if (!spec) return;
    const stopAt = new Date(this.sim.clock.now().getTime() + injection.after * 1000);
    if (injection.category === 'spot-interruption') {
      const noticeAt = new Date(Math.max(this.sim.clock.now().getTime(), stopAt.getTime() - SPOT_NOTICE_SECONDS * 1000));
      this.sim.agenda.add(noticeAt, RANK.injection, {
        pastWindow: false,
        run: () => this.noticeTask(spec.cluster, taskArn, { subject: watchedTask }),
      });
    }
    this.sim.agenda.add(stopAt, RANK.injection, { pastWindow: false, run: () => this.endWatchedTask(spec, taskArn, injection) });
  }

  private async endWatchedTask(spec: WatchedTaskSpec, taskArn: string, injection: InjectionOfKind<'watched-task-crashes'>) {
    const { running } = await this.runningTasks(spec.cluster, [taskArn]);
    const common = { timeZone: this.sim.plan.scenarioZone, subject: spec.name, taskArns: [taskArn], source: 'scenario' as const };
    if (running.length === 0) {
      const detail = `task ${shortTaskId(taskArn)} had stopped before the scenario's stop after ${formatDuration(injection.after)}`;
      this.sim.add({ ...common, what: 'task-already-stopped', label: 'task already stopped', detail });
      return;
    }
    for (const task of running) await this.stopTask(spec.cluster, task, injection, { subject: spec.name });
    if (tells(await this.sim.settle(), [taskArn])) return;
    this.sim.add({
      ...common,
      what: 'task-exited',
      label: injection.category === undefined ? `task exited ${injection.exitCode}` : `task stopped: ${injection.category}`,
      detail: `task ${shortTaskId(taskArn)}: stopped by the scenario after ${formatDuration(injection.after)} (${describeEnding(injection)})`,
    });
  }

  /** A capacity provider has no room for the next launches (the bridge answers RunTask with failures[]). */
  async injectOutage(injection: InjectionOfKind<'capacity-outage'>, at: Date): Promise<void> {
    await injectCapacityOutage(this.sim.emulator, injection.capacityProvider, injection.until ? LONG_OUTAGE_LAUNCHES : injection.launches);
    const launches = injection.launches === 1 ? 'launch' : `${injection.launches} launches`;
    this.sim.add({
      time: at,
      timeZone: this.sim.plan.scenarioZone,
      subject: injection.capacityProvider,
      what: 'capacity-outage',
      label: 'capacity outage injected',
      detail: injection.until
        ? `every launch on ${injection.capacityProvider} finds no capacity until ${injection.until}`
        : `the next ${launches} on ${injection.capacityProvider} find${injection.launches === 1 ? 's' : ''} no capacity`,
      source: 'scenario',
    });
  }

  /** A long outage (capacity-outage with until) ends: launches on the provider find room again. */
  async endOutage(injection: InjectionOfKind<'capacity-outage'>, at: Date): Promise<void> {
    await injectCapacityOutage(this.sim.emulator, injection.capacityProvider, 0);
    this.sim.add({
      time: at,
      timeZone: this.sim.plan.scenarioZone,
      subject: injection.capacityProvider,
      what: 'capacity-outage',
      label: 'capacity outage over',
      detail: `launches on ${injection.capacityProvider} find room again`,
      source: 'scenario',
    });
  }

  /** Notes on the injections that did not all happen: task-exits that ended no run, crashes that were left over. */
  unfinishedNotes(): string[] {
    const notes: string[] = [];
    // Every run of a job that does not fire in the window is none at all: that is no surprise to report.
    const idle = (exit: ExitOnCue) => exit.injection.everyRun && !this.sim.plan.firingsByJob.get(exit.injection.job)?.length;
    for (const exit of this.sim.plan.exits.filter((e) => e.applied === 0 && !idle(e))) {
      const { job, attempt, everyRun } = exit.injection;
      const which = attempt === undefined ? '' : ` (attempt ${attempt})`;
      const nothing = everyRun
        ? `no run${which} of ${job} launched a task`
        : exit.scheduledTime
          ? `the run scheduled at ${localClockTime(exit.scheduledTime, this.sim.zoneOf(job))}${which} never launched a task`
          : `a run${which} never launched a task`;
      notes.push(`injections.${exit.index} (task-exits ${job}) did nothing: ${nothing}`);
    }
    for (const crash of this.crashInjections.filter((c) => c.remaining > 0)) {
      const { injection } = crash;
      const why =
        crash.supersededBy === undefined
          ? `no further task of ${injection.watchedTask} was started in the window`
          : `injections.${crash.supersededBy} took over ${injection.watchedTask}'s tasks`;
      notes.push(
        `injections.${crash.index} (watched-task-crashes ${injection.watchedTask}): ${crash.remaining} of its ${injection.times} stops did not happen: ${why}`,
      );
    }
    return notes;
  }
}

/** Whether an event on the bus tells of one of these tasks: then it is the timeline's line for their stop. */
function tells(events: PublishedEvent[], taskArns: string[]): boolean {
  return events.some((event) => {
    const mentioned = [...(event.resources ?? []), ...((event.detail.taskArns as string[] | undefined) ?? [])];
    return taskArns.some((taskArn) => mentioned.includes(taskArn));
  });
}
