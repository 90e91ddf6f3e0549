/**
 * Alert messages as a good colleague would write them: what happened, where, how often, what the
 * containers said, the likely cause, the next step, and links to the task and its logs. Two renderings
 * of one view: humanMessage for email, chatbotMessage for AWS Chatbot (Amazon Q Developer in chat
 * applications) custom notifications in Slack or Teams.
 */

import { DEPLOYMENT_DETAIL_TYPES } from '../blue-green/model.ts';
import { formatDuration } from '../config/duration.ts';
import { type AlertSubjectKind, groupLabelsOf, keepsOpenSubjects } from '../events/alert.ts';
import { JOB_RUN_DETAIL_TYPES } from '../events/bus.ts';
import { JOB_SUCCESS_OVERDUE, type JobSuccessOverdueDetail } from '../events/job-freshness-events.ts';
import { SERVICE_PROBLEM_DETAIL_TYPES, type ServiceProblemDetail } from '../events/service-events.ts';
import {
  type CrashLoopDetail,
  type InfrastructureLossDetail,
  type ServiceTaskStoppedDetail,
  STOPPED_TASK_DETAIL_TYPES,
  type StoppedTaskSummary,
  type WatchedTaskStoppedDetail,
} from '../events/stopped-task-events.ts';
import type { RunRecord } from '../jobs/run-record.ts';
import { cutToCharacters } from './cut.ts';
import type { AlertGroup, AlertSample } from './decide.ts';
import { forChatbot, forChatbotCode, forEmail } from './escape.ts';

export type AlertMessage =
  /** `count` events since the last message (the group's pending count when it was sent). */
  { status: 'firing'; group: AlertGroup; count: number } | { status: 'resolved'; group: AlertGroup; now: Date };

/** AWS Chatbot's custom notification, schema version 1.0. */
export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata: {
    /** Messages of one group share a thread. */
    threadId: string;
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
  };
}

/** A Job Run Failed / Timed Out detail: the run record (with its stop and retry when a stopped task ended it). */
export type JobRunAlertDetail = Omit<RunRecord, 'leaseUntil' | 'version' | 'eventPublished' | 'outbox'> & { runtime?: string };

/** SNS takes subjects of fewer than 100 characters, without line breaks or control characters. */
export const SUBJECT_MAX_LENGTH = 99;

/**
 * Chatbot's limit on a custom notification's description: 8,000 characters, as the "Parameter details"
 * of docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html give it (the copy searched while
 * writing this stopped before that table: check the page when changing it). The whole Publish has SNS's
 * own limit, kept by sns-message.ts.
 */
export const CHATBOT_DESCRIPTION_MAX_CHARACTERS = 8_000;

/** How text from outside (a stop reason, who requested, why someone aborted) is made inert for one channel (escape.ts). */
type Escape = (text: string) => string;

/** As the event says it: the name and reason are escaped where a rendering shows them. */
interface ContainerLine {
  name: string;
  exitCode: number | undefined;
  reason: string | undefined;
}

/** What a message says about the group's newest event, whatever its detail-type; text from outside escaped for its channel. */
interface AlertView {
  /** What happened, as a sentence: "job nightly-report failed". */
  headline: string;
  /** What went wrong this time, where the group's category is wider: a job's stop category within job-failing. */
  cause?: string | undefined;
  /** One line saying why. */
  why: string | undefined;
  taskDefinition: string | undefined;
  availabilityZone: string | undefined;
  /** What only this kind of event says: the run and its retry, the restart decision, the loop. */
  facts: string[];
  containers: ContainerLine[];
  likelyCause: string | undefined;
  nextSteps: string[];
  links: { label: string; url: string }[];
  /** ARNs, for Chatbot's relatedResources. */
  resources: string[];
}

const SUBJECT_WORDS: Record<AlertSubjectKind, string> = {
  job: 'job',
  'watched-task': 'watched task',
  service: 'service',
  app: 'app',
};

