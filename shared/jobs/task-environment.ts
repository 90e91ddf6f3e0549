/**
 * What a task of a job run knows about the firing it serves: environment variables set on the task
 * definition's essential containers, and the same values in the job's container commands where they say
 * `{{scheduledTime}}` and the like. Like AWS_BATCH_JOB_ARRAY_INDEX and Kubernetes' JOB_COMPLETION_INDEX,
 * a task of a job whose count is above 1 learns its index and the count, to take its share of the work.
 * Pure: the same run and task slot give the same values, so a RunTask made again keeps its parameters
 * (ECS refuses a client token reused with others).
 */
import type { KeyValuePair } from '@aws-sdk/client-ecs';

/** The values a task gets, by placeholder name. */
export interface TaskFacts {
  job: string;
  /** The time Scheduler meant to fire, ISO 8601 UTC. */
  scheduledTime: string;
  attempt: number;
  runId: string;
  /** Which of the run's tasks this is, from 0. */
  taskIndex: number;
  /** How many tasks the run launches (the job's count). */
  taskCount: number;
}

export type TaskFact = keyof TaskFacts;

/** The environment variable of each fact. */
export const TASK_ENVIRONMENT: Record<TaskFact, string> = {
  scheduledTime: 'ECS_AUTOPILOT_SCHEDULED_TIME',
  attempt: 'ECS_AUTOPILOT_ATTEMPT',
  runId: 'ECS_AUTOPILOT_RUN_ID',
  job: 'ECS_AUTOPILOT_JOB',
  taskIndex: 'ECS_AUTOPILOT_TASK_INDEX',
  taskCount: 'ECS_AUTOPILOT_TASK_COUNT',
};

/** The names a job's own environment may not take: they are the run's. */
export const RESERVED_ENVIRONMENT_PREFIX = 'ECS_AUTOPILOT_';

export const COMMAND_PLACEHOLDERS = Object.keys(TASK_ENVIRONMENT) as TaskFact[];

/** `{{ name }}`, spaces allowed inside the braces. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The run's identity as the state table keys it: job, scheduled time, attempt. */
export function runIdOf(run: { job: string; scheduledTime: string; attempt: number }): string {
  return `${run.job}:${run.scheduledTime}:${run.attempt}`;
}

/** The variables a task gets: the index and the count only when the run launches more than one task. */
export function taskEnvironment(facts: TaskFacts): KeyValuePair[] {
  const shown: TaskFact[] =
    facts.taskCount > 1 ? COMMAND_PLACEHOLDERS : COMMAND_PLACEHOLDERS.filter((f) => f !== 'taskIndex' && f !== 'taskCount');
  return shown.map((fact) => ({ name: TASK_ENVIRONMENT[fact], value: String(facts[fact]) }));
}

/** The command with every placeholder replaced by its value (validate refuses unknown ones). */
export function templateCommand(command: string[], facts: TaskFacts): string[] {
  return command.map((arg) =>
    arg.replace(PLACEHOLDER, (whole, name: string) => (name in TASK_ENVIRONMENT ? String(facts[name as TaskFact]) : whole)),
  );
}

/** The placeholders of a command that name no fact, for validate. */
export function unknownPlaceholders(command: string[]): string[] {
  return command.flatMap((arg) => [...arg.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((name) => !(name in TASK_ENVIRONMENT)));
}
