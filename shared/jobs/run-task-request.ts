/** Builds the RunTask request of one launch try from the job's spec. Pure. */
import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import type { JobSpec, LaunchSpec } from '../config/schema.ts';
import { startedByForJob, TAG } from './ownership.ts';

export interface LaunchTry {
  scheduledTime: string;
  attempt: number;
  /** Index into the job's capacity providers (0 when it uses a launch type). */
  providerIndex: number;
  count: number;
  clientToken: string;
}

export function runTaskRequest(job: JobSpec, launch: LaunchTry): RunTaskCommandInput {
  return {
    ...launchParameters(job, launch.providerIndex),
    count: launch.count,
    startedBy: startedByForJob(job.name),
    clientToken: launch.clientToken,
    tags: [
      ...Object.entries(job.tags).map(([key, value]) => ({ key, value })),
      { key: TAG.job, value: job.name },
      { key: TAG.scheduledTime, value: launch.scheduledTime },
      { key: TAG.attempt, value: String(launch.attempt) },
    ],
  };
}

/** What every launch from a spec carries: where, on what capacity, with which network and overrides. */
export function launchParameters(job: LaunchSpec, providerIndex: number): RunTaskCommandInput {
  const request: RunTaskCommandInput = {
    cluster: job.cluster,
    taskDefinition: job.taskDefinition,
    propagateTags: 'TASK_DEFINITION',
    enableECSManagedTags: true,
  };
  if ('launchType' in job.launch) request.launchType = job.launch.launchType;
  if ('capacityProviders' in job.launch) {
    const provider = job.launch.capacityProviders[providerIndex];
    if (provider === undefined) throw new RangeError(`${job.taskDefinition} has no capacity provider #${providerIndex}`);
    request.capacityProviderStrategy = [{ capacityProvider: provider, weight: 1 }];
  }
  if (job.platformVersion) request.platformVersion = job.platformVersion;
  if (job.network) {
    request.networkConfiguration = {
      awsvpcConfiguration: {
        subnets: job.network.subnets,
        securityGroups: job.network.securityGroups,
        assignPublicIp: job.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    };
  }
  const overrides = job.overrides;
  if (overrides) {
    request.overrides = {
      ...(overrides.cpu !== undefined && { cpu: String(overrides.cpu) }),
      ...(overrides.memory !== undefined && { memory: String(overrides.memory) }),
      containerOverrides: Object.entries(overrides.containers ?? {}).map(([name, container]) => ({
        name,
        ...(container.command && { command: container.command }),
        ...(container.environment && {
          environment: Object.entries(container.environment).map(([envName, value]) => ({ name: envName, value })),
        }),
      })),
    };
  }
  return request;
}

/** The capacity provider or launch type a try uses, in words for records and messages. */
export function capacityOfTry(job: LaunchSpec, providerIndex: number): string {
  if ('launchType' in job.launch) return job.launch.launchType;
  if ('capacityProviders' in job.launch) return job.launch.capacityProviders[providerIndex] ?? 'unknown';
  return 'cluster default';
}