export function humanMessage(message: AlertMessage): { subject: string; text: string } {
  const { group } = message;
  const { alert } = group.latest.detail;
  const view = viewOf(group.latest, forEmail);
  const lines: string[] = [];
  if (message.status === 'firing') {
    lines.push(
      `${alert.severity.toUpperCase()}: ${capitalize(view.headline)} on cluster ${alert.cluster} (${view.cause ?? alert.category}).`,
    );
    if (view.why) lines.push(capitalize(view.why));
    lines.push('', `What: ${group.latest.detailType}, ${subjectOf(group)}, category ${view.cause ?? alert.category}`);
    lines.push(`Where: ${whereOf(group, view)}`);
    lines.push(`How often: ${howOften(message.count, group)}`);
    lines.push(...view.facts);
    if (view.containers.length > 0)
      lines.push('', 'Containers:', ...view.containers.map((c) => `  - ${forEmail(c.name)}: ${containerLine(c, forEmail)}`));
    if (view.likelyCause) lines.push('', `Likely cause: ${view.likelyCause}`);
    if (view.nextSteps.length > 0) lines.push('', 'Next steps:', ...view.nextSteps.map((step, i) => `  ${i + 1}. ${step}`));
    if (view.links.length > 0) lines.push('', 'Links:', ...view.links.map((link) => `  ${link.label}: ${link.url}`));
  } else {
    lines.push(`RESOLVED: ${capitalize(subjectOf(group))} on cluster ${alert.cluster}: ${howResolved(message)}.`);
    lines.push('', resolvedSummary(group));
    lines.push(`Last seen: ${view.headline}, ${whereOf(group, view)}`);
    if (view.links.length > 0) lines.push('', 'Links to the last one:', ...view.links.map((link) => `  ${link.label}: ${link.url}`));
  }
  lines.push('', `-- ecs-autopilot, alert group ${group.groupKey}`);
  return { subject: subjectLine(message, view), text: lines.join('\n') };
}

export function chatbotMessage(message: AlertMessage): ChatbotNotification {
  const { group } = message;
  const { alert } = group.latest.detail;
  const view = viewOf(group.latest, forChatbot);
  const firing = message.status === 'firing';
  const description = firing
    ? [
        ...(view.why ? [capitalize(view.why)] : []),
        `*How often:* ${howOften(message.count, group)}`,
        `*Where:* ${whereOf(group, view)}`,
        ...view.facts,
        ...(view.containers.length > 0
          ? ['*Containers:*', ...view.containers.map((c) => `• \`${forChatbotCode(c.name)}\` ${containerLine(c, forChatbot)}`)]
          : []),
        ...(view.likelyCause ? [`*Likely cause:* ${view.likelyCause}`] : []),
        ...view.links.map((link) => `${link.label}: ${chatbotLink(link.url)}`),
      ]
    : [
        `${capitalize(howResolved(message))}.`,
        resolvedSummary(group),
        ...view.links.map((link) => `${link.label} (the last one): ${chatbotLink(link.url)}`),
      ];
  const icon = firing ? (alert.severity === 'critical' ? '🔴' : '🟠') : '✅';
  const title = firing
    ? `${icon} ${capitalize(view.headline)} on ${alert.cluster}: ${view.cause ?? alert.category}`
    : `${icon} Resolved: ${subjectOf(group)} on ${alert.cluster}: ${alert.category}`;
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title,
      description: cutToCharacters(description.join('\n'), CHATBOT_DESCRIPTION_MAX_CHARACTERS),
      ...(firing && view.nextSteps.length > 0 && { nextSteps: view.nextSteps }),
      keywords: [firing ? alert.severity : 'resolved', alert.category, alert.cluster, alert.subject.name],
    },
    metadata: {
      threadId: group.groupKey,
      summary: subjectLine(message, view),
      eventType: firing ? group.latest.detailType : 'Alert Resolved',
      relatedResources: view.resources,
      additionalContext: {
        cluster: alert.cluster,
        subject: subjectOf(group),
        category: alert.category,
        severity: alert.severity,
        status: message.status,
        ...(firing && { count: String(message.count) }),
        total: String(group.total),
        firstEventAt: group.firstEventAt,
        lastEventAt: group.lastEventAt,
      },
    },
  };
}

