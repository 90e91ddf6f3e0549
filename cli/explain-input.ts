/**
 * What an operator has of a stopped task, turned into the one shape the Lambda parses: an "ECS Task State
 * Change" event, so `explain` reads it with the Lambda's own parser (parseTaskStateChange). Pure.
 *
 * The event's detail is the task as DescribeTasks shows it, with these differences, bridged here:
 * - times: the event has ISO strings; DescribeTasks' JSON has epoch seconds (`1763776848.882`), which
 *   `aws` CLI v1 prints as they are and v2 as `2026-11-22T02:41:48.882000+00:00`; the SDK gives Dates.
 * - `updatedAt` is only in the event; `version` is in both from AWS, but not from every emulator.
 * - stopCode, stoppedReason, containers[].exitCode/reason, group and startedBy have the same names.
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { BadEventError } from '../shared/errors.ts';

export const ACCEPTED_SHAPES = [
  'the EventBridge event: {"source": "aws.ecs", "detail-type": "ECS Task State Change", "detail": {…}}',
  'its detail, one task: {"taskArn": …, "clusterArn": …, "taskDefinitionArn": …, "containers": […], …}',
  'the output of aws ecs describe-tasks: {"tasks": […], "failures": […]}, or its list of tasks: […]',
];

/** A task ECS did not describe: `reason` MISSING means it does not know (or no longer knows) the task. */
export interface DescribeFailure {
  arn: string;
  reason: string;
  detail: string | undefined;
}

export interface StopInput {
  shape: 'event' | 'detail' | 'describe-tasks';
  /** One "ECS Task State Change" event per task. */
  events: unknown[];
  failures: DescribeFailure[];
}

export function stopInputOf(json: unknown): StopInput {
  if (Array.isArray(json)) return describedTasks(json, []);
  if (!isObject(json)) throw unrecognised(json);
  if ('detail-type' in json || 'source' in json || 'detail' in json) return { shape: 'event', events: [json], failures: [] };
  if (Array.isArray(json.tasks)) return describedTasks(json.tasks, Array.isArray(json.failures) ? json.failures : []);
  if ('taskArn' in json) return { shape: 'detail', events: [taskStateChangeOf(json)], failures: [] };
  if ('taskDefinition' in json || 'containerDefinitions' in json) {
    throw new BadEventError(
      'this is a task definition (aws ecs describe-task-definition), not a task: give it with --task-definition-file, and the task with --event or --task',
    );
  }
  throw unrecognised(json);
}

function describedTasks(tasks: unknown[], failures: unknown[]): StopInput {
  if (tasks.length === 0 && failures.length === 0) throw new BadEventError('the describe-tasks output lists no task and no failure');
  return { shape: 'describe-tasks', events: tasks.map(taskStateChangeOf), failures: failures.filter(isObject).map(failureOf) };
}

/** A task (a detail, DescribeTasks' JSON or the SDK's Task) as the event EventBridge would deliver for it. */
export function taskStateChangeOf(task: unknown): unknown {
  if (!isObject(task)) return { source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail: task };
  const detail: Record<string, unknown> = { ...task };
  for (const field of ['createdAt', 'startedAt', 'stoppingAt', 'stoppedAt', 'updatedAt']) {
    if (detail[field] !== undefined) detail[field] = isoTime(detail[field]);
  }
  // Only the Lambda's de-duplication of redelivered events reads the version; explaining does not.
  if (typeof detail.version !== 'number') detail.version = 0;
  return { source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail };
}

/**
 * The one task `--task` names (its ARN or id) among those read. Not there: whether ECS said why
 * (a describe-tasks failure), or which tasks there are.
 */
export function pickTask(input: StopInput, wanted: string): unknown {
  const named = (arn: unknown) => typeof arn === 'string' && (arn === wanted || arn.endsWith(`/${wanted}`));
  const event = input.events.find((e) => isObject(e) && isObject(e.detail) && named(e.detail.taskArn));
  if (event) return event;
  const failure = input.failures.find((f) => named(f.arn));
  if (failure) throw new BadEventError(`ECS did not describe task ${wanted}: ${describeFailure(failure)}`);
  const ids = input.events.flatMap((e) =>
    isObject(e) && isObject(e.detail) && typeof e.detail.taskArn === 'string' ? [e.detail.taskArn] : [],
  );
  throw new BadEventError(`no task ${wanted} in the input; it has ${ids.length ? ids.join(', ') : 'no task'}`);
}

export function describeFailure(failure: DescribeFailure): string {
  const why =
    failure.reason === 'MISSING'
      ? ' (ECS does not know it: it forgets a stopped task about an hour after it stops)'
      : failure.detail
        ? ` (${failure.detail})`
        : '';
  return `${failure.arn}: ${failure.reason}${why}`;
}

export interface TaskDefinitionFile {
  /** Absent in a hand-made file. */
  taskDefinitionArn: string | undefined;
  /** As ECS gives them: the essential flags, and the log configuration for the log links. */
  containerDefinitions: ContainerDefinition[];
}

/** `aws ecs describe-task-definition` output, or its `taskDefinition` alone. */
export function taskDefinitionFileOf(json: unknown): TaskDefinitionFile {
  const definition = isObject(json) && isObject(json.taskDefinition) ? json.taskDefinition : json;
  const containers = isObject(definition) ? definition.containerDefinitions : undefined;
  if (!isObject(definition) || !Array.isArray(containers) || !containers.every((c) => isObject(c) && typeof c.name === 'string')) {
    throw new BadEventError(
      'not a task definition: expected the output of aws ecs describe-task-definition, {"taskDefinition": {"containerDefinitions": [{"name": …, "essential": …}, …]}}',
    );
  }
  return {
    taskDefinitionArn: typeof definition.taskDefinitionArn === 'string' ? definition.taskDefinitionArn : undefined,
    containerDefinitions: containers as TaskDefinitionFile['containerDefinitions'],
  };
}

/** Epoch seconds, a Date or any date text, as the event's ISO text; anything else is left for the parser to ignore. */
function isoTime(value: unknown): unknown {
  const millis =
    typeof value === 'number'
      ? value * 1000
      : value instanceof Date
        ? value.getTime()
        : typeof value === 'string'
          ? Date.parse(value)
          : Number.NaN;
  return Number.isFinite(millis) ? new Date(millis).toISOString() : value;
}

function failureOf(failure: Record<string, unknown>): DescribeFailure {
  return {
    arn: typeof failure.arn === 'string' ? failure.arn : '(no ARN)',
    reason: typeof failure.reason === 'string' ? failure.reason : 'no reason given',
    detail: typeof failure.detail === 'string' ? failure.detail : undefined,
  };
}

function unrecognised(json: unknown): BadEventError {
  const seen = isObject(json) ? `an object with ${Object.keys(json).slice(0, 8).join(', ') || 'no keys'}` : JSON.stringify(json);
  return new BadEventError(`not a stopped task: got ${seen}; explain reads\n${ACCEPTED_SHAPES.map((shape) => `  - ${shape}`).join('\n')}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
