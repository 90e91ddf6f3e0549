/**
 * `explain`: why a stopped task stopped and what the current config would do about it, decided by the
 * Lambda's own code — the same parser, the same summary (summarize: essential flags from the task
 * definition, classification, advice, links) and the same pure decisions, taken as if this were the
 * first stop ecs-autopilot saw of that task (no history: the first attempt of a job run, the first crash
 * of a watched task, the first counted stop of a service). Nothing is written anywhere.
 *
 * The task comes from a file (an event, its detail, describe-tasks output: explain-input.ts) or live
 * from DescribeTasks. The task definition, which says which containers are essential, is read as the
 * Lambda reads it (DescribeTaskDefinition) when AWS is at hand, comes from a file, or is not known.
 */
import { readFileSync } from 'node:fs';
import { type ContainerDefinition, DescribeTasksCommand, type DescribeTasksCommandOutput, ECSClient } from '@aws-sdk/client-ecs';
import { clientConfig } from '../shared/aws/clients.ts';
import { formatDuration } from '../shared/config/duration.ts';
import type { Automation } from '../shared/config/schema.ts';
import { alertGroupKey } from '../shared/events/alert.ts';
import type { LogLink, StoppedTaskSummary } from '../shared/events/stopped-task-events.ts';
import type { RunRecord } from '../shared/jobs/run-record.ts';
import type { Log } from '../shared/logger.ts';
import { decideJobStop } from '../shared/stopped-tasks/decide-job-stop.ts';
import { decideRestart } from '../shared/stopped-tasks/decide-restart.ts';
import { decideServiceStop, isCounted, isInfrastructureStop } from '../shared/stopped-tasks/decide-service-stop.ts';
import { essentialContainersOf } from '../shared/stopped-tasks/links.ts';
import { summarize } from '../shared/stopped-tasks/load.ts';
import { subjectOfStop } from '../shared/stopped-tasks/route.ts';
import type { TaskStopFacts } from '../shared/stopped-tasks/stop-facts.ts';
import { containerDefinitionsReader } from '../shared/stopped-tasks/task-definitions.ts';
import { parseTaskStateChange } from '../shared/stopped-tasks/task-event.ts';
import { isStoppedOrReclaimNotice, RECLAIM_NOTICE_STOP_CODES } from '../shared/stopped-tasks/trigger.ts';
import {
  type DescribeFailure,
  describeFailure,
  pickTask,
  type StopInput,
  stopInputOf,
  taskDefinitionFileOf,
  taskStateChangeOf,
} from './explain-input.ts';
import { EXIT, type Io, UsageError } from './output.ts';

export interface Explanation {
  category: string;
  subKind: string | undefined;
  because: string;
  facts: {
    cluster: string;
    task: string;
    taskDefinition: string;
    lastStatus: string;
    stopCode: string | undefined;
    stoppedReason: string | undefined;
    startedBy: string | undefined;
    group: string | undefined;
    containers: { name: string; exitCode: number | null; reason: string | undefined }[];
  };
  /** Which containers decide (their exit codes, their memory): the task definition's essential ones. */
  essentialContainers: {
    /** null: not known, every container counts (the Lambda does the same when it cannot read the task definition). */
    names: string[] | null;
    /** Where they were read, or why they are not known and what was assumed. */
    source: string;
  };
  subject: { kind: string; name: string | undefined; note: string | undefined };
  actions: string[];
  likelyCause: string;
  nextSteps: string[];
  consoleUrl: string;
  logs: LogLink[];
}

/** Where the task definition's container definitions come from, and how to say so. */
export interface TaskDefinitions {
  read: (taskDefinitionArn: string) => Promise<ContainerDefinition[] | undefined>;
  /** Said when they were read: "read with DescribeTaskDefinition", "from --task-definition-file td.json". */
  source: string;
  /** Said when they are not known: why (offline, or the AWS error). */
  unknown: (taskDefinitionArn: string) => string;
}

const ASSUMED = "every container's exit code counts, as if all were essential, so a sidecar's exit may be taken for the cause";

