/**
 * `deploy`, `status`, `promote` and `abort`: blue/green deployments from a terminal or a pipeline.
 * The CLI never touches the listener or the services: it puts a request on the stack's bus and reads
 * what shift-traffic records in the state table (the deployment, or a rejection of the request).
 *
 * Rendering is pure (stageLine, progressLine, progressBar, followOutcome, statusLines …) so tests and
 * the sandbox use it without AWS; the commands take their bus, store, clock and sleep as dependencies
 * so an integration test can drive the real handler between two polls of `deploy --wait`.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { forTerminal } from '../shared/alerts/escape.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import { longestDeploymentSeconds } from '../shared/blue-green/decide.ts';
import { type AppSpec, DEPLOYMENT_DETAIL_TYPES, type Deployment, isFinal, type OperatorRequest } from '../shared/blue-green/model.ts';
import { formatDuration } from '../shared/config/duration.ts';
import type { Automation } from '../shared/config/schema.ts';
import { type AutopilotEvent, EventBus } from '../shared/events/bus.ts';
import { type Rejection, Rejections } from '../shared/state/deployment-rejections.ts';
import { DeploymentStore } from '../shared/state/deployment-store.ts';
import { EXIT, type Io, table, UsageError } from './output.ts';

// ── Dependencies ──

export interface DeploymentReader {
  /** The app's current or last deployment. */
  get(app: string): Promise<Deployment | undefined>;
  /** Final deployments, newest first. */
  history(app: string, limit: number): Promise<Deployment[]>;
}

export interface RejectionReader {
  get(app: string, id: string): Promise<Rejection | undefined>;
}

export interface EventPublisher {
  publish(events: AutopilotEvent[]): Promise<void>;
}

export interface DeployIo extends Io {
  /** A terminal: `deploy --wait` draws a progress bar redrawn in place instead of plain lines. */
  isTTY?: boolean | undefined;
  /** Writes without a newline (the bar's redraws); `out` is used when absent. */
  write?: ((text: string) => void) | undefined;
}

export interface DeploymentDeps {
  bus: EventPublisher;
  store: DeploymentReader;
  rejections: RejectionReader;
  io: DeployIo;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  /** Who asks (the request's requestedBy, a promotion's or abort's by); `cli:<os user>` when absent. */
  caller?: string | undefined;
  /** The 4 hex digits that end a deployment id; random when absent. */
  randomHex?: (() => string) | undefined;
}

export interface Connection {
  tableName: string;
  busName: string;
  region?: string | undefined;
  endpoint?: string | undefined;
}

/** The real dependencies: the deployed state table and bus, the system clock. */
export function awsDeploymentDeps(connection: Connection, io: DeployIo): DeploymentDeps {
  const clients = createAwsClients({ region: connection.region, endpoint: connection.endpoint });
  return {
    bus: new EventBus(clients.events, connection.busName),
    store: new DeploymentStore(clients.dynamo, connection.tableName),
    rejections: new Rejections(clients.dynamo, connection.tableName),
    io,
    now: () => new Date(),
    sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
  };
}

/** `cli:<os user>`: who put the request, without an extra AWS call. */
export function defaultCaller(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No passwd entry (some containers).
    return `cli:${process.env.USER ?? process.env.USERNAME ?? 'unknown'}`;
  }
}

// ── Pure helpers ──

export function appOf(automation: Automation, name: string): AppSpec {
  const app = automation.apps[name];
  if (app) return app;
  const names = Object.keys(automation.apps);
  throw new UsageError(
    names.length === 0
      ? `unknown app "${name}": automation.yml names no apps (add one under apps:)`
      : `unknown app "${name}"; the apps in automation.yml: ${names.join(', ')}`,
  );
}

const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** `--image web=repo/web:1.2 --image worker=…` → { web: 'repo/web:1.2', … }. */
export function parseImages(values: readonly string[]): Record<string, string> {
  const images: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    const container = value.slice(0, at);
    const image = value.slice(at + 1).trim();
    if (at < 0 || !CONTAINER_NAME.test(container) || image === '')
      throw new UsageError(
        `--image is container=image, e.g. --image web=123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2; got "${value}"`,
      );
    if (container in images) throw new UsageError(`--image names the container ${container} twice`);
    images[container] = image;
  }
  return images;
}

