/**
 * Timers in the emulator. moto stores one-time Scheduler schedules but never fires them; this bridges
 * that gap openly: the product code creates real schedules (SchedulerTimers), and the sandbox and the
 * tests take the ones due by their virtual clock and deliver each input to its target, deleting the
 * schedule as ActionAfterCompletion DELETE would.
 */
import { DeleteScheduleCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SchedulerTimers, type TimerSettings, type TimerTarget } from '../shared/timers/timers.ts';
import { EMULATOR_REGION, emulatorClientConfig } from './emulator.ts';
import type { SandboxWorld } from './seed.ts';

export interface DueTimer {
  name: string;
  at: Date;
  target: TimerTarget;
  input: unknown;
}

const TARGETS: TimerTarget[] = ['run-batch-job', 'on-task-stopped', 'notify', 'scale-service'];

/** The settings a deployed function would have, with ARNs that only name the target. */
export function emulatorTimerSettings(world: SandboxWorld): TimerSettings {
  const arn = (target: TimerTarget) => `arn:aws:lambda:${EMULATOR_REGION}:123456789012:function:${world.scheduleGroup}-${target}`;
  return {
    groupName: world.scheduleGroup,
    roleArn: 'arn:aws:iam::123456789012:role/ecs-autopilot-scheduler',
    deadLetterArn: `arn:aws:sqs:${EMULATOR_REGION}:123456789012:${world.scheduleGroup}-schedule-dlq`,
    targets: Object.fromEntries(TARGETS.map((target) => [target, arn(target)])) as Record<TimerTarget, string>,
  };
}

export class EmulatorTimers extends SchedulerTimers {
  private readonly client: SchedulerClient;
  private readonly timerSettings: TimerSettings;

  constructor(world: SandboxWorld) {
    const client = new SchedulerClient(emulatorClientConfig(world.endpoint));
    const settings = emulatorTimerSettings(world);
    super(client, settings);
    this.client = client;
    this.timerSettings = settings;
  }

  /** Every timer set and not yet taken, earliest first. */
  async pending(): Promise<DueTimer[]> {
    const timers: DueTimer[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(new ListSchedulesCommand({ GroupName: this.timerSettings.groupName, NextToken }));
      for (const summary of page.Schedules ?? []) {
        const schedule = await this.client.send(new GetScheduleCommand({ GroupName: this.timerSettings.groupName, Name: summary.Name }));
        const at = /^at\((.+)\)$/.exec(schedule.ScheduleExpression ?? '')?.[1];
        const target = TARGETS.find((t) => this.timerSettings.targets[t] === schedule.Target?.Arn);
        if (!at || !target || !summary.Name) continue;
        timers.push({ name: summary.Name, at: new Date(`${at}Z`), target, input: JSON.parse(schedule.Target?.Input ?? 'null') });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return timers.sort((a, b) => a.at.getTime() - b.at.getTime() || a.name.localeCompare(b.name));
  }

  /** The earliest pending timer due at `now`, removed as Scheduler removes a fired one-time schedule. */
  async takeDue(now: Date): Promise<DueTimer | undefined> {
    const next = (await this.pending())[0];
    if (!next || next.at > now) return undefined;
    await this.client.send(new DeleteScheduleCommand({ GroupName: this.timerSettings.groupName, Name: next.name }));
    return next;
  }
}
