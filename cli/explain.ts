/**
 * `explain --event FILE`: what ecs-autopilot reads in a stopped task's event and what the current config
 * would do about it — without touching AWS. The same pure functions the function runs: classify, route,
 * and decide as if this were the first stop ecs-autopilot saw of that task (no history: the first
 * attempt of a job run, the first crash of a watched task, the first counted stop of a service).
 */
import { formatDuration } from '../shared/config/duration.ts';
import type { Automation } from '../shared/config/schema.ts';
import { alertGroupKey } from '../shared/events/alert.ts';
import type { StoppedTaskSummary } from '../shared/events/stopped-task-events.ts';
import type { RunRecord } from '../shared/jobs/run-record.ts';
import { adviceFor } from '../shared/stopped-tasks/advice.ts';
import { classifyStop } from '../shared/stopped-tasks/classify.ts';
import { decideJobStop } from '../shared/stopped-tasks/decide-job-stop.ts';
import { decideRestart } from '../shared/stopped-tasks/decide-restart.ts';
import { decideServiceStop, isCounted } from '../shared/stopped-tasks/decide-service-stop.ts';
import { consoleTaskUrl } from '../shared/stopped-tasks/links.ts';
import { subjectOfStop } from '../shared/stopped-tasks/route.ts';
import type { TaskStopFacts } from '../shared/stopped-tasks/stop-facts.ts';
import { parseTaskStateChange } from '../shared/stopped-tasks/task-event.ts';

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
  subject: { kind: string; name: string | undefined; note: string | undefined };
  actions: string[];
  likelyCause: string;
  nextSteps: string[];
  consoleUrl: string;
}

export function explainEvent(event: unknown, automation: Automation, now: Date): Explanation {
  const facts = parseTaskStateChange(event);
  const classification = classifyStop(facts);
  const advice = adviceFor(classification, facts);
  const stop: StoppedTaskSummary = { ...facts, classification, advice, consoleUrl: consoleTaskUrl(facts), logs: [] };
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
    subject: { kind: subject.kind, name: subjectName, note: subject.kind === 'none' ? subject.reason : undefined },
    actions: actionsFor(subject, stop, facts, now),
    likelyCause: advice.likelyCause,
    nextSteps: advice.nextSteps,
    consoleUrl: stop.consoleUrl,
  };
}

function actionsFor(subject: ReturnType<typeof subjectOfStop>, stop: StoppedTaskSummary, facts: TaskStopFacts, now: Date): string[] {
  if (facts.lastStatus !== 'STOPPED' && !facts.isSpotNotice) {
    return [`nothing: lastStatus ${facts.lastStatus} is neither a stop nor a Spot notice (the rule only delivers those)`];
  }
  switch (subject.kind) {
    case 'none':
      return [`nothing: ${subject.reason}`];
    case 'job': {
      if (facts.isSpotNotice) return ['nothing yet: a job run is settled when its task stops'];
      const run = hypotheticalRun(subject.job.name, subject.job.cluster, facts);
      const decision = decideJobStop({ run, job: subject.job, stop, essentialContainers: undefined, now });
      if (decision.kind !== 'settle') return [`record the stop of ${facts.taskId}`];
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
          `alert: job ${subject.job.name} failed (group ${alertGroupKey({ cluster: facts.clusterName, subject: { kind: 'job', name: subject.job.name }, category: settled.category ?? 'unknown', severity: 'critical' })})`,
        );
      }
      actions.push(`publish Job Run ${settled.status === 'succeeded' ? 'Succeeded' : 'Failed'}`);
      return actions;
    }
    case 'watched-task': {
      const decision = decideRestart({
        spec: subject.spec,
        facts,
        classification: stop.classification,
        state: undefined,
        replacementStarted: false,
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
      if (facts.isSpotNotice) return ['nothing: ECS replaces a service task when it stops'];
      const counted = isCounted(subject.watch, stop.classification.category);
      const decision = decideServiceStop(
        subject.watch,
        stop,
        counted ? { total: 1, byCategory: { [stop.classification.category]: 1 } } : undefined,
      );
      const { stops, windowSeconds } = subject.watch.crashLoop;
      const actions = counted
        ? [`count toward the crash loop: alert at ${stops} stops within ${formatDuration(windowSeconds)}, with the dominant category`]
        : [`ignore: ${stop.classification.category} is in services.${subject.watch.key}.ignore`];
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
    `belongs to: ${explanation.subject.kind}${explanation.subject.name ? ` ${explanation.subject.name}` : ''}${explanation.subject.note ? ` (${explanation.subject.note})` : ''}`,
    'actions:',
    ...explanation.actions.map((a) => `  - ${a}`),
    `likely cause: ${explanation.likelyCause}`,
    'next steps:',
    ...explanation.nextSteps.map((s) => `  - ${s}`),
    `console:    ${explanation.consoleUrl}`,
  ];
  return lines;
}