function subjectLine(message: AlertMessage, view: AlertView): string {
  const { group } = message;
  const { alert } = group.latest.detail;
  const text =
    message.status === 'firing'
      ? `[${alert.severity.toUpperCase()}] ${capitalize(view.headline)} on ${alert.cluster}: ${view.cause ?? alert.category}${message.count > 1 ? ` (${message.count}x)` : ''}`
      : `[RESOLVED] ${capitalize(subjectOf(group))} on ${alert.cluster}: ${alert.category}`;
  return asSubject(text);
}

/** Printable ASCII on one line (SNS's rule for subjects, and safe in every mail client), shortened to fit. */
function asSubject(text: string): string {
  const plain = text
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length <= SUBJECT_MAX_LENGTH ? plain : `${plain.slice(0, SUBJECT_MAX_LENGTH - 3).trimEnd()}...`;
}

function howOften(count: number, group: AlertGroup): string {
  const since = group.lastSentAt ? `since the last message (${timeOf(group.lastSentAt)})` : `since ${timeOf(group.firstEventAt)}`;
  const last = `the last at ${timeOf(group.lastEventAt)}`;
  if (group.total === count) return `${times(count)} ${since}, ${last}`;
  return `${times(count)} ${since}; ${group.total} in all since ${timeOf(group.firstEventAt)}, ${last}`;
}

function resolvedSummary(group: AlertGroup): string {
  const lasted = formatDuration((Date.parse(group.lastEventAt) - Date.parse(group.firstEventAt)) / 1000);
  const unreported = group.pending > 0 ? ` ${times(group.pending)} since the last message, not reported before.` : '';
  return `It lasted ${lasted}, from ${timeOf(group.firstEventAt)} to ${timeOf(group.lastEventAt)}: ${times(group.total)} in all.${unreported}`;
}

function quietFor(message: { group: AlertGroup; now: Date }): string {
  return formatDuration((message.now.getTime() - Date.parse(message.group.lastEventAt)) / 1000);
}

function whereOf(group: AlertGroup, view: AlertView): string {
  return [
    `cluster ${group.latest.detail.alert.cluster}`,
    ...(view.taskDefinition ? [`task definition ${view.taskDefinition}`] : []),
    ...(view.availabilityZone ? [view.availabilityZone] : []),
  ].join(', ');
}

/**
 * A group of several subjects (notifications.groupBy without subject) shows its newest event's details.
 * One closed by its own events knows which subjects are open, and names them while more than one is
 * ("3 jobs open: hourly-sync, ledger-cleanup, nightly-report"), and once none is, that all have resolved;
 * any other says the newest is one of several.
 */
function subjectOf(group: AlertGroup): string {
  const { subject } = group.latest.detail.alert;
  const named = `${SUBJECT_WORDS[subject.kind]} ${subject.name}`;
  const labels = groupLabelsOf(group.groupKey);
  if (labels === undefined) return named;
  if ((group.openSubjects?.length ?? 0) > 1) return openSubjectsNamed(group.openSubjects ?? []);
  // None left open: the group resolved, all its subjects with it.
  if (keepsOpenSubjects(group.groupKey) && !group.openSubjects?.length) return `every subject of the group (last: ${named})`;
  return `${named} (the latest of its alerts grouped by ${labels.join(', ') || 'nothing'})`;
}

/** How many open subjects a message names before it says how many more. */
const OPEN_SUBJECTS_NAMED = 3;