/** No AWS and no file: the essential flags are not known. */
export const OFFLINE: TaskDefinitions = {
  read: async () => undefined,
  source: 'not read',
  unknown: () =>
    `not known, the task definition was not read (give --task-definition-file FILE, from aws ecs describe-task-definition, or --region/--profile to read it from AWS): ${ASSUMED}`,
};

export async function explainStop(
  event: unknown,
  automation: Automation,
  taskDefinitions: TaskDefinitions,
  now: Date,
): Promise<Explanation> {
  const facts = parseTaskStateChange(event);
  const stop = await summarize(facts, { containerDefinitions: taskDefinitions.read });
  // Read again, as the Lambda does for a job's run: the readers keep what they read.
  const definitions = await taskDefinitions.read(facts.taskDefinitionArn);
  const essentialContainers = definitions ? essentialContainersOf(definitions) : undefined;
  const { classification, advice } = stop;
  const subject = subjectOfStop(facts, automation);
  const subjectName =
    subject.kind === 'job'
      ? subject.job.name
      : subject.kind === 'watched-task'
        ? subject.spec.name
        : subject.kind === 'service'
          ? subject.watch.service
          : undefined;
  return {
    category: classification.category,
    subKind: classification.subKind,
    because: classification.because,
    facts: {
      cluster: facts.clusterName,
      task: facts.taskId,
      taskDefinition: `${facts.family}:${facts.revision}`,
      lastStatus: facts.lastStatus,
      stopCode: facts.stopCode,
      stoppedReason: facts.stoppedReason,
      startedBy: facts.startedBy,
      group: facts.group,
      containers: facts.containers.map((c) => ({ name: c.name, exitCode: c.exitCode ?? null, reason: c.reason })),
    },
    essentialContainers: essentialContainers
      ? { names: essentialContainers, source: taskDefinitions.source }
      : { names: null, source: taskDefinitions.unknown(facts.taskDefinitionArn) },
    subject: { kind: subject.kind, name: subjectName, note: subject.kind === 'none' ? subject.reason : undefined },
    actions: actionsFor(subject, stop, essentialContainers, now),
    likelyCause: advice.likelyCause,
    nextSteps: advice.nextSteps,
    consoleUrl: stop.consoleUrl,
    logs: stop.logs,
  };
}

