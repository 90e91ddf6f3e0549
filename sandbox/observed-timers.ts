/**
 * The sandbox's view of the timers: the product code sets them as real one-time schedules in moto
 * (EmulatorTimers); the sandbox also hears of each one as it is set, so it can put its delivery on the
 * agenda without listing the schedule group after every step. At its time the sandbox takes the
 * schedule out of moto (its target and input as stored there) and deletes it, as Scheduler would.
 */
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { Timer, TimerTarget } from '../shared/timers/timers.ts';
import { emulatorClientConfig } from './emulator.ts';
import type { SandboxWorld } from './seed.ts';
import { type DueTimer, EmulatorTimers, emulatorTimerSettings } from './timers.ts';

/** Scheduler's at() has whole seconds: a timer fires at its time rounded up to the second (atExpression). */
export function firesAt(timer: Pick<Timer, 'at'>): Date {
  return new Date(Math.ceil(timer.at.getTime() / 1000) * 1000);
}

export class ObservedTimers extends EmulatorTimers {
  private readonly schedules: SchedulerClient;
  private readonly group: string;
  private readonly targets: Record<TimerTarget, string>;
  private fresh: Timer[] = [];

  constructor(world: SandboxWorld) {
    super(world);
    this.schedules = new SchedulerClient(emulatorClientConfig(world.endpoint));
    const settings = emulatorTimerSettings(world);
    this.group = settings.groupName;
    this.targets = settings.targets;
  }

  override async set(timer: Timer): Promise<void> {
    await super.set(timer);
    this.fresh.push(timer);
  }

  /** The timers set since the last call (a name set twice is one schedule: the caller keeps one). */
  takeNew(): Timer[] {
    const fresh = this.fresh;
    this.fresh = [];
    return fresh;
  }

  /** The schedule of that name as moto holds it, deleted as a fired one-time schedule is; undefined when gone. */
  async take(name: string): Promise<DueTimer | undefined> {
    let schedule: GetScheduleCommandOutput;
    try {
      schedule = await this.schedules.send(new GetScheduleCommand({ GroupName: this.group, Name: name }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
    await this.schedules.send(new DeleteScheduleCommand({ GroupName: this.group, Name: name }));
    const at = /^at\((.+)\)$/.exec(schedule.ScheduleExpression ?? '')?.[1];
    const target = (Object.keys(this.targets) as TimerTarget[]).find((t) => this.targets[t] === schedule.Target?.Arn);
    if (!at || !target) return undefined;
    return { name, at: new Date(`${at}Z`), target, input: JSON.parse(schedule.Target?.Input ?? 'null') };
  }
}