function openSubjectsNamed(open: string[]): string {
  const subjects = open.map((label) => {
    const colon = label.indexOf(':');
    return { kind: label.slice(0, colon) as AlertSubjectKind, name: label.slice(colon + 1) };
  });
  const oneKind = subjects.every((s) => s.kind === subjects[0]?.kind) ? subjects[0]?.kind : undefined;
  const names = subjects.map((s) => (oneKind ? s.name : `${SUBJECT_WORDS[s.kind] ?? s.kind} ${s.name}`));
  const shown = names.slice(0, OPEN_SUBJECTS_NAMED).join(', ');
  const more = names.length > OPEN_SUBJECTS_NAMED ? ` and ${names.length - OPEN_SUBJECTS_NAMED} more` : '';
  return `${names.length} ${oneKind ? `${SUBJECT_WORDS[oneKind]}s` : 'subjects'} open: ${shown}${more}`;
}

/** The exit code and what the container said (without its name, which each rendering shows its own way). */
function containerLine(container: ContainerLine, text: Escape): string {
  const exit = container.exitCode === undefined ? 'no exit code (it did not run)' : `exit code ${container.exitCode}`;
  return `${exit}${container.reason ? `, ${text(container.reason)}` : ''}`;
}

/**
 * The links ecs-autopilot builds (the task in the console, its logs) stay links in chat; anything else
 * where a link should be is shown as text, inert.
 */