function actionsFor(
  subject: ReturnType<typeof subjectOfStop>,
  stop: StoppedTaskSummary,
  essentialContainers: string[] | undefined,
  now: Date,
): string[] {
  if (!isStoppedOrReclaimNotice(stop)) {
    // The classifier reads the Spot reason alone; the rule and the handler want the stop code too. Say which.
    if (stop.lastStatus === 'RUNNING' && stop.desiredStatus === 'STOPPED' && stop.classification.category === 'spot-interruption') {
      return [
        `nothing yet: the rule delivers a Spot notice only with its stop code (${RECLAIM_NOTICE_STOP_CODES.join(' or ')}); the STOPPED event that follows is acted on`,
      ];
    }
    return [`nothing: lastStatus ${stop.lastStatus} is neither a stop nor a Spot notice (the rule only delivers those)`];
  }
  switch (subject.kind) {
    case 'none':
      return [`nothing: ${subject.reason}`];
    case 'job': {
      if (stop.isSpotNotice) return ['nothing yet: a job run is settled when its task stops'];
      const run = hypotheticalRun(subject.job.name, subject.job.cluster, stop);
      const decision = decideJobStop({ run, job: subject.job, stop, essentialContainers, now });
      if (decision.kind !== 'settle') return [`record the stop of ${stop.taskId}`];
      const settled = decision.run;
      const actions = [`record run of ${subject.job.name} as ${settled.status}${settled.category ? ` (${settled.category})` : ''}`];
      const retry = settled.retry;
      if (retry?.willRetry) {
        actions.push(
          `if this was attempt 1: launch attempt ${retry.nextAttempt} of ${subject.job.retry.attempts} in ${formatDuration((Date.parse(retry.retryAt) - now.getTime()) / 1000)} (${retry.because})`,
        );
        actions.push(`alert only when the last attempt (${subject.job.retry.attempts}) fails`);
      } else if (retry) {
        actions.push(`no retry: ${retry.because}`);
        actions.push(
          `alert: job ${subject.job.name} failed (group ${alertGroupKey({ cluster: stop.clusterName, subject: { kind: 'job', name: subject.job.name }, category: settled.category ?? 'unknown', severity: 'critical' })})`,
        );
      }
      actions.push(`publish Job Run ${settled.status === 'succeeded' ? 'Succeeded' : 'Failed'}`);
      return actions;
    }
    case 'watched-task': {
      const decision = decideRestart({
        spec: subject.spec,
        facts: stop,
        classification: stop.classification,
        state: undefined,
        now,
      });
      const budget = subject.spec.crashLoopBudget;
      const actions: string[] = [];
      switch (decision.kind) {
        case 'restart-later':
          actions.push(
            `restart ${subject.spec.name} in ${formatDuration(decision.delaySeconds)} (first crash; the wait doubles with each crash up to ${formatDuration(subject.spec.backoff.maxSeconds)})`,
          );
          actions.push(`after ${budget.restarts} restarts within ${formatDuration(budget.windowSeconds)}: pause restarts and alert once`);
          break;
        case 'restart-now':
          actions.push(`restart ${subject.spec.name} now: ${decision.reason}`);
          break;
        default:
          actions.push(`no restart: ${decision.reason}`);
      }
      if (stop.classification.category === 'failed-to-start')
        actions.push('alert now: a task that cannot start will not heal by restarting');
      actions.push('publish Watched Task Stopped');
      return actions;
    }
    case 'service': {
      if (stop.isSpotNotice) return ['nothing: ECS replaces a service task when it stops'];
      const counted = isCounted(subject.watch, stop.classification.category);
      const decision = decideServiceStop(
        subject.watch,
        stop,
        counted ? { total: 1, byCategory: { [stop.classification.category]: 1 } } : undefined,
      );
      const { stops, windowSeconds, infrastructure } = subject.watch.crashLoop;
      const actions = !counted
        ? [`ignore: ${stop.classification.category} is in services.${subject.watch.key}.ignore`]
        : isInfrastructureStop(subject.watch, stop.classification.category)
          ? [
              `count toward "the cluster is losing hosts", not the crash loop: alert at ${infrastructure.stops} ${infrastructure.categories.join(' or ')} stops within ${formatDuration(windowSeconds)}`,
            ]
          : [`count toward the crash loop: alert at ${stops} stops within ${formatDuration(windowSeconds)}, with the dominant category`];
      if (decision.stopped.alert) actions.push('alert now: a task that cannot start will not heal by itself');
      actions.push('publish Service Task Stopped');
      return actions;
    }
  }
}

/** The run this task would belong to, launched and waiting for its one task: the first attempt. */
function hypotheticalRun(job: string, cluster: string, facts: TaskStopFacts): RunRecord {
  const time = facts.createdAt ?? facts.eventTime;
  return {
    job,
    scheduledTime: time,
    attempt: 1,
    status: 'launched',
    cluster,
    taskDefinition: `${facts.family}:${facts.revision}`,
    taskArns: [facts.taskArn],
    receivedAt: time,
    updatedAt: time,
    launchedAt: facts.startedAt ?? time,
    outbox: [],
    eventPublished: true,
    version: 1,
  };
}

export function explanationLines(explanation: Explanation): string[] {
  const { facts } = explanation;
  const lines = [
    `category:   ${explanation.category}${explanation.subKind ? ` (${explanation.subKind})` : ''}`,
    `because:    ${explanation.because}`,
    `task:       ${facts.task} in ${facts.cluster}, ${facts.taskDefinition}, ${facts.lastStatus}`,
    `stop code:  ${facts.stopCode ?? '-'}`,
    `reason:     ${facts.stoppedReason ?? '-'}`,
    `started by: ${facts.startedBy ?? '-'} (group ${facts.group ?? '-'})`,
    'containers:',
    ...facts.containers.map((c) => `  ${c.name}: exit ${c.exitCode ?? '-'}${c.reason ? ` — ${c.reason}` : ''}`),
    `essential:  ${explanation.essentialContainers.names ? `${explanation.essentialContainers.names.join(', ') || '(none)'} (${explanation.essentialContainers.source})` : explanation.essentialContainers.source}`,
    `belongs to: ${explanation.subject.kind}${explanation.subject.name ? ` ${explanation.subject.name}` : ''}${explanation.subject.note ? ` (${explanation.subject.note})` : ''}`,
    'actions:',
    ...explanation.actions.map((a) => `  - ${a}`),
    `likely cause: ${explanation.likelyCause}`,
    'next steps:',
    ...explanation.nextSteps.map((s) => `  - ${s}`),
    `console:    ${explanation.consoleUrl}`,
    ...explanation.logs.map((link) => `logs:       ${link.container}: ${link.url}`),
  ];
  return lines;
}

