/**
 * Timers: "do this at that time" as one-time EventBridge Scheduler schedules (at(...), deleted after
 * they fire) in the stack's schedule group. Used where time is the trigger: a retry's back-off, a
 * restart's back-off, an alert group's wait, a deferred scaling change's retry. Each timer has a name derived from what it does, so
 * setting the same timer twice (a redelivered event) creates one schedule.
 */
import { ConflictException, CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { FUNCTION_NAMES } from '../stack/naming.ts';

/** The functions a timer can invoke, by the names serverless.yml gives them. */
export type TimerTarget = (typeof FUNCTION_NAMES)['runBatchJob' | 'onTaskStopped' | 'notify' | 'scaleService'];

export interface Timer {
  /** At most 64 of [0-9A-Za-z-_.]; see timerName. */
  name: string;
  at: Date;
  target: TimerTarget;
  /** What the target receives, as it receives it. */
  input: unknown;
}

export interface TimerSettings {
  groupName: string;
  /** The role Scheduler assumes to invoke the functions. */
  roleArn: string;
  targets: Record<TimerTarget, string>;
  deadLetterArn: string;
}

export interface TimerSetter {
  set(timer: Timer): Promise<void>;
}

/** Scheduler's at() takes a wall-clock time without zone or fraction: UTC, rounded up to the second. */
export function atExpression(at: Date): string {
  const seconds = Math.ceil(at.getTime() / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}

/** A schedule name for `parts`: readable prefix, then a hash of all of it (names must stay ≤ 64). */
export function timerName(kind: string, ...parts: (string | number)[]): string {
  const text = parts.join('|');
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  let hash2 = 0x1b873593;
  for (let i = text.length - 1; i >= 0; i--) hash2 = Math.imul(hash2 ^ text.charCodeAt(i), 0x5bd1e995) >>> 0;
  const readable = `${kind}-${String(parts[0] ?? '')}`.replace(/[^0-9A-Za-z_.-]/g, '-').slice(0, 45);
  return `${readable}-${hash.toString(16).padStart(8, '0')}${hash2.toString(16).padStart(8, '0')}`.slice(0, 64);
}

export class SchedulerTimers implements TimerSetter {
  private readonly scheduler: SchedulerClient;
  private readonly settings: TimerSettings;

  constructor(scheduler: SchedulerClient, settings: TimerSettings) {
    this.scheduler = scheduler;
    this.settings = settings;
  }

  async set(timer: Timer): Promise<void> {
    try {
      await this.scheduler.send(
        new CreateScheduleCommand({
          Name: timer.name,
          GroupName: this.settings.groupName,
          ScheduleExpression: atExpression(timer.at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          State: 'ENABLED',
          Target: {
            Arn: this.settings.targets[timer.target],
            RoleArn: this.settings.roleArn,
            Input: JSON.stringify(timer.input),
            RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3_600 },
            DeadLetterConfig: { Arn: this.settings.deadLetterArn },
          },
        }),
      );
    } catch (error) {
      // The same timer, set by an earlier delivery of the same event.
      if (error instanceof ConflictException) return;
      throw error;
    }
  }
}