function chatbotLink(url: string): string {
  return /^https:\/\/[A-Za-z0-9.-]+(?:[/?#][^\s<>[\]()`*|\\]*)?$/.test(url) ? url : forChatbot(url);
}

/**
 * The view of the newest event. notify checks each event against its detail-type's schema before counting
 * it (trigger.ts), so this reads a detail of the shape it expects; should one still not be (a group counted
 * before a schema existed), the message is rendered from the alert block alone rather than not at all.
 */
function viewOf(sample: AlertSample, text: Escape): AlertView {
  try {
    return detailView(sample, text);
  } catch (error) {
    const generic = genericView(sample, text);
    return { ...generic, facts: [`(its detail could not be read: ${text(String(error))})`, ...generic.facts] };
  }
}

function detailView(sample: AlertSample, text: Escape): AlertView {
  switch (sample.detailType) {
    case JOB_RUN_DETAIL_TYPES.failed:
    case JOB_RUN_DETAIL_TYPES['timed-out']:
      return jobRunView(sample.detail as unknown as JobRunAlertDetail, sample.detailType === JOB_RUN_DETAIL_TYPES['timed-out'], text);
    case JOB_RUN_DETAIL_TYPES.missed:
      return missedRunView(sample.detail as unknown as JobRunAlertDetail, text);
    case JOB_RUN_DETAIL_TYPES.skipped:
      return skippedRunView(sample.detail as unknown as JobRunAlertDetail, text);
    case JOB_SUCCESS_OVERDUE:
      return successOverdueView(sample.detail as unknown as JobSuccessOverdueDetail, text);
    case STOPPED_TASK_DETAIL_TYPES.crashLoopDetected:
      return crashLoopView(sample.detail as unknown as CrashLoopDetail, text);
    case STOPPED_TASK_DETAIL_TYPES.infrastructureLossDetected:
      return infrastructureLossView(sample.detail as unknown as InfrastructureLossDetail, text);
    case STOPPED_TASK_DETAIL_TYPES.watchedTaskStopped:
      return watchedTaskView(sample.detail as unknown as WatchedTaskStoppedDetail, text);
    case STOPPED_TASK_DETAIL_TYPES.serviceTaskStopped:
      return serviceTaskView(sample.detail as unknown as ServiceTaskStoppedDetail, text);
    case DEPLOYMENT_DETAIL_TYPES.rolledBack:
    case DEPLOYMENT_DETAIL_TYPES.failed:
      return deploymentView(sample.detail as unknown as DeploymentAlertDetail, sample.detailType === DEPLOYMENT_DETAIL_TYPES.failed, text);
    case DEPLOYMENT_DETAIL_TYPES.held:
      return heldView(sample.detail as unknown as DeploymentAlertDetail, text);
    default:
      if (SERVICE_PROBLEM_DETAIL_TYPES.includes(sample.detailType))
        return serviceProblemView(sample.detail as unknown as ServiceProblemDetail, text);
      return genericView(sample, text);
  }
}

/** A firing Scheduler delivered past the job's startingDeadline: nothing ran. */
function missedRunView(run: JobRunAlertDetail, text: Escape): AlertView {
  return {
    headline: `job ${run.job} missed a firing`,
    cause: 'missed',
    why: run.reason === undefined ? undefined : text(run.reason),
    taskDefinition: text(run.taskDefinition),
    availabilityZone: undefined,
    facts: [`Run: scheduled for ${timeOf(run.scheduledTime)}, not launched`],
    containers: [],
    likelyCause: 'Scheduler delivered the firing after its startingDeadline (its own retries, throttling, or a backlog).',
    nextSteps: [
      `Run \`ecs-autopilot runs ${run.job}\` to see which firings were missed`,
      'If late deliveries are expected, raise the startingDeadline of the job',
    ],
    links: [],
    resources: [],
  };
}

/** expectSuccessWithin passed without a successful run: failures, skips, missed firings, or no firing at all. */
function successOverdueView(overdue: JobSuccessOverdueDetail, text: Escape): AlertView {
  const since =
    overdue.armedBy === 'success'
      ? `Last success: ended ${timeOf(overdue.since)}`
      : `No success since the firing of ${timeOf(overdue.since)}`;
  return {
    headline: `job ${overdue.job} has not succeeded within ${overdue.expectSuccessWithin}`,
    cause: 'no-recent-success',
    why: text(overdue.reason),
    taskDefinition: text(overdue.taskDefinition),
    availabilityZone: undefined,
    facts: [since, `Expected: a successful run within ${overdue.expectSuccessWithin} (expectSuccessWithin)`],
    containers: [],
    likelyCause:
      'Its runs fail, are skipped or missed, or its schedule no longer fires (disabled, deleted, or its Scheduler deliveries fail).',
    nextSteps: [
      `Run \`ecs-autopilot runs ${overdue.job}\` to see what its recent firings came to`,
      "If nothing fired, look at the job's schedule in EventBridge Scheduler and at run-batch-job's dead-letter queue",
    ],
    links: [],
    resources: [],
  };
}

/** A firing skipped because an earlier run still runs (concurrency forbid), the job's alertOn.skipped-th in a row or later. */
function skippedRunView(run: JobRunAlertDetail, text: Escape): AlertView {
  const inARow = run.consecutiveSkips ?? 1;
  return {
    headline: `job ${run.job} skipped ${inARow === 1 ? 'a firing' : `${inARow} firings in a row`}`,
    cause: 'skipped',
    why: run.reason === undefined ? undefined : text(run.reason),
    taskDefinition: text(run.taskDefinition),
    availabilityZone: undefined,
    facts: [`Run: scheduled for ${timeOf(run.scheduledTime)}, not launched (the ${ordinal(inARow)} skip in a row)`],
    containers: [],
    likelyCause: 'An earlier run is still running, maybe hung, and concurrency forbid lets no new run start until it ends.',
    nextSteps: [
      `Run \`ecs-autopilot runs ${run.job}\` to find the run still running, and look at its task and logs`,
      'Stop the hung task, or set maxRuntime on the job so that a run that hangs is stopped',
    ],
    links: [],
    resources: [],
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function jobRunView(run: JobRunAlertDetail, timedOut: boolean, text: Escape): AlertView {
  const ran = run.runtime ? `, ran ${run.runtime}` : '';
  const facts = [`Run: scheduled for ${timeOf(run.scheduledTime)}, attempt ${run.attempt}${ran}`];
  if (run.retry) {
    facts.push(
      run.retry.willRetry
        ? `Retry: attempt ${run.retry.nextAttempt} at ${timeOf(run.retry.retryAt)} (${text(run.retry.because)})`
        : `No retry: ${text(run.retry.because)}`,
    );
  }
  const headline = `job ${run.job} ${timedOut ? 'timed out' : 'failed'}`;
  const cause = timedOut ? 'timeout' : text(run.category ?? 'launch-failed');
  if (run.stop) {
    const view = stopView(headline, run.stop, text);
    return { ...view, cause, facts: [...facts, ...view.facts], resources: unique([...view.resources, ...run.taskArns]) };
  }
  // Nothing stopped: the launch itself failed (or the tasks were never seen), the run's reason says why.
  return {
    headline,
    cause,
    why: run.reason === undefined ? undefined : text(run.reason),
    taskDefinition: text(run.taskDefinition),
    availabilityZone: undefined,
    facts,
    containers: [],
    likelyCause: timedOut
      ? 'The run took longer than its maxRuntime and was stopped.'
      : 'ECS did not start the task; the reason above says why.',
    nextSteps: timedOut
      ? [
          'Find in its logs where the time went (a stuck dependency, more data than usual)',
          'If the work has grown for good, raise the maxRuntime of the job',
          `Run \`ecs-autopilot runs ${run.job}\` to compare with earlier runs`,
        ]
      : [
          'No capacity: add a fallback capacity provider (capacityProviders) or let the launch retry',
          'Rejected parameters: check that the task definition revision is ACTIVE and that its subnets and security groups exist',
          "Access denied: the function's role must be allowed iam:PassRole for the task and execution roles",
          `Run \`ecs-autopilot runs ${run.job}\` to see its attempts`,
        ],
    links: [],
    resources: run.taskArns,
  };
}

function crashLoopView(loop: CrashLoopDetail, text: Escape): AlertView {
  const name = `${SUBJECT_WORDS[loop.subject.kind]} ${loop.subject.name}`;
  const view = stopView(`${name} is crash-looping`, loop.lastStop, text);
  const mix = Object.entries(loop.categories)
    .map(([category, stops]) => `${category} ${stops}`)
    .join(', ');
  const why = `${loop.stops} stops within ${formatDuration(loop.windowSeconds)}, mostly ${loop.dominantCategory} (${mix}). The last one: ${view.why ?? 'no reason given'}`;
  if (loop.action === 'alert-only')
    return { ...view, why, facts: ['ECS keeps replacing the tasks; ecs-autopilot only alerts', ...view.facts] };
  const resume = loop.resumeWith ?? `ecs-autopilot resume ${loop.subject.name}`;
  return {
    ...view,
    why,
    facts: [
      `Restarts are paused${loop.pausedAt ? ` since ${timeOf(loop.pausedAt)}` : ''}: \`${resume}\` or a new task definition revision resumes them`,
      ...view.facts,
    ],
    nextSteps: [...view.nextSteps, `Once fixed, run \`${resume}\` or deploy a new task definition revision`],
  };
}

/** The hosts under a service went away: the advice is about the cluster; the last stop is one example. */
function infrastructureLossView(loss: InfrastructureLossDetail, text: Escape): AlertView {
  const view = stopView(`cluster ${loss.cluster} is losing hosts (service ${loss.subject.name})`, loss.lastStop, text);
  return {
    ...view,
    why: `${text(loss.reason)}. The last one: ${view.why ?? 'no reason given'}`,
    facts: ['ECS keeps replacing the tasks; ecs-autopilot only alerts', ...view.facts],
    likelyCause: text(loss.advice.likelyCause),
    nextSteps: loss.advice.nextSteps.map(text),
  };
}

function watchedTaskView(stopped: WatchedTaskStoppedDetail, text: Escape): AlertView {
  const view = stopView(`watched task ${stopped.watchedTask} stopped`, stopped.stop, text);
  const { decision } = stopped;
  const decided =
    decision.kind === 'restart'
      ? `Restart: in ${formatDuration(decision.delaySeconds)}, at ${timeOf(decision.restartAt)}`
      : decision.kind === 'restart-now'
        ? `Restart: now (${text(decision.reason)})`
        : decision.kind === 'no-restart'
          ? `No restart: ${text(decision.reason)}`
          : `Restarts paused: ${text(decision.reason)}`;
  return { ...view, facts: [decided, ...view.facts] };
}

function serviceTaskView(stopped: ServiceTaskStoppedDetail, text: Escape): AlertView {
  const view = stopView(`a task of service ${stopped.service} stopped`, stopped.stop, text);
  return stopped.counted
    ? { ...view, facts: [`Stops of the service in its crash-loop window: ${stopped.stopsInWindow}`, ...view.facts] }
    : view;
}

/** A problem ECS reported about a service (shared/service-events/decide.ts): ECS's words are from outside. */
function serviceProblemView(problem: ServiceProblemDetail, text: Escape): AlertView {
  const { ecsEvent } = problem;
  return {
    headline: `${problem.ecsEvent.eventName} for service ${problem.service}`,
    why: text(problem.reason),
    taskDefinition: undefined,
    availabilityZone: undefined,
    facts: [
      `ECS event: ${text(ecsEvent.eventName)} (${text(ecsEvent.eventType)}) at ${timeOf(ecsEvent.time)}${ecsEvent.deploymentId ? `, deployment ${text(ecsEvent.deploymentId)}` : ''}`,
      `Resolves when ${problem.resolvedWhen}`,
    ],
    containers: [],
    likelyCause: undefined,
    nextSteps: [problem.nextStep],
    links: [{ label: 'Service events in the ECS console', url: problem.consoleUrl }],
    resources: [problem.serviceArn],
  };
}

/** What a Deployment Rolled Back / Failed event says (shared/blue-green/decide.ts builds it). */
interface DeploymentAlertDetail {
  app: string;
  deploymentId: string;
  reason: string;
  from?: string;
  to?: string;
  fromService?: string;
  toService?: string;
  taskDefinition?: string;
  requestedBy?: string;
  weights?: { at: string; newPercent: number; why: string }[];
}

function deploymentView(d: DeploymentAlertDetail, failed: boolean, text: Escape): AlertView {
  const reached = Math.max(0, ...(d.weights ?? []).map((w) => w.newPercent));
  const facts = [
    `Deployment: ${text(d.deploymentId)}${d.requestedBy ? `, requested by ${text(d.requestedBy)}` : ''}`,
    ...(d.fromService && d.toService ? [`Colours: ${d.fromService} (${d.from}, live) → ${d.toService} (${d.to})`] : []),
    ...(d.weights && d.weights.length > 0
      ? [`Weights on the new colour: ${d.weights.map((w) => `${w.newPercent}% at ${timeOf(w.at)} (${text(w.why)})`).join(', ')}`]
      : []),
  ];
  return {
    headline: `deployment of ${d.app} ${failed ? 'failed' : 'rolled back'}`,
    why: text(d.reason),
    taskDefinition: d.taskDefinition === undefined ? undefined : text(d.taskDefinition),
    availabilityZone: undefined,
    facts,
    containers: [],
    likelyCause: failed
      ? 'The deployment ended without a rollback, for the reason above (it could not start, moved no traffic, found the listener changed by someone else, or could not put it back): check the listener and both services before deploying again.'
      : `The new version took at most ${reached}% of the traffic before a gate stopped it; all traffic is back on ${d.fromService ?? 'the live colour'}.`,
    nextSteps: [
      `See the whole deployment: npx ecs-autopilot status ${d.app}`,
      failed
        ? 'If the reason says to, put the listener and services right by hand first.'
        : `Look at ${d.toService ?? 'the new colour'}'s logs and the alarm or check named above, fix, and deploy again.`,
    ],
    links: [],
    resources: [],
  };
}

/** A deployment held for a person (an inconclusive gate, or nobody promoted and onTimeout is hold). */
function heldView(d: DeploymentAlertDetail & { deadline?: string; onTimeout?: string }, text: Escape): AlertView {
  const view = deploymentView(d, false, text);
  return {
    ...view,
    headline: `deployment of ${d.app} held for a decision`,
    likelyCause:
      'A gate was inconclusive (no data, or a value just past its limit), or nobody promoted in time: the deployment waits at its current weight; clear failures still roll it back.',
    nextSteps: [
      `See the whole deployment: npx ecs-autopilot status ${d.app}`,
      `Continue: npx ecs-autopilot promote ${d.app}; or roll back: npx ecs-autopilot abort ${d.app}`,
      ...(d.deadline ? [`Without an answer by ${timeOf(d.deadline)} it will ${text(d.onTimeout ?? 'rollback')}.`] : []),
    ],
  };
}

function genericView(sample: AlertSample, text: Escape): AlertView {
  const { alert, reason, nextStep } = sample.detail;
  return {
    headline: `${text(sample.detailType)}: ${SUBJECT_WORDS[alert.subject.kind]} ${alert.subject.name}`,
    why: typeof reason === 'string' ? text(reason) : undefined,
    taskDefinition: undefined,
    availabilityZone: undefined,
    facts: [],
    containers: [],
    likelyCause: undefined,
    // Events without a view of their own (Service Scaling Failed, Watched Task Restart Failed) name their next step.
    nextSteps: typeof nextStep === 'string' && nextStep !== '' ? [text(nextStep)] : [],
    links: [],
    resources: [],
  };
}

/** A stopped task: ECS's words and the containers' (and the classification and advice that quote them) are from outside. */
function stopView(headline: string, stop: StoppedTaskSummary, text: Escape): AlertView {
  const stoppedBy = [stop.stopCode, stop.stoppedReason].filter(Boolean).join(': ');
  return {
    headline,
    why: text(stop.classification.because),
    taskDefinition: text(`${stop.family}:${stop.revision}`),
    availabilityZone: stop.availabilityZone === undefined ? undefined : text(stop.availabilityZone),
    facts: stoppedBy ? [`ECS says: ${text(stoppedBy)}`] : [],
    containers: stop.containers.map(({ name, exitCode, reason }) => ({ name, exitCode, reason })),
    likelyCause: text(stop.advice.likelyCause),
    nextSteps: stop.advice.nextSteps.map(text),
    links: [
      { label: `Task ${text(stop.taskId)} in the ECS console`, url: stop.consoleUrl },
      ...stop.logs.map((log) => ({ label: `Logs of ${text(log.container)}`, url: log.url })),
    ],
    resources: unique([stop.taskArn, stop.taskDefinitionArn, stop.clusterArn]),
  };
}

function times(count: number): string {
  return count === 1 ? 'once' : `${count} times`;
}

function timeOf(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

/** A group resolves after a quiet period, or by the event that ends its condition (restarts resumed). */
function howResolved(message: Extract<AlertMessage, { status: 'resolved' }>): string {
  const { alert } = message.group.latest.detail;
  if (alert.resolvedBy === 'resolving-event' && alert.subject.kind === 'job') return 'the job succeeded again';
  const { resolvedWhen } = message.group.latest.detail;
  if (alert.resolvedBy === 'resolving-event' && typeof resolvedWhen === 'string') return `the ${alert.category} is over: ${resolvedWhen}`;
  if (alert.resolvedBy === 'resolving-event') return `the ${alert.category} is over (restarts resumed)`;
  return `no ${alert.category} alert for ${quietFor(message)}`;
}

/** Upper-cases the first letter of prose; a name that starts it (ecs-autopilot, a container) stays as written. */
function capitalize(text: string): string {
  if (/^ecs-autopilot\b/.test(text)) return text;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function unique(values: string[]): string[] {
  return [...new Set(values.filter(Boolean))];
}