/** The task definitions read as the Lambda reads them (containerDefinitionsReader), with why one could not be. */
export function taskDefinitionsFromAws(ecsFor: (taskDefinitionArn: string) => ECSClient): TaskDefinitions {
  const problems = new Map<string, string>();
  // The reader logs a failed read and goes on without it, as the Lambda must; explain says why instead.
  const log: Log = {
    info: () => {},
    debug: () => {},
    error: () => {},
    warn: (...args: unknown[]) => {
      const { taskDefinitionArn, error } = (args[1] ?? {}) as { taskDefinitionArn?: string; error?: Error };
      if (taskDefinitionArn) problems.set(taskDefinitionArn, error ? `${error.name}: ${error.message}` : 'no answer');
    },
  };
  let reader: ReturnType<typeof containerDefinitionsReader> | undefined;
  return {
    read: (taskDefinitionArn) => {
      reader ??= containerDefinitionsReader(ecsFor(taskDefinitionArn), log);
      return reader(taskDefinitionArn);
    },
    source: 'read with DescribeTaskDefinition, as the Lambda reads them',
    unknown: (taskDefinitionArn) =>
      `not known: DescribeTaskDefinition of ${taskDefinitionArn} failed (${problems.get(taskDefinitionArn) ?? 'no answer'}), and the Lambda too goes on without it: ${ASSUMED}`,
  };
}

/** `--task-definition-file`: the output of aws ecs describe-task-definition, for the revision the task ran. */
export function taskDefinitionsFromFile(file: string, json: unknown): TaskDefinitions {
  const definition = taskDefinitionFileOf(json);
  return {
    read: async (taskDefinitionArn) => {
      if (definition.taskDefinitionArn !== undefined && definition.taskDefinitionArn !== taskDefinitionArn) {
        throw new UsageError(
          `--task-definition-file ${file} is ${definition.taskDefinitionArn}, but the task ran ${taskDefinitionArn}: give that revision (aws ecs describe-task-definition --task-definition ${taskDefinitionArn})`,
        );
      }
      return definition.containerDefinitions;
    },
    source: `from --task-definition-file ${file}`,
    unknown: () => `not known: ${ASSUMED}`,
  };
}

export interface ExplainOptions {
  /** A JSON file, or "-" for standard input. */
  event: string | undefined;
  /** With `event`: which task of a describe-tasks output. Without: the task to read live (ARN or id). */
  task: string | undefined;
  cluster: string | undefined;
  taskDefinitionFile: string | undefined;
  automation: Automation;
  /** Any of these reads the task definition from AWS for a file too; `profile` is already in AWS_PROFILE. */
  region: string | undefined;
  profile: string | undefined;
  endpoint: string | undefined;
  json: boolean;
}