/** `<app>-<UTC yyyymmddThhmmss>-<4 hex>`: sortable, readable in a log, unique enough for one app. */
export function deploymentId(app: string, now: Date, hex: string): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace(/[-:]/g, '');
  return `${app}-${stamp}-${hex}`;
}

/** HH:MM:SS in UTC, as the plain lines print times. */
export const clock = (at: Date | string): string => new Date(at).toISOString().slice(11, 19);

const seconds = (from: Date | string, to: Date | string) => Math.max(0, (new Date(to).getTime() - new Date(from).getTime()) / 1000);

/** `blue 90% | green 10%` (old colour first), or undefined before the live colour is known. */
export function weightsText(d: Deployment, separator = ' | '): string | undefined {
  if (!d.from || !d.to) return undefined;
  return `${d.from} ${100 - d.newPercent}%${separator}${d.to} ${d.newPercent}%`;
}

/** The step shown: the one being applied while shifting, else the one reached (1-based); undefined before the first. */
export function stepOf(d: Deployment, app: AppSpec): { step: number; steps: number } | undefined {
  const index = d.stage === 'shifting' && d.shiftingTo !== undefined ? d.shiftingTo : d.step;
  return index >= 0 ? { step: index + 1, steps: app.steps.length } : undefined;
}

const stepText = (d: Deployment, app: AppSpec) => {
  const step = stepOf(d, app);
  return step ? ` (step ${step.step} of ${step.steps})` : '';
};

/** What the new colour starts: `shop-web:42` (family:revision) or the images. */
function newVersion(d: Deployment): string {
  if (d.taskDefinition) return `task definition ${forTerminal(d.taskDefinition.split('/').pop() ?? d.taskDefinition)}`;
  const images = Object.entries(d.images ?? {}).map(([container, image]) => forTerminal(`${container}=${image}`));
  return images.length ? `images ${images.join(', ')}` : 'the new version';
}

/** What a pause or a hold does when nobody answers (apps.<app>.onTimeout). */
const TIMEOUT_WORDS = { rollback: 'rolls back', promote: 'moves on', hold: 'holds' } as const;

/**
 * The deployment's state in one line, without the time: it changes exactly when the stage, the
 * weights or the step change, so plain output prints it once per change.
 */
export function stageLine(d: Deployment, app: AppSpec): string {
  const weights = weightsText(d, ' / ') ?? '';
  const step = stepText(d, app);
  const until = (at: string | undefined) => (at ? ` until ${clock(at)}` : '');
  switch (d.stage) {
    case 'starting':
      return 'starting: reading the listener, the services and the alarms';
    case 'deploying':
      return `deploying: ${d.to ?? 'the idle colour'}${d.to ? ` (${app.colours[d.to].service})` : ''} starts ${newVersion(d)}`;
    case 'shifting': {
      const target = app.steps[d.shiftingTo ?? d.step + 1]?.weight;
      const shifted = target === undefined ? d : { ...d, newPercent: target };
      return `shifting: ${weightsText(shifted, ' / ') ?? weights}${step}`;
    }
    case 'paused':
      return d.pauseEndsAt
        ? `paused: ${weights}${step}${until(d.pauseEndsAt)}`
        : `paused: ${weights}${step} until promoted (ecs-autopilot promote ${d.app}); ${TIMEOUT_WORDS[app.onTimeout ?? 'rollback']} at ${clock(d.stageDeadline ?? d.stageSince)} without`;
    case 'hook': {
      const run = d.hooks?.at(-1);
      return `hook: ${weights}${step}; ${run ? `${run.stage} (${forTerminal(run.runs)})` : 'a hook'} runs${until(d.stageDeadline)} at the latest`;
    }
    case 'held': {
      const deadline = d.stageDeadline ? `; ${TIMEOUT_WORDS[app.onTimeout ?? 'rollback']} at ${clock(d.stageDeadline)} without` : '';
      return `held: ${weights}${step}: ${forTerminal(d.held?.reason ?? 'no reason recorded')}; ecs-autopilot promote ${d.app} continues, ecs-autopilot abort ${d.app} rolls back${deadline}`;
    }
    case 'baking':
      return `baking: ${weights}${step}${until(d.pauseEndsAt ?? d.stageDeadline)}`;
    case 'rollback-window':
      return `rollback window: ${weights}; ${d.from ? app.colours[d.from].service : 'the old colour'} keeps running${until(d.pauseEndsAt)}`;
    case 'finishing':
      return `finishing: scaling ${d.from ? app.colours[d.from].service : 'the old colour'} to 0`;
    case 'rolling-back':
      return `rolling back: ${weights}${d.rollbackReason ? `; ${forTerminal(d.rollbackReason)}` : ''}`;
    case 'succeeded':
    case 'rolled-back':
    case 'failed':
      return `${d.stage}: ${forTerminal(d.outcome?.reason ?? 'no reason recorded')}`;
  }
}

