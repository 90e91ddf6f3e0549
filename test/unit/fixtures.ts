/**
 * Builders for the unit tests. Job specs go through the real schema (validateAutomation), so a fixture
 * can never be a JobSpec that automation.yml could not produce.
 */

import { validateAutomation } from '../../shared/config/load.ts';
import type { AutomationInput, JobSpec } from '../../shared/config/schema.ts';
import type { ActiveTask, FiringFacts } from '../../shared/jobs/decide.ts';
import type { RunRecord } from '../../shared/jobs/run-record.ts';

export type JobInput = NonNullable<AutomationInput['jobs']>[string];
export type DefaultsInput = NonNullable<AutomationInput['defaults']>;

export const JOB_NAME = 'nightly-report';
export const SCHEDULED_TIME = '2026-11-22T02:00:00.000Z';
export const FARGATE_NETWORK = { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0e1f2a3b'] };

const BASE_JOB: JobInput = {
  schedule: 'cron(0 2 * * ? *)',
  taskDefinition: 'nightly-report:7',
  cluster: 'batch',
};

/**
 * A valid job named `nightly-report`: the base job with `job` laid over it, resolved with `defaults`.
 * A key set to undefined is left out, as it would be in automation.yml (`{ cluster: undefined }` takes
 * the cluster from defaults).
 */
export function jobSpec(job: Partial<JobInput> = {}, defaults: DefaultsInput = {}): JobSpec {
  const written = Object.fromEntries(Object.entries({ ...BASE_JOB, ...job }).filter(([, value]) => value !== undefined));
  const automation = validateAutomation({ defaults, jobs: { [JOB_NAME]: written } });
  const spec = automation.jobs[JOB_NAME];
  if (!spec) throw new Error(`fixture: ${JOB_NAME} missing from the resolved automation`);
  return spec;
}

/** A job on FARGATE_SPOT falling back to FARGATE, as most cost-conscious batch jobs are set up. */
export function spotJobSpec(job: Partial<JobInput> = {}): JobSpec {
  return jobSpec({ capacityProviders: ['FARGATE_SPOT', 'FARGATE'], network: FARGATE_NETWORK, ...job });
}

export function runRecord(fields: Partial<RunRecord> = {}): RunRecord {
  return {
    job: JOB_NAME,
    scheduledTime: SCHEDULED_TIME,
    attempt: 1,
    status: 'launching',
    cluster: 'batch',
    taskDefinition: 'nightly-report:7',
    taskArns: [],
    receivedAt: '2026-11-22T02:00:01.000Z',
    updatedAt: '2026-11-22T02:00:01.000Z',
    outbox: [],
    eventPublished: false,
    version: 1,
    ...fields,
  };
}

export function taskArn(id: string): string {
  return `arn:aws:ecs:eu-central-1:123456789012:task/batch/${id}`;
}

export function activeTask(id: string, scheduledTime: string | undefined = SCHEDULED_TIME, attempt: number | undefined = 1): ActiveTask {
  return { taskArn: taskArn(id), lastStatus: 'RUNNING', scheduledTime, attempt, capacityProvider: 'FARGATE' };
}

export function firingFacts(fields: Partial<FiringFacts> = {}): FiringFacts {
  return {
    firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 1 },
    job: jobSpec(),
    now: new Date('2026-11-22T02:00:05.000Z'),
    leaseSeconds: 120,
    existing: undefined,
    activeTasks: [],
    ...fields,
  };
}
