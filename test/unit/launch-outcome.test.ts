import {
  AccessDeniedException,
  ClientException,
  ClusterNotFoundException,
  ECSServiceException,
  InvalidParameterException,
  ServerException,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../shared/config/schema.ts';
import {
  backoffSeconds,
  type LaunchOutcome,
  type LaunchPosition,
  type LaunchStep,
  nextLaunchStep,
  outcomeOfRunTask,
  outcomeOfRunTaskError,
} from '../../shared/jobs/launch-outcome.ts';
import { jobSpec, spotJobSpec, taskArn } from './fixtures.ts';

const FARGATE_NO_CAPACITY = 'Capacity is unavailable at this time. Please try again later or in a different availability zone';
const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

function progress(fields: Partial<LaunchPosition> = {}): LaunchPosition {
  return { providerIndex: 0, firstProviderIndex: 0, rounds: 0, ...fields };
}

const noCapacity: LaunchOutcome = { kind: 'no-capacity', reason: FARGATE_NO_CAPACITY };

/** Plays a launch that never finds capacity, the way the launch loop carries out the steps. */
function playWithoutCapacity(job: JobSpec): { tries: { providerIndex: number; waitSeconds: number }[]; end: LaunchStep } {
  const tries = [{ providerIndex: 0, waitSeconds: 0 }];
  let state = progress();
  for (;;) {
    const step = nextLaunchStep(job, state, noCapacity);
    if (step.kind !== 'try') return { tries, end: step };
    tries.push({ providerIndex: step.providerIndex, waitSeconds: step.waitSeconds });
    state = progress({ providerIndex: step.providerIndex, rounds: step.rounds });
  }
}

describe('outcomeOfRunTask', () => {
  it('is started when every requested task started', () => {
    const outcome = outcomeOfRunTask({ tasks: [{ taskArn: taskArn('a1') }, { taskArn: taskArn('a2') }], failures: [] }, 2);

    expect(outcome).toEqual({ kind: 'started', taskArns: [taskArn('a1'), taskArn('a2')], shortBy: 0, capacityReason: undefined });
  });

  it('counts a partial start as started, short by the missing tasks, with the failure reason', () => {
    const outcome = outcomeOfRunTask(
      { tasks: [{ taskArn: taskArn('a1') }], failures: [{ reason: 'RESOURCE:MEMORY' }, { reason: 'RESOURCE:MEMORY' }] },
      3,
    );

    expect(outcome).toEqual({
      kind: 'started',
      taskArns: [taskArn('a1')],
      shortBy: 2,
      capacityReason: 'RESOURCE:MEMORY; RESOURCE:MEMORY',
    });
  });

  it('treats a 200 answer with only failures as no capacity, joining reason and detail', () => {
    const outcome = outcomeOfRunTask({ tasks: [], failures: [{ arn: 'arn:x', reason: 'RESOURCE:CPU', detail: 'needs 4096' }] }, 1);

    expect(outcome).toEqual({ kind: 'no-capacity', reason: 'RESOURCE:CPU: needs 4096' });
  });

  it('treats the Fargate capacity failure as no capacity', () => {
    expect(outcomeOfRunTask({ failures: [{ reason: FARGATE_NO_CAPACITY }] }, 1)).toEqual({
      kind: 'no-capacity',
      reason: FARGATE_NO_CAPACITY,
    });
  });

  it.each(['ATTRIBUTE', 'INACTIVE', 'Platform version is not supported', 'invalid subnet'])(
    'treats the failure %j as permanent',
    (reason) => {
      expect(outcomeOfRunTask({ tasks: [], failures: [{ reason }] }, 1)).toEqual({ kind: 'permanent', reason });
    },
  );

  it('says so when RunTask started nothing and gave no reason', () => {
    expect(outcomeOfRunTask({}, 1)).toEqual({ kind: 'no-capacity', reason: 'RunTask started no task and gave no reason' });
  });

  it('ignores task entries without an ARN', () => {
    expect(outcomeOfRunTask({ tasks: [{ taskArn: undefined }, { taskArn: taskArn('a1') }] }, 2)).toMatchObject({
      kind: 'started',
      taskArns: [taskArn('a1')],
      shortBy: 1,
    });
  });
});

describe('outcomeOfRunTaskError', () => {
  it('retries throttling', () => {
    const error = new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', ...metadata(400) });

    expect(outcomeOfRunTaskError(error)).toEqual({ kind: 'retryable', reason: 'ThrottlingException: Rate exceeded' });
  });

  it('retries a server fault', () => {
    const error = new ServerException({ message: 'Service unavailable', ...metadata(500) });

    expect(outcomeOfRunTaskError(error)).toEqual({ kind: 'retryable', reason: 'ServerException: Service unavailable' });
  });

  it('retries any 5xx answer, whatever its name', () => {
    const error = new ECSServiceException({ name: 'UnknownError', $fault: 'client', message: 'bad gateway', ...metadata(502) });

    expect(outcomeOfRunTaskError(error).kind).toBe('retryable');
  });

  it('retries a network error that never got an HTTP answer', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });

    expect(outcomeOfRunTaskError(error)).toEqual({ kind: 'retryable', reason: 'Error: connect ECONNREFUSED 10.0.0.1:443' });
  });

  it('fails a missing task definition permanently with a hint to check it', () => {
    const error = new ClientException({ message: 'TaskDefinition not found.', ...metadata(400) });

    expect(outcomeOfRunTaskError(error)).toEqual({
      kind: 'permanent',
      reason:
        'ClientException: TaskDefinition not found. — check that the task definition family or revision in automation.yml exists and is ACTIVE in this region',
    });
  });

  it('fails a missing iam:PassRole permanently with a hint to list the roles', () => {
    const error = new AccessDeniedException({
      message:
        'User: arn:aws:sts::123456789012:assumed-role/run-batch-job/fn is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/report-task',
      ...metadata(400),
    });

    expect(outcomeOfRunTaskError(error)).toEqual({
      kind: 'permanent',
      reason: expect.stringMatching(/^AccessDeniedException: User: .* — list the task definition's roles as taskRole\/executionRole/),
    });
  });

  it('fails another denied action permanently with a hint about the role', () => {
    const error = new AccessDeniedException({
      message:
        'User: arn:aws:sts::123456789012:assumed-role/run-batch-job/fn is not authorized to perform: ecs:RunTask on resource: arn:aws:ecs:eu-central-1:123456789012:task-definition/other:1',
      ...metadata(400),
    });

    expect(outcomeOfRunTaskError(error)).toEqual({
      kind: 'permanent',
      reason: expect.stringMatching(/ — the run-batch-job role lacks a permission: check the job's cluster and taskDefinition/),
    });
  });

  it('fails an invalid network parameter permanently with a hint about the network', () => {
    const error = new InvalidParameterException({
      message: "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
      ...metadata(400),
    });

    expect(outcomeOfRunTaskError(error)).toEqual({
      kind: 'permanent',
      reason: expect.stringMatching(/^InvalidParameterException: Network Configuration .* — check the network subnets and security groups/),
    });
  });

  it('fails a missing cluster permanently with a hint about the cluster name', () => {
    const error = new ClusterNotFoundException({ message: 'Cluster not found.', ...metadata(400) });

    expect(outcomeOfRunTaskError(error)).toEqual({
      kind: 'permanent',
      reason: 'ClusterNotFoundException: Cluster not found. — check the cluster name in automation.yml',
    });
  });

  it('fails an unrecognised client error permanently without a hint', () => {
    const error = new ECSServiceException({ name: 'UnsupportedFeatureException', $fault: 'client', message: 'nope', ...metadata(400) });

    expect(outcomeOfRunTaskError(error)).toEqual({ kind: 'permanent', reason: 'UnsupportedFeatureException: nope' });
  });
});