/** A plain line for CI logs: `12:04:02 shop shifting: blue 90% / green 10% (step 1 of 2)`. */
export function progressLine(d: Deployment, app: AppSpec, now: Date): string {
  return `${clock(now)} ${app.name} ${stageLine(d, app)}`;
}

const BAR_WIDTH = 20;

/** The terminal's progress bar: the new colour's share filled, the weights, the stage, the step and the time left. */
export function progressBar(d: Deployment | undefined, app: AppSpec, now: Date, id: string, width = BAR_WIDTH): string {
  const share = d ? Math.round((d.newPercent / 100) * width) : 0;
  const bar = `[${'█'.repeat(share)}${'░'.repeat(width - share)}]`;
  if (!d) return `${app.name} ${bar} waiting for shift-traffic to start ${id}`;
  const parts: string[] = [d.stage];
  const step = stepOf(d, app);
  if (step) parts.push(`step ${step.step} of ${step.steps}`);
  if (d.pauseEndsAt && !isFinal(d.stage)) parts.push(`${formatDuration(seconds(now, d.pauseEndsAt))} left`);
  else if (!isFinal(d.stage)) parts.push(`for ${formatDuration(seconds(d.stageSince, now))}`);
  if (d.waitingFor && !isFinal(d.stage)) parts.push(`waiting for ${forTerminal(d.waitingFor)}`);
  return `${app.name} ${bar} ${weightsText(d) ?? 'weights not read yet'}  ${parts.join(' · ')}`;
}

export type FollowStatus = 'succeeded' | 'rolled-back' | 'failed' | 'rejected' | 'timed-out';
export type FollowOutcome = 'waiting' | { exit: 0 | 1; status: FollowStatus; reason: string; message: string };

/** Whether `deploy --wait` is done: `deployment` is the one with this id when it was found (current or in the history). */
export function followOutcome(deployment: Deployment | undefined, rejection: Rejection | undefined, id: string): FollowOutcome {
  if (deployment?.id === id && isFinal(deployment.stage)) {
    const status = deployment.stage as 'succeeded' | 'rolled-back' | 'failed';
    const reason = forTerminal(deployment.outcome?.reason ?? 'no reason recorded');
    const took = deployment.outcome ? ` after ${formatDuration(seconds(deployment.requestedAt, deployment.outcome.at))}` : '';
    const verb = status === 'rolled-back' ? 'rolled back' : status;
    return {
      exit: status === 'succeeded' ? EXIT.ok : EXIT.failed,
      status,
      reason,
      message: `${deployment.app}: ${id} ${verb}${took}: ${reason}`,
    };
  }
  if (rejection?.id === id) {
    return {
      exit: EXIT.failed,
      status: 'rejected',
      reason: rejection.reason,
      message: `${rejection.app}: ${id} was rejected: ${forTerminal(rejection.reason)}`,
    };
  }
  return 'waiting';
}

/** What `--json` prints for each change while following. */
export function progressRecord(d: Deployment, app: AppSpec, now: Date) {
  const step = stepOf(d, app);
  return {
    type: 'progress',
    at: now.toISOString(),
    app: app.name,
    id: d.id,
    stage: d.stage,
    from: d.from,
    to: d.to,
    newPercent: d.newPercent,
    weights: d.from && d.to ? { [d.from]: 100 - d.newPercent, [d.to]: d.newPercent } : undefined,
    step: step?.step,
    steps: app.steps.length,
    since: d.stageSince,
    pauseEndsAt: d.pauseEndsAt,
    deadline: d.stageDeadline,
    waitingFor: d.waitingFor,
    message: stageLine(d, app),
  };
}

// ── deploy ──

export interface DeployOptions {
  app: string;
  automation: Automation;
  taskDefinition?: string | undefined;
  /** Container name → image; a new revision of the new colour's task definition is registered. */
  images?: Record<string, string> | undefined;
  wait?: boolean | undefined;
  /** How long `--wait` follows; by default the longest the app's deployment can take. */
  timeoutSeconds?: number | undefined;
  json?: boolean | undefined;
  /** Between two reads of the state table while waiting. */
  pollSeconds?: number | undefined;
  /** How long a request may go unseen (no deployment, no rejection) before `--wait` says so, once. */
  graceSeconds?: number | undefined;
}

