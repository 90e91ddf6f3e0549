/**
 * Makes the reconciled schedule group hold exactly the desired schedules (desired.ts): creates what is
 * missing, updates what differs, deletes what automation.yml no longer asks for. The group is the
 * reconciler's alone (timers and the watchdogs live in the stack's other group), so anything in it that
 * is not desired is deleted.
 *
 * Idempotent and resumable: it reads what is there first (ListSchedules, then GetSchedule of each desired
 * schedule that exists) and writes only the differences, so a second run writes nothing, and a run that
 * failed half-way is finished by the next (a create that finds the schedule made meanwhile updates it; a
 * delete that finds it gone is done). Writes run a few at a time; the clients' adaptive retry absorbs
 * Scheduler's throttling.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { ScheduleDefinition } from './desired.ts';

export interface ReconcilePlan {
  create: ScheduleDefinition[];
  update: ScheduleDefinition[];
  /** Names of schedules in the group that are not desired. */
  delete: string[];
}

/** What to do, from the desired schedules and those the group holds (by name; `undefined` when not read). Pure. */
export function planReconciliation(desired: ScheduleDefinition[], existing: Map<string, ScheduleDefinition | undefined>): ReconcilePlan {
  const wanted = new Set(desired.map((schedule) => schedule.Name));
  const plan: ReconcilePlan = { create: [], update: [], delete: [] };
  for (const schedule of desired) {
    if (!existing.has(schedule.Name)) plan.create.push(schedule);
    else if (!sameSchedule(schedule, existing.get(schedule.Name))) plan.update.push(schedule);
  }
  plan.delete = [...existing.keys()].filter((name) => !wanted.has(name)).sort();
  return plan;
}

/** The fields a schedule is made of, as GetSchedule gives them back (an absent description is ""). */
function comparable(schedule: ScheduleDefinition): unknown {
  const { Target: target } = schedule;
  return {
    Description: schedule.Description ?? '',
    ScheduleExpression: schedule.ScheduleExpression,
    ScheduleExpressionTimezone: schedule.ScheduleExpressionTimezone,
    State: schedule.State,
    Mode: schedule.FlexibleTimeWindow.Mode,
    Arn: target.Arn,
    RoleArn: target.RoleArn,
    Input: target.Input,
    MaximumRetryAttempts: target.RetryPolicy.MaximumRetryAttempts,
    MaximumEventAgeInSeconds: target.RetryPolicy.MaximumEventAgeInSeconds,
    DeadLetterArn: target.DeadLetterConfig.Arn,
  };
}

const sameSchedule = (a: ScheduleDefinition, b: ScheduleDefinition | undefined): boolean =>
  b !== undefined && JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));

/** GetSchedule's answer in the shape of a definition (missing fields as empty values, which then differ). */
export function definitionOf(output: GetScheduleCommandOutput): ScheduleDefinition {
  return {
    Name: output.Name ?? '',
    GroupName: output.GroupName ?? '',
    ...(output.Description && { Description: output.Description }),
    ScheduleExpression: output.ScheduleExpression ?? '',
    ScheduleExpressionTimezone: output.ScheduleExpressionTimezone ?? 'UTC',
    State: output.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    FlexibleTimeWindow: { Mode: output.FlexibleTimeWindow?.Mode === 'OFF' ? 'OFF' : ('FLEXIBLE' as 'OFF') },
    Target: {
      Arn: output.Target?.Arn ?? '',
      RoleArn: output.Target?.RoleArn ?? '',
      Input: output.Target?.Input ?? '',
      RetryPolicy: {
        MaximumRetryAttempts: output.Target?.RetryPolicy?.MaximumRetryAttempts ?? -1,
        MaximumEventAgeInSeconds: output.Target?.RetryPolicy?.MaximumEventAgeInSeconds ?? -1,
      },
      DeadLetterConfig: { Arn: output.Target?.DeadLetterConfig?.Arn ?? '' },
    },
  };
}

export interface ReconcileResult {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/** How many requests run at once: Scheduler's per-account request rates are in the tens per second. */
const CONCURRENCY = 8;

/** Reconciles `groupName` to `desired` (every schedule's GroupName is `groupName`). */
export async function reconcileSchedules(
  scheduler: SchedulerClient,
  groupName: string,
  desired: ScheduleDefinition[],
): Promise<ReconcileResult> {
  const names = await listScheduleNames(scheduler, groupName);
  const wanted = new Set(desired.map((schedule) => schedule.Name));
  const existing = new Map<string, ScheduleDefinition | undefined>(names.map((name) => [name, undefined]));
  await inBatches(
    names.filter((name) => wanted.has(name)),
    async (name) => {
      try {
        existing.set(name, definitionOf(await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: groupName }))));
      } catch (error) {
        // Deleted between the list and the read: it is missing, so it is created.
        if (!(error instanceof ResourceNotFoundException)) throw error;
        existing.delete(name);
      }
    },
  );
  const plan = planReconciliation(desired, existing);
  await inBatches(plan.create, async (schedule) => {
    try {
      await scheduler.send(new CreateScheduleCommand(schedule));
    } catch (error) {
      // Made meanwhile (a concurrent run, a retried invocation): make it what is desired.
      if (!(error instanceof ConflictException)) throw error;
      await scheduler.send(new UpdateScheduleCommand(schedule));
    }
  });
  await inBatches(plan.update, async (schedule) => {
    await scheduler.send(new UpdateScheduleCommand(schedule));
  });
  await inBatches(plan.delete, async (name) => {
    try {
      await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  });
  return {
    created: plan.create.length,
    updated: plan.update.length,
    deleted: plan.delete.length,
    unchanged: desired.length - plan.create.length - plan.update.length,
  };
}

async function listScheduleNames(scheduler: SchedulerClient, groupName: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await scheduler.send(new ListSchedulesCommand({ GroupName: groupName, NextToken: nextToken, MaxResults: 100 }));
      for (const schedule of page.Schedules ?? []) if (schedule.Name) names.push(schedule.Name);
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    // No group yet (a rollback deleting what never got made): it holds nothing.
    if (error instanceof ResourceNotFoundException) return [];
    throw error;
  }
  return names;
}

/** `run` on every item, CONCURRENCY at a time; a failure stops after its batch has settled, so nothing is still writing when it throws. */
async function inBatches<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += CONCURRENCY) {
    const settled = await Promise.allSettled(items.slice(start, start + CONCURRENCY).map(run));
    const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