export async function explainCommand(options: ExplainOptions, io: Io, now = new Date()): Promise<number> {
  const { event: file, task, cluster } = options;
  if (file !== undefined && cluster !== undefined) {
    throw new UsageError(
      '--cluster goes with --task alone, for a live read; with --event, --task picks one task of a describe-tasks output',
    );
  }
  let ecs: ECSClient | undefined;
  // The task's own region unless --region says otherwise: its task definition lives there too.
  const ecsIn = (arn: string) => {
    ecs ??= new ECSClient(clientConfig({ region: options.region ?? regionOfArn(arn), endpoint: options.endpoint }));
    return ecs;
  };

  let input: StopInput;
  if (file !== undefined) {
    input = stopInputOf(readJson(file, 'the stopped task'));
  } else if (task !== undefined) {
    const liveCluster = cluster ?? clusterOfTaskArn(task);
    if (liveCluster === undefined) {
      throw new UsageError(`explain --task ${task} needs --cluster NAME (only a task ARN of the form …:task/<cluster>/<id> names it)`);
    }
    input = { shape: 'detail', events: [await describeTaskLive(ecsIn(task), liveCluster, task)], failures: [] };
  } else {
    throw new UsageError(
      'explain needs the stopped task: --event FILE (the event, its detail or describe-tasks output; - reads standard input) or --task ARN --cluster NAME (read live)',
    );
  }
  const everyTask = input.shape === 'describe-tasks' && task === undefined;
  const events = file !== undefined && task !== undefined ? [pickTask(input, task)] : input.events;

  const readsAws = file === undefined || options.region !== undefined || options.profile !== undefined || options.endpoint !== undefined;
  const taskDefinitions = options.taskDefinitionFile
    ? taskDefinitionsFromFile(options.taskDefinitionFile, readJson(options.taskDefinitionFile, 'the task definition'))
    : readsAws
      ? taskDefinitionsFromAws(ecsIn)
      : OFFLINE;
  const explanations: Explanation[] = [];
  for (const event of events) explanations.push(await explainStop(event, options.automation, taskDefinitions, now));

  if (options.json) io.out(JSON.stringify(everyTask ? explanations : explanations[0], null, 2));
  else
    explanations.forEach((explanation, index) => {
      if (index > 0) io.out('');
      for (const line of explanationLines(explanation)) io.out(line);
    });
  const unexplained: DescribeFailure[] = everyTask ? input.failures : [];
  for (const failure of unexplained) io.err(`not explained, ECS did not describe it: ${describeFailure(failure)}`);
  return unexplained.length > 0 ? EXIT.failed : EXIT.ok;
}

/**
 * DescribeTasks for one task, with ECS's "not known" and its own errors said in the operator's words (a
 * missing region or credentials are main's to say, as for every command).
 */
async function describeTaskLive(ecs: ECSClient, cluster: string, task: string): Promise<unknown> {
  const region = async () => (await ecs.config.region().catch(() => undefined)) ?? 'the default region';
  let answer: DescribeTasksCommandOutput;
  try {
    answer = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [task] }));
  } catch (error) {
    const { name, message } = error as Error;
    if (name === 'ClusterNotFoundException') {
      throw new Error(`cluster ${cluster} does not exist in ${await region()} (${name}): check --cluster, and --region or AWS_REGION`);
    }
    if (name === 'AccessDeniedException') {
      throw new Error(`not allowed to call ecs:DescribeTasks on cluster ${cluster} in ${await region()}: ${message}`);
    }
    if (name === 'InvalidParameterException') throw new UsageError(`ECS refused --task ${task}: ${message}`);
    throw error;
  }
  const [found] = answer.tasks ?? [];
  if (found) return taskStateChangeOf(found);
  const said = answer.failures?.[0];
  const reason = said ? ` (${[said.reason, said.detail].filter(Boolean).join(': ')})` : '';
  throw new Error(
    `ECS does not know task ${task} in cluster ${cluster} in ${await region()}${reason}: ECS forgets a stopped task about an hour after it stops ` +
      '(or the task is in another cluster or region). Explain its saved event instead (--event FILE), or see the run history (ecs-autopilot runs <job>)',
  );
}

function readJson(file: string, what: string): unknown {
  try {
    // File descriptor 0: standard input, for `--event -`.
    return JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file === '-' ? 'from standard input' : file}: ${(error as Error).message}`);
  }
}

/** arn:aws:ecs:<region>:<account>:…: the region, if it is an ARN. */
function regionOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:ecs:([^:]+):/.exec(arn)?.[1];
}

/** The cluster a task ARN names (arn:…:task/<cluster>/<id>); the old format (task/<id>) names none. */
function clusterOfTaskArn(arn: string): string | undefined {
  return /^arn:[^:]+:ecs:[^:]+:[^:]+:task\/([^/]+)\/[^/]+$/.exec(arn)?.[1];
}