export const DEFAULT_POLL_SECONDS = 5;
export const DEFAULT_GRACE_SECONDS = 60;

/** Puts `Deployment Requested`; with `wait`, follows the deployment to its end. Returns the exit code. */
export async function deployCommand(options: DeployOptions, deps: DeploymentDeps): Promise<number> {
  const app = appOf(options.automation, options.app);
  const images = options.images && Object.keys(options.images).length > 0 ? options.images : undefined;
  if (!options.taskDefinition === !images)
    throw new UsageError('deploy needs exactly one of --task-definition ARN or --image container=image (repeatable)');
  if (options.taskDefinition && !TASK_DEFINITION_ARN.test(options.taskDefinition)) {
    throw new UsageError(
      `--task-definition must be a task definition ARN (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>), got "${options.taskDefinition}"`,
    );
  }
  const now = deps.now();
  const id = deploymentId(app.name, now, deps.randomHex?.() ?? randomBytes(2).toString('hex'));
  const requestedBy = deps.caller ?? defaultCaller();
  const detail = { app: app.name, id, taskDefinition: options.taskDefinition, images, requestedBy };
  await deps.bus.publish([{ detailType: DEPLOYMENT_DETAIL_TYPES.requested, detail: withoutUndefined(detail), time: now }]);

  const { io } = deps;
  if (options.json) io.out(JSON.stringify({ type: 'requested', at: now.toISOString(), ...withoutUndefined(detail) }));
  else if (options.wait) io.out(`${clock(now)} ${app.name} requested ${id} by ${requestedBy}`);
  else io.out(id);
  if (!options.wait) return EXIT.ok;
  return followDeployment(app, id, { ...options, timeoutSeconds: options.timeoutSeconds ?? longestDeploymentSeconds(app) }, deps);
}

export function withoutUndefined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** How far a deployment may have got before it is current: enough to find ours if another started right after it. */
const HISTORY_LOOKUP = 20;

/**
 * Follows deployment `id` of `app` until it ends, it is rejected, or the timeout. Each poll reads the
 * current deployment; when it is not ours, the rejection of ours and the history (ours may have ended
 * and another started between two polls). Another deployment being current is no verdict: shift-traffic
 * records a rejection when it refuses ours, so the wait goes on until that or the timeout.
 */
