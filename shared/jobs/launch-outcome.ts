/**
 * What one RunTask call came to, and what to do next. Pure: decide.ts turns the step into the run's
 * next state and action.
 */

import { type AwsErrorLike, isTransientAwsError } from '../aws/transient-errors.ts';
import { backoffSeconds as exponentialBackoffSeconds } from '../backoff.ts';
import type { JobSpec } from '../config/schema.ts';

export type LaunchOutcome =
  | { kind: 'started'; taskArns: string[]; shortBy: number; capacityReason?: string | undefined }
  | { kind: 'no-capacity'; reason: string }
  | { kind: 'permanent'; reason: string }
  | { kind: 'retryable'; reason: string };

interface RunTaskResultLike {
  tasks?: { taskArn?: string | undefined }[] | undefined;
  failures?: { arn?: string | undefined; reason?: string | undefined; detail?: string | undefined }[] | undefined;
}

/**
 * Failure reasons that mean "no room right now": placement resources, Fargate capacity, agents.
 * Unknown reasons are treated the same way — retried a bounded number of times — because a wrong
 * "permanent" would drop a run that could have started a minute later.
 */
const PERMANENT_FAILURE_REASONS = [/^ATTRIBUTE/i, /^INACTIVE/i, /not.*supported/i, /invalid/i];

/** A RunTask that answered 200 may still have launched nothing: `failures[]` says why. */
export function outcomeOfRunTask(result: RunTaskResultLike, requested: number): LaunchOutcome {
  const taskArns = (result.tasks ?? []).map((t) => t.taskArn).filter((arn): arn is string => Boolean(arn));
  const failures = result.failures ?? [];
  const reason = failures.map((f) => [f.reason, f.detail].filter(Boolean).join(': ')).join('; ') || undefined;
  if (taskArns.length > 0) {
    return { kind: 'started', taskArns, shortBy: Math.max(0, requested - taskArns.length), capacityReason: reason };
  }
  const text = reason ?? 'RunTask started no task and gave no reason';
  if (failures.some((f) => PERMANENT_FAILURE_REASONS.some((pattern) => pattern.test(f.reason ?? '')))) {
    return { kind: 'permanent', reason: text };
  }
  return { kind: 'no-capacity', reason: text };
}

/** The next step an operator should take for a permanent RunTask error. */
const PERMANENT_HINTS: Array<[RegExp, string]> = [
  [
    /iam:PassRole|not authorized to perform.*PassRole/i,
    "list the task definition's roles as taskRole/executionRole in automation.yml and redeploy",
  ],
  [
    /AccessDenied|not authorized/i,
    "the run-batch-job role lacks a permission: check the job's cluster and taskDefinition in automation.yml and redeploy",
  ],
  [/task ?definition/i, 'check that the task definition family or revision in automation.yml exists and is ACTIVE in this region'],
  [/cluster/i, 'check the cluster name in automation.yml'],
  [/subnet|security ?group|network/i, 'check the network subnets and security groups in automation.yml'],
];

/** A RunTask that threw: throttling and 5xx are worth retrying; a client error will not heal. */
export function outcomeOfRunTaskError(error: unknown): LaunchOutcome {
  const e = (error ?? {}) as AwsErrorLike;
  const name = e.name ?? 'Error';
  const message = e.message ?? String(error);
  if (isTransientAwsError(error)) return { kind: 'retryable', reason: `${name}: ${message}` };
  // An EC2 cluster scaled to zero answers with an exception rather than failures[]: still capacity.
  if (/No Container Instances were found/i.test(message)) return { kind: 'no-capacity', reason: `${name}: ${message}` };
  const hint = PERMANENT_HINTS.find(([pattern]) => pattern.test(`${name} ${message}`))?.[1];
  return { kind: 'permanent', reason: `${name}: ${message}${hint ? ` — ${hint}` : ''}` };
}

/** Where the launch of a task slot stands after a RunTask: the provider it used, where rounds start over, rounds without room. */
export interface LaunchPosition {
  providerIndex: number;
  firstProviderIndex: number;
  rounds: number;
}

export type LaunchStep =
  | { kind: 'try'; providerIndex: number; rounds: number; waitSeconds: number }
  | { kind: 'launched' }
  | { kind: 'failed'; reason: string; permanent: boolean }
  | { kind: 'throw-retryable'; reason: string };

export function providerCount(job: JobSpec): number {
  return 'capacityProviders' in job.launch ? job.launch.capacityProviders.length : 1;
}

/**
 * After an outcome: fall back to the next capacity provider at once; when every provider is out of
 * capacity, start over from the first (of this attempt: a retry after a Spot interruption starts past
 * it) after an exponentially growing wait; give up after launchRetry.attempts rounds.
 */
export function nextLaunchStep(job: JobSpec, position: LaunchPosition, outcome: LaunchOutcome): LaunchStep {
  const providers = providerCount(job);
  switch (outcome.kind) {
    case 'retryable':
      return { kind: 'throw-retryable', reason: outcome.reason };
    case 'permanent':
      return { kind: 'failed', reason: outcome.reason, permanent: true };
    case 'started':
      if (outcome.shortBy === 0) return { kind: 'launched' };
      return capacityStep(job, position, providers, outcome.capacityReason ?? 'fewer tasks started than requested');
    case 'no-capacity':
      return capacityStep(job, position, providers, outcome.reason);
  }
}

function capacityStep(job: JobSpec, position: LaunchPosition, providers: number, reason: string): LaunchStep {
  if (position.providerIndex + 1 < providers) {
    return { kind: 'try', providerIndex: position.providerIndex + 1, rounds: position.rounds, waitSeconds: 0 };
  }
  const roundsDone = position.rounds + 1;
  if (roundsDone >= job.launchRetry.attempts) {
    return {
      kind: 'failed',
      permanent: false,
      reason: `no capacity after ${roundsDone} round${roundsDone === 1 ? '' : 's'} over ${describeCapacity(job, position.firstProviderIndex)}: ${reason}`,
    };
  }
  return { kind: 'try', providerIndex: position.firstProviderIndex, rounds: roundsDone, waitSeconds: backoffSeconds(job, roundsDone) };
}

/** Exponential back-off: backoff, 2×backoff, 4×backoff… capped at maxBackoff (see totalBackoffSeconds). */
export function backoffSeconds(job: JobSpec, roundsDone: number): number {
  return exponentialBackoffSeconds({ initialSeconds: job.launchRetry.backoff, maxSeconds: job.launchRetry.maxBackoff }, roundsDone);
}

function describeCapacity(job: JobSpec, firstProviderIndex: number): string {
  if ('capacityProviders' in job.launch) return job.launch.capacityProviders.slice(firstProviderIndex).join(' → ');
  if ('launchType' in job.launch) return job.launch.launchType;
  return "the cluster's default capacity provider strategy";
}
