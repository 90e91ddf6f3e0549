/** Builds the RunTask request of one launch try from the job's spec. Pure. */
import type { ContainerOverride, RunTaskCommandInput, TaskOverride } from '@aws-sdk/client-ecs';
import type { JobSpec, LaunchSpec } from '../config/schema.ts';
import { startedByForJob, TAG } from './ownership.ts';
import { runIdOf, type TaskFacts, taskEnvironment, templateCommand } from './task-environment.ts';

export interface LaunchTry {
  scheduledTime: string;
  attempt: number;
  /** Index into the job's capacity providers (0 when it uses a launch type). */
  providerIndex: number;
  count: number;
  clientToken: string;
  /** Which of the run's tasks this one is (its task slot), and how many the run launches. */
  taskIndex: number;
  taskCount: number;
  /** The task definition's essential containers, which get the run's environment. */
  essentialContainers: string[];
}

export function runTaskRequest(job: JobSpec, launch: LaunchTry): RunTaskCommandInput {
  const facts: TaskFacts = {
    job: job.name,
    scheduledTime: launch.scheduledTime,
    attempt: launch.attempt,
    runId: runIdOf({ job: job.name, ...launch }),
    taskIndex: launch.taskIndex,
    taskCount: launch.taskCount,
  };
  const parameters = launchParameters(job, launch.providerIndex);
  return {
    ...parameters,
    overrides: withRunFacts(parameters.overrides, launch.essentialContainers, facts),
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

/**
 * The job's overrides with their commands' placeholders filled in, and the run's environment added to
 * each essential container's (after the job's own, which keeps its names: validate refuses ECS_AUTOPILOT_*).
 */
function withRunFacts(overrides: TaskOverride | undefined, essentialContainers: string[], facts: TaskFacts): TaskOverride | undefined {
  if (overrides === undefined && essentialContainers.length === 0) return undefined;
  const environment = taskEnvironment(facts);
  const containers: ContainerOverride[] = (overrides?.containerOverrides ?? []).map((container) => ({
    ...container,
    ...(container.command && { command: templateCommand(container.command, facts) }),
    ...(container.name !== undefined &&
      essentialContainers.includes(container.name) && { environment: [...(container.environment ?? []), ...environment] }),
  }));
  for (const name of essentialContainers) {
    if (!containers.some((container) => container.name === name)) containers.push({ name, environment });
  }
  return { ...overrides, containerOverrides: containers };
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