export async function followDeployment(
  app: AppSpec,
  id: string,
  options: Pick<DeployOptions, 'json' | 'pollSeconds' | 'graceSeconds'> & { timeoutSeconds: number },
  deps: DeploymentDeps,
): Promise<number> {
  const { io, store, rejections } = deps;
  const tty = !options.json && io.isTTY === true;
  const write = io.write ?? io.out;
  const pollMs = (options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
  const graceSeconds = options.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  const started = deps.now();
  let ours: Deployment | undefined;
  let lastLine: string | undefined;
  let lastBar: string | undefined;
  let noted = false;

  const clearBar = () => {
    if (tty && lastBar !== undefined) write('\r\x1b[2K');
    lastBar = undefined;
  };
  const finish = (exit: 0 | 1, status: FollowStatus, reason: string, message: string) => {
    clearBar();
    if (options.json) {
      io.out(
        JSON.stringify({
          type: 'result',
          at: deps.now().toISOString(),
          app: app.name,
          id,
          status,
          exit,
          reason,
          message,
          stage: ours?.stage,
          weights: ours?.weights,
        }),
      );
    } else if (exit === EXIT.ok) io.out(message);
    else io.err(message);
    return exit;
  };
  const note = (message: string) => {
    clearBar();
    if (options.json) io.out(JSON.stringify({ type: 'note', at: deps.now().toISOString(), app: app.name, id, message }));
    else io.out(`${clock(deps.now())} ${app.name} ${message}`);
  };

  for (;;) {
    const now = deps.now();
    const current = await store.get(app.name);
    let found = current?.id === id ? current : undefined;
    let rejection: Rejection | undefined;
    if (!found) {
      rejection = await rejections.get(app.name, id);
      if (!rejection && (ours || current)) found = (await store.history(app.name, HISTORY_LOOKUP)).find((d) => d.id === id);
    }
    if (found) ours = found;

    const outcome = followOutcome(found, rejection, id);
    if (outcome !== 'waiting') return finish(outcome.exit, outcome.status, outcome.reason, outcome.message);

    if (ours) {
      const line = stageLine(ours, app);
      if (line !== lastLine) {
        lastLine = line;
        if (options.json) io.out(JSON.stringify(progressRecord(ours, app, now)));
        else {
          clearBar();
          io.out(progressLine(ours, app, now));
        }
      }
    }
    const elapsed = seconds(started, now);
    if (!ours && !noted && elapsed >= graceSeconds) {
      noted = true;
      note(
        current && current.id !== id && !isFinal(current.stage)
          ? `${id} has not started: ${current.id} is ${current.stage}; waiting for shift-traffic to start or reject ${id}`
          : `${id} has not started after ${formatDuration(elapsed)}: no deployment and no rejection recorded yet (is shift-traffic deployed to this stage, and the bus right?)`,
      );
    }
    if (tty) {
      const bar = progressBar(ours, app, now, id);
      if (bar !== lastBar) {
        write(`\r\x1b[2K${bar}`);
        lastBar = bar;
      }
    }
    if (elapsed >= options.timeoutSeconds) {
      const waited = formatDuration(options.timeoutSeconds);
      return ours
        ? finish(
            EXIT.failed,
            'timed-out',
            `still ${ours.stage} after ${waited}`,
            `${app.name}: ${id} still ${ours.stage} after ${waited}${weightsText(ours) ? ` (${weightsText(ours)})` : ''}; it keeps running: \`ecs-autopilot status ${app.name}\``,
          )
        : finish(
            EXIT.failed,
            'timed-out',
            `not started after ${waited}`,
            `${app.name}: ${id} has not started after ${waited} and was not rejected; it may still start: \`ecs-autopilot status ${app.name}\``,
          );
    }
    await deps.sleep(Math.min(pollMs, Math.max(0, (options.timeoutSeconds - elapsed) * 1000)));
  }
}

// ── status ──

export interface StatusOptions {
  app?: string | undefined;
  automation: Automation;
  json?: boolean | undefined;
  /** How many past deployments `status <app>` lists. */
  historyLimit?: number | undefined;
}

export type StatusDeps = Pick<DeploymentDeps, 'store' | 'io' | 'now'>;

/** `status <app>`: the current or last deployment and the recent ones; `status`: one row per app. */
export async function statusCommand(options: StatusOptions, deps: StatusDeps): Promise<number> {
  const { io, store } = deps;
  const now = deps.now();
  if (options.app === undefined) {
    const apps = Object.values(options.automation.apps);
    const currents = await Promise.all(apps.map(async (app) => ({ app, deployment: await store.get(app.name) })));
    if (options.json) {
      io.out(
        JSON.stringify(
          currents.map(({ app, deployment }) => ({ app: app.name, deployment: deployment ?? null })),
          null,
          2,
        ),
      );
    } else if (apps.length === 0) io.out('automation.yml names no apps');
    else for (const line of table(overviewRows(currents), ['APP', 'STAGE', 'WEIGHTS', 'DEPLOYMENT', 'SINCE'])) io.out(line);
    return EXIT.ok;
  }
  const app = appOf(options.automation, options.app);
  const current = await store.get(app.name);
  const history = (await store.history(app.name, (options.historyLimit ?? 5) + 1)).filter((d) => d.id !== current?.id);
  const recent = history.slice(0, options.historyLimit ?? 5);
  if (options.json) io.out(JSON.stringify({ app: app.name, current: current ?? null, history: recent }, null, 2));
  else for (const line of statusLines(app, current, recent, now)) io.out(line);
  return EXIT.ok;
}

export function overviewRows(currents: { app: AppSpec; deployment: Deployment | undefined }[]): string[][] {
  return currents.map(({ app, deployment: d }) =>
    d
      ? [app.name, `${d.stage}${stepText(d, app)}`, weightsText(d) ?? '-', forTerminal(d.id), d.stageSince]
      : [app.name, 'no deployment', '-', '-', '-'],
  );
}

const relative = (now: Date, at: string) => {
  const delta = (new Date(at).getTime() - now.getTime()) / 1000;
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
};

/**
 * `status <app>` for people: the deployment field by field, its weight history, the promote and abort
 * requests, then the recent ones. Text from outside (the request's id, who requested, promoted or aborted
 * and why, the reasons AWS gave) is printed through forTerminal: no escape sequence or line break of its
 * own reaches the terminal.
 */
export function statusLines(app: AppSpec, current: Deployment | undefined, history: Deployment[], now: Date): string[] {
  if (!current) return [`${app.name}: no deployment recorded`];
  const d = current;
  const fields: [string, string | undefined][] = [
    ['stage', `${d.stage}${stepText(d, app)} since ${d.stageSince} (${relative(now, d.stageSince)})`],
    ['weights', weightsText(d)],
    ['pause ends', d.pauseEndsAt && !isFinal(d.stage) ? `${d.pauseEndsAt} (${relative(now, d.pauseEndsAt)})` : undefined],
    ['deadline', d.stageDeadline && !isFinal(d.stage) ? `${d.stageDeadline} (${relative(now, d.stageDeadline)})` : undefined],
    ['waiting for', isFinal(d.stage) || d.waitingFor === undefined ? undefined : forTerminal(d.waitingFor)],
    ['rolling back', d.stage === 'rolling-back' && d.rollbackReason !== undefined ? forTerminal(d.rollbackReason) : undefined],
    ['outcome', d.outcome ? `${d.outcome.status} at ${d.outcome.at}: ${forTerminal(d.outcome.reason)}` : undefined],
    ['requested', `${d.requestedAt}${d.requestedBy ? ` by ${forTerminal(d.requestedBy)}` : ''}`],
    ['retry of', d.retryOf === undefined ? undefined : forTerminal(d.retryOf)],
    ['undo of', d.undoOf === undefined ? undefined : forTerminal(d.undoOf)],
    ['version', newVersion(d)],
  ];
  const shown = fields.filter((field): field is [string, string] => field[1] !== undefined);
  const width = Math.max(...shown.map(([name]) => name.length));
  const lines = [`${app.name}: deployment ${forTerminal(d.id)}`, ...shown.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)];
  if (d.weights.length > 0) {
    lines.push('  weight history:');
    for (const change of d.weights) {
      const split = d.from && d.to ? `${d.from} ${100 - change.newPercent}% | ${d.to} ${change.newPercent}%` : `new ${change.newPercent}%`;
      lines.push(`    ${change.at}  ${split}  ${forTerminal(change.why)}`);
    }
  }
  if (d.test) lines.push(`  test listener: ${d.test.state}${d.test.note ? `: ${forTerminal(d.test.note)}` : ''}`);
  if (d.hooks && d.hooks.length > 0) {
    lines.push('  hooks:');
    for (const run of d.hooks) {
      const said = run.output ? `: ${forTerminal(run.output)}` : run.taskArn ? `: task ${forTerminal(run.taskArn)}` : '';
      lines.push(`    ${run.startedAt}  ${run.id} (${forTerminal(run.runs)}) ${run.status}${said}`);
    }
  }
  if (d.requests && d.requests.length > 0) {
    lines.push('  requests:');
    for (const request of d.requests) lines.push(`    ${request.at}  ${requestText(request, d)}`);
  }
  if (history.length > 0) {
    lines.push('recent deployments:');
    for (const line of table(
      history.map((h) => [forTerminal(h.id), h.stage, h.requestedAt, h.outcome?.at ?? '-', forTerminal(h.outcome?.reason ?? '')]),
      ['ID', 'OUTCOME', 'REQUESTED', 'ENDED', 'REASON'],
    ))
      lines.push(`  ${line}`);
  }
  return lines;
}

