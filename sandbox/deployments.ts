/**
 * Blue/green in the simulation: the scenario's deployment requests (published on the bus as
 * `ecs-autopilot deploy` does), its gate alarms' state changes, shift-traffic's invocations, and the
 * shift-traffic-watchdog schedule's ticks while a deployment is under way, and the ends of the hook
 * tasks shift-traffic starts (hook-exits: moto makes no container exit), which the next tick reads.
 */
import { randomBytes } from 'node:crypto';
import { DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { deploymentId } from '../cli/deploy.ts';
import { shiftTraffic } from '../functions/shift-traffic.ts';
import { DEPLOYMENT_DETAIL_TYPES, type Deployment, isFinal } from '../shared/blue-green/model.ts';
import { SHIFT_TRAFFIC_TICK } from '../shared/blue-green/trigger.ts';
import { formatDuration } from '../shared/config/duration.ts';
import { alarmStateChangeEvent } from './alarm-events.ts';
import { stopTaskAs } from './emulator.ts';
import type { InjectionOfKind } from './scenario.ts';
import { DELIVERY_DELAY_SECONDS } from './scheduler-delivery.ts';
import type { Simulation } from './simulation.ts';
import { RANK } from './steps.ts';

/** Who the scenario's deployment requests say asked for them (`ecs-autopilot deploy` says `cli:<user>`). */
const REQUESTED_BY = 'sandbox scenario';

/** `["app=repo/shop:v2"]` → `{ app: "repo/shop:v2" }`, as `deploy --image` takes them (the schema checked the form). */
function imagesOf(pairs: string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** A deployment the scenario requested: the id its request carried. */
export interface RequestedDeployment {
  index: number;
  app: string;
  id: string;
  requestedAt: Date;
}

export class Deployments {
  private readonly sim: Simulation;
  readonly requests: RequestedDeployment[] = [];
  /** A shift-traffic watchdog tick is on the agenda. */
  private shiftTickPending = false;
  /** The hook tasks whose end is on the agenda (by task ARN). */
  private readonly hookTasksEnding = new Set<string>();

  constructor(sim: Simulation) {
    this.sim = sim;
  }

  /**
   * shift-traffic gets an event (one a deployed rule took to it, or its watchdog's tick); then, while any
   * deployment is not final, the watchdog schedule's next tick goes on the agenda.
   */
  async shift(input: unknown, subject: string, during: string): Promise<void> {
    await this.sim.invoke({ subject, handler: 'shift-traffic', during }, () => shiftTraffic(input, this.sim.shiftRuntime));
    await this.endHookTasks();
    await this.followDeployments();
  }

  /**
   * A hook task shift-traffic started stops `after` it started, as the scenario's first hook-exits for its
   * app (and stage) says; one no injection names keeps running (until its hook times out).
   */
  private async endHookTasks(): Promise<void> {
    for (const deployment of await this.activeDeployments()) {
      const run = deployment.hooks?.at(-1);
      const taskArn = run?.taskArn;
      if (deployment.stage !== 'hook' || run?.status !== 'running' || !taskArn || this.hookTasksEnding.has(taskArn)) continue;
      const ending = this.sim.plan.hookExits.find(
        ({ injection }) => injection.app === deployment.app && (injection.hook === undefined || injection.hook === run.stage),
      )?.injection;
      if (!ending) continue;
      this.hookTasksEnding.add(taskArn);
      const at = Math.max(this.sim.clock.now().getTime(), new Date(run.startedAt).getTime() + ending.after * 1000);
      this.sim.agenda.add(new Date(at), RANK.injection, {
        pastWindow: false,
        run: async () => {
          await stopTaskAs(this.sim.emulator, taskArn, {
            exitCode: ending.exitCode,
            ...(ending.reason && { containerReason: ending.reason }),
          });
          this.sim.add({
            timeZone: this.sim.plan.scenarioZone,
            subject: deployment.app,
            // In the app's lane of the picture, with its hook's other lines.
            what: 'deployment-hook',
            label: 'hook task exited',
            detail: `${run.runs} (${run.id} of ${deployment.id}) exited ${ending.exitCode}${ending.reason ? `: ${ending.reason}` : ''}; the next watchdog tick reads it`,
            source: 'scenario',
          });
        },
      });
    }
  }

  /** A pipeline runs `ecs-autopilot deploy`: the same Deployment Requested event on the bus, which the deployment requests' rule takes to shift-traffic. */
  async requestDeployment(injection: InjectionOfKind<'deployment'>, index: number): Promise<void> {
    const now = this.sim.clock.now();
    const images = injection.image === undefined ? undefined : imagesOf([injection.image].flat());
    const taskDefinition = injection.taskDefinition && (await this.taskDefinitionArn(injection.app, injection.taskDefinition));
    if (taskDefinition === null) return;
    const id = deploymentId(injection.app, now, randomBytes(2).toString('hex'));
    this.requests.push({ index, app: injection.app, id, requestedAt: now });
    const detail = {
      app: injection.app,
      id,
      ...(taskDefinition && { taskDefinition }),
      ...(images && { images }),
      requestedBy: REQUESTED_BY,
    };
    await this.sim.shiftRuntime.bus.publish([{ detailType: DEPLOYMENT_DETAIL_TYPES.requested, detail, time: now }]);
  }

  /**
   * A gate alarm changes state: set in CloudWatch (moto evaluates no metrics, so SetAlarmState), and the
   * "CloudWatch Alarm State Change" event AWS puts on the default bus goes where the rules take it (the
   * gate alarms' rule: shift-traffic).
   */
  async changeAlarm(injection: InjectionOfKind<'deployment'>, index: number, state: 'ALARM' | 'OK'): Promise<void> {
    const { alarm } = injection;
    if (!alarm) return;
    const { cloudWatch } = this.sim.shiftRuntime;
    const reason =
      state === 'ALARM' ? 'Threshold Crossed: injected by the scenario' : 'Threshold no longer crossed: injected by the scenario';
    const changed = await this.sim.invoke({ subject: alarm.name, handler: 'SetAlarmState' }, async () => {
      await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarm.name, StateValue: state, StateReason: reason }));
      const { MetricAlarms = [] } = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarm.name] }));
      return MetricAlarms[0]?.AlarmArn ?? '';
    });
    if (!changed) return;
    const alarmArn = changed.result;
    const now = this.sim.clock.now();
    const request = this.requests.find((r) => r.index === index);
    this.sim.add({
      timeZone: this.sim.plan.scenarioZone,
      subject: alarm.name,
      what: 'alarm-state',
      label: `alarm → ${state}`,
      detail:
        state === 'ALARM'
          ? `set to ALARM ${formatDuration(alarm.after)} after ${request ? `${request.id} was requested` : 'the deployment request'}; its state change goes to shift-traffic`
          : `back to OK after ${formatDuration(alarm.clearsAfter)} in ALARM`,
      source: 'scenario',
    });
    const event = alarmStateChangeEvent({ alarmArn, alarmName: alarm.name, state, reason, at: now });
    await this.sim.deliverEvent(event, 'default', { subject: alarm.name, during: `on ${alarm.name}'s change to ${state}` });
  }

  /** The deployments not final yet, as shift-traffic keeps them. */
  async activeDeployments(): Promise<Deployment[]> {
    const active: Deployment[] = [];
    for (const app of Object.keys(this.sim.automation.apps)) {
      const deployment = await this.sim.shiftRuntime.deployments.get(app);
      if (deployment && !isFinal(deployment.stage)) active.push(deployment);
    }
    return active;
  }

  /**
   * The shift-traffic-watchdog schedule fires every minute, a few seconds past it. Only the ticks while a
   * deployment is under way can do anything, so only those are simulated: one at a time, the next
   * planned after each step that concerned a deployment.
   */
  private async followDeployments(): Promise<void> {
    if (this.shiftTickPending || (await this.activeDeployments()).length === 0) return;
    const now = this.sim.clock.now().getTime();
    const minute = Math.floor(now / 60_000) * 60_000 + DELIVERY_DELAY_SECONDS * 1000;
    this.shiftTickPending = true;
    this.sim.agenda.add(new Date(minute > now ? minute : minute + 60_000), RANK.watchdog, {
      pastWindow: false,
      run: async () => {
        this.shiftTickPending = false;
        await this.shift(SHIFT_TRAFFIC_TICK, 'shift-traffic-watchdog', 'on a watchdog tick');
      },
    });
  }

  /** `deploy` takes a task definition ARN: a family:revision is looked up in the emulator. Null when it is not there. */
  private async taskDefinitionArn(app: string, taskDefinition: string): Promise<string | null> {
    if (taskDefinition.startsWith('arn:')) return taskDefinition;
    const found = await this.sim.invoke({ subject: app, handler: 'DescribeTaskDefinition', during: 'for the deployment request' }, () =>
      this.sim.shiftRuntime.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })),
    );
    return found?.result.taskDefinition?.taskDefinitionArn ?? null;
  }

  /** Notes on the deployments still under way when the window ended. */
  async unfinishedNotes(): Promise<string[]> {
    const notes: string[] = [];
    for (const deployment of await this.activeDeployments()) {
      notes.push(
        `deployment ${deployment.id} of ${deployment.app} was still ${deployment.stage} when the window ended` +
          `${deployment.waitingFor ? ` (waiting for ${deployment.waitingFor})` : ''}`,
      );
    }
    return notes;
  }
}