describe('nextLaunchStep', () => {
  it('is launched when every task started', () => {
    const step = nextLaunchStep(spotJobSpec(), progress(), { kind: 'started', taskArns: [taskArn('a1')], shortBy: 0 });

    expect(step).toEqual({ kind: 'launched' });
  });

  it('falls back from FARGATE_SPOT to FARGATE at once', () => {
    expect(nextLaunchStep(spotJobSpec(), progress({ providerIndex: 0 }), noCapacity)).toEqual({
      kind: 'try',
      providerIndex: 1,
      rounds: 0,
      waitSeconds: 0,
    });
  });

  it('falls back for the missing tasks of a partial start', () => {
    const step = nextLaunchStep(spotJobSpec(), progress({ providerIndex: 0 }), {
      kind: 'started',
      taskArns: [taskArn('a1')],
      shortBy: 2,
      capacityReason: FARGATE_NO_CAPACITY,
    });

    expect(step).toEqual({ kind: 'try', providerIndex: 1, rounds: 0, waitSeconds: 0 });
  });

  it('starts a new round from the first provider after the back-off when the last provider had no room', () => {
    expect(nextLaunchStep(spotJobSpec(), progress({ providerIndex: 1, rounds: 0 }), noCapacity)).toEqual({
      kind: 'try',
      providerIndex: 0,
      rounds: 1,
      waitSeconds: 10,
    });
  });

  it('starts each round over from where the attempt started: past FARGATE_SPOT after a Spot interruption', () => {
    const job = spotJobSpec({ launchRetry: { attempts: 2 } });

    expect(nextLaunchStep(job, progress({ providerIndex: 1, firstProviderIndex: 1 }), noCapacity)).toEqual({
      kind: 'try',
      providerIndex: 1,
      rounds: 1,
      waitSeconds: 10,
    });
    expect(nextLaunchStep(job, progress({ providerIndex: 1, firstProviderIndex: 1, rounds: 1 }), noCapacity)).toEqual({
      kind: 'failed',
      permanent: false,
      reason: `no capacity after 2 rounds over FARGATE: ${FARGATE_NO_CAPACITY}`,
    });
  });

  it('doubles the wait each round and gives up after launchRetry.attempts rounds', () => {
    const { tries, end } = playWithoutCapacity(spotJobSpec());

    expect(tries).toEqual([
      { providerIndex: 0, waitSeconds: 0 },
      { providerIndex: 1, waitSeconds: 0 },
      { providerIndex: 0, waitSeconds: 10 },
      { providerIndex: 1, waitSeconds: 0 },
      { providerIndex: 0, waitSeconds: 20 },
      { providerIndex: 1, waitSeconds: 0 },
      { providerIndex: 0, waitSeconds: 40 },
      { providerIndex: 1, waitSeconds: 0 },
    ]);
    expect(end).toEqual({
      kind: 'failed',
      permanent: false,
      reason: `no capacity after 4 rounds over FARGATE_SPOT → FARGATE: ${FARGATE_NO_CAPACITY}`,
    });
  });

  it('caps the wait at maxBackoff', () => {
    const job = jobSpec({ launchType: 'EC2', launchRetry: { attempts: 5, backoff: '50s', maxBackoff: '1m' } });

    const { tries } = playWithoutCapacity(job);

    expect(tries.map((t) => t.waitSeconds)).toEqual([0, 50, 60, 60, 60]);
  });

  it('gives up after the first round when only one attempt is allowed, naming the launch type', () => {
    const job = jobSpec({ launchType: 'EC2', launchRetry: { attempts: 1 } });

    expect(nextLaunchStep(job, progress(), { kind: 'no-capacity', reason: 'RESOURCE:MEMORY' })).toEqual({
      kind: 'failed',
      permanent: false,
      reason: 'no capacity after 1 round over EC2: RESOURCE:MEMORY',
    });
  });

  it("names the cluster's default strategy and the shortfall when a partial start gives no reason", () => {
    const job = jobSpec({ launchRetry: { attempts: 1 } });

    const step = nextLaunchStep(job, progress(), { kind: 'started', taskArns: [taskArn('a1')], shortBy: 1 });

    expect(step).toEqual({
      kind: 'failed',
      permanent: false,
      reason: "no capacity after 1 round over the cluster's default capacity provider strategy: fewer tasks started than requested",
    });
  });

  it('throws a retryable outcome back to the caller so Scheduler retries', () => {
    expect(nextLaunchStep(spotJobSpec(), progress(), { kind: 'retryable', reason: 'ThrottlingException: Rate exceeded' })).toEqual({
      kind: 'throw-retryable',
      reason: 'ThrottlingException: Rate exceeded',
    });
  });

  it('fails a permanent outcome at once, without falling back', () => {
    expect(nextLaunchStep(spotJobSpec(), progress(), { kind: 'permanent', reason: 'ClientException: TaskDefinition not found.' })).toEqual({
      kind: 'failed',
      reason: 'ClientException: TaskDefinition not found.',
      permanent: true,
    });
  });
});

describe('backoffSeconds', () => {
  it('is backoff × 2^(round − 1), capped at maxBackoff', () => {
    const job = jobSpec({ launchRetry: { attempts: 7, backoff: '10s', maxBackoff: '2m' } });

    expect([1, 2, 3, 4, 5, 6].map((round) => backoffSeconds(job, round))).toEqual([10, 20, 40, 80, 120, 120]);
  });
});