/** `promote step 1 by ana: ignored: step 1 is already passed: …`; the deployment named only when it is another one. */
function requestText(request: OperatorRequest, d: Deployment): string {
  const step = request.step === undefined ? '' : ` step ${request.step}`;
  const other = request.deploymentId !== undefined && request.deploymentId !== d.id ? ` of ${forTerminal(request.deploymentId)}` : '';
  const by = request.by ? ` by ${forTerminal(request.by)}` : '';
  return `${request.kind}${request.full ? ' --full' : ''}${step}${other}${by}: ${request.outcome}${request.reason ? `: ${forTerminal(request.reason)}` : ''}`;
}

// ── promote and abort ──

export interface RequestOptions {
  app: string;
  automation: Automation;
  json?: boolean | undefined;
}

export interface PromoteOptions extends RequestOptions {
  /** Skip every remaining step and pause: straight to 100% (then the bake). */
  full?: boolean | undefined;
}

export type RequestDeps = Pick<DeploymentDeps, 'bus' | 'store' | 'io' | 'now' | 'caller'>;

/** The active deployment, or the message saying there is none (exit 1, nothing put). */
async function activeDeployment(app: AppSpec, store: DeploymentReader, what: string): Promise<Deployment | string> {
  const d = await store.get(app.name);
  if (!d) return `${app.name}: no deployment to ${what}: none recorded`;
  if (isFinal(d.stage))
    return `${app.name}: no active deployment to ${what}: the last one, ${d.id}, ${d.stage} at ${d.outcome?.at ?? d.stageSince}`;
  return d;
}

/**
 * `promote <app>`: ends the current pause (a step's or the bake) early, or continues a held deployment; its gates are checked first. The
 * request names the deployment and the step read here, so a late or repeated one is ignored, never ends
 * the next pause. `--full` ends a step's pause and skips every step left: straight to 100%.
 */
export async function promoteCommand(options: PromoteOptions, deps: RequestDeps): Promise<number> {
  const app = appOf(options.automation, options.app);
  const { io } = deps;
  const d = await activeDeployment(app, deps.store, 'promote');
  if (typeof d === 'string') return refuse(io, d);
  if (d.stage !== 'paused' && d.stage !== 'baking' && d.stage !== 'held')
    return refuse(io, `${app.name}: ${d.id} is ${d.stage}, not in a pause: promote ends a pause between steps or the bake`);
  if (options.full && d.stage === 'baking')
    return refuse(io, `${app.name}: ${d.id} is baking at 100%: no step is left to skip (promote without --full ends the bake)`);
  const by = deps.caller ?? defaultCaller();
  const now = deps.now();
  const step = d.step + 1;
  const full = options.full ? true : undefined;
  await deps.bus.publish([
    {
      detailType: DEPLOYMENT_DETAIL_TYPES.promoteRequested,
      detail: withoutUndefined({ app: app.name, id: d.id, step, full, by }),
      time: now,
    },
  ]);
  if (options.json)
    io.out(
      JSON.stringify({
        type: 'promote-requested',
        at: now.toISOString(),
        app: app.name,
        id: d.id,
        step,
        ...(full && { full }),
        by,
        stage: d.stage,
      }),
    );
  else
    io.out(
      `${app.name}: ${full ? 'full promotion (straight to 100%)' : 'promotion'} of ${d.id} requested (${d.stage} at ${weightsText(d) ?? '?'}${stepText(d, app)}); follow it: ecs-autopilot status ${app.name}`,
    );
  return EXIT.ok;
}

export interface AbortOptions extends RequestOptions {
  reason?: string | undefined;
}

/** `abort <app>`: rolls the active deployment back now (or fails it if nothing changed yet); the request names it, so it never stops a later one. */
export async function abortCommand(options: AbortOptions, deps: RequestDeps): Promise<number> {
  const app = appOf(options.automation, options.app);
  const { io } = deps;
  const d = await activeDeployment(app, deps.store, 'abort');
  if (typeof d === 'string') return refuse(io, d);
  if (d.stage === 'rolling-back') {
    io.out(`${app.name}: ${d.id} is already rolling back (${d.rollbackReason ?? 'no reason recorded'}); nothing to do`);
    return EXIT.ok;
  }
  if (d.stage === 'finishing') {
    const old = d.from ? app.colours[d.from].service : 'the old colour';
    return refuse(
      io,
      `${app.name}: ${d.id} is finishing: the rollback window is over and ${old} is being scaled to 0, so it cannot take the traffic back; deploy the previous version instead`,
    );
  }
  const by = deps.caller ?? defaultCaller();
  const now = deps.now();
  const detail = withoutUndefined({ app: app.name, id: d.id, by, reason: options.reason });
  await deps.bus.publish([{ detailType: DEPLOYMENT_DETAIL_TYPES.abortRequested, detail, time: now }]);
  if (options.json) io.out(JSON.stringify({ type: 'abort-requested', at: now.toISOString(), ...detail, stage: d.stage }));
  else io.out(`${app.name}: abort of ${d.id} requested (it was ${d.stage}); follow the rollback: ecs-autopilot status ${app.name}`);
  return EXIT.ok;
}

export function refuse(io: Io, message: string): number {
  io.err(message);
  return EXIT.failed;
}
