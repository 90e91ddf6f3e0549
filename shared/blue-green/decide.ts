/**
 * The blue/green state machine: (deployment, event, now) → (deployment, actions). Pure; the handler
 * persists the result, applies the actions in order and feeds what they observed back in as events.
 *
 *   starting ─inspected─► deploying ─ready─► shifting ─weights read back─► paused ─pause over (or promoted)
 *   and gates pass─► shifting … (last step: 100%)──► baking ─bake over and gates pass─► rollback-window
 *   rollback-window ─window over─► finishing ─old colour at 0─► succeeded
 *   any stage with traffic or a new colour started ─alarm | failed gate | timeout | abort─► rolling-back
 *   rolling-back ─original forward action back and read back─► scale the new colour back ─► rolled-back
 *   (failed when no traffic had moved yet)
 *
 * Rules beyond the diagram:
 * - A gate alarm already in ALARM when a deployment starts: the deployment does not start (failed,
 *   nothing changed). Starting would make that alarm useless as a gate, and rolling back at once would
 *   churn the new colour for nothing.
 * - Weight never goes to a colour without healthy targets, nor to one that runs another revision than
 *   the one requested (ECS's circuit breaker may have rolled it back): each shift follows a readiness check.
 * - Every tick of a step, of the bake and of the rollback window checks the gates (alarms, target health,
 *   metrics), what the new colour runs and the listener's split, so a failure rolls back within a minute.
 * - The listener is ecs-autopilot's only while it splits the traffic as ecs-autopilot left it. Any other
 *   split (a person, another tool) stops the deployment, `failed` with an alert naming the change; the
 *   listener is never written over it. An app with several listeners (or rules) moves them in lockstep,
 *   each judged on its own: one that changed stops the deployment, named, and none is written.
 * - Promote and abort name the deployment they are for, a promote also the step; a stale one is ignored,
 *   recorded in the deployment and published (`Deployment Request Ignored`), never acted on. A promote
 *   `full` ends the pause and shifts straight to the last step (100%), the gates checked first.
 * - Retry and undo name the deployment they follow, the app's last one: retry one that failed or rolled
 *   back (its revision again), undo one that succeeded (the revision live before it). Either starts a new
 *   deployment like any request, linked to the one it follows; a stale one is ignored as above.
 * - A stage that outlives its deadline rolls back (or, once rolling back, fails loudly); the watchdog
 *   tick every minute notices.
 * - Test before traffic (hooks.ts): once the new colour is ready, the app's test listener is pointed at it
 *   (only over what it was at the start), then the beforeTraffic hook runs; afterStep runs after each step
 *   below 100%, afterTraffic after 100%, beforeScaleDown after the rollback window. A hook that fails or
 *   outlives its timeout rolls back, its output in the reason. The test listener is put back as it was
 *   when the deployment ends, whatever its outcome (only over what ecs-autopilot left on it).
 *   tick every minute notices. An until-promoted pause and a held deployment do what `onTimeout` says
 *   instead: roll back, promote, or hold (wait for a person, without a deadline).
 * - A metric check that is inconclusive (no data with onNoData: inconclusive, or just past its limit,
 *   gates.ts) rolls back, or with `gates.onInconclusive: pause` holds the deployment (`held`, alerted)
 *   until a person promotes (continue: the inconclusive check of that stage and step is accepted) or
 *   aborts (roll back). While held, every tick checks the gates: a clear failure still rolls back.
 * - A live colour with a scalable target: the new colour gets its bounds, the live colour's dynamic
 *   scale-in is suspended until the deployment ends (then its SuspendedState is put back exactly, as
 *   recorded in the deployment), and the new colour catches up with the live colour's count before it
 *   takes 100% (sizing.ts).
 * - Every event published has an id derived from the decision (`<deployment id>:started`, `:step:<n>`,
 *   `:<outcome>`, `:ignored:<request id>`): published again after a crash, it is the same event.
 */
import { clusterNameOf } from '../config/cluster.ts';
import type { Rejection } from '../state/deployment-rejections.ts';
import { describeRoute, describeSplit, firstRoute, liveColourOfRoutes, routeNotOurs, sameSplit, splitsFor } from './forward.ts';
import { gatesVerdict, healthVerdict } from './gates.ts';
import {
  describeHook,
  type HookRun,
  type HookStage,
  type HookVerdict,
  hookIdOf,
  lambdaVerdict,
  type TestForward,
  taskVerdict,
} from './hooks.ts';
import {
  type Action,
  type AppSpec,
  COLOURS,
  type Colour,
  DEPLOYMENT_DETAIL_TYPES,
  type Deployment,
  type DeploymentDetailType,
  type DeploymentEvent,
  type DeploymentOutcome,
  isFinal,
  type OperatorRequest,
  otherColour,
  type RouteSpec,
  routeKey,
  type Splits,
  type Stage,
  type Transition,
  type WeightedTargetGroup,
} from './model.ts';
import { requestRefusal, revisionRefusal } from './scope.ts';
import { newColourBounds, newColourCount } from './sizing.ts';

/** Reading the listener, the services and the alarms takes seconds; a minute of ticks is plenty. */
export const STARTING_SECONDS = 300;
/** A weight change is one API call and a read back. */
export const SHIFTING_SECONDS = 300;
/** Rolling back and scaling the old colour down are retried by every tick for this long. */
export const ROLLING_BACK_SECONDS = 900;
export const FINISHING_SECONDS = 900;
/** Added to the longest possible deployment for the services' lock, so a crashed one frees scaling eventually. */
const LOCK_MARGIN_SECONDS = 1_800;
/**
 * ECS's reads may lag a moment behind UpdateService: a new colour read running another revision this
 * soon after it was updated is still waiting; later, steady on another revision, it was rolled back.
 */
const ECS_SETTLE_SECONDS = 60;
/** How long a held deployment waits for a person by default (timeouts.hold). */
export const HOLD_SECONDS = 3_600;
/** The promote and abort requests a deployment keeps (a redelivery of an older one is then a new request). */
const REQUESTS_KEPT = 20;

const iso = (instant: Date) => instant.toISOString();
const after = (now: Date, seconds: number) => iso(new Date(now.getTime() + seconds * 1000));
const due = (now: Date, at: string | undefined) => at !== undefined && now.getTime() >= new Date(at).getTime();

/** What the handler read besides the deployment, for a deployment request: its rejection, if it was rejected before. */
export interface RequestHistory {
  earlierRejection?: Rejection | undefined;
}

export function transition(
  deployment: Deployment | undefined,
  event: DeploymentEvent,
  app: AppSpec,
  now: Date,
  history: RequestHistory = {},
): Transition {
  if (event.kind === 'requested') return request(deployment, event, app, now, history);
  if (event.kind === 'promote' || event.kind === 'abort') return operatorRequest(deployment, event, app, now);
  if (event.kind === 'retry' || event.kind === 'undo') return redeploy(deployment, event, app, now, history);
  // The test listener is put back as a deployment ends: what that found is recorded even once it ended.
  if (deployment && isFinal(deployment.stage) && (event.kind === 'test-forward-restored' || event.kind === 'test-forward-changed')) {
    return testForwardBack(deployment, app, event);
  }
  if (!deployment || isFinal(deployment.stage)) return unchanged(deployment);
  const d = deployment;
  switch (event.kind) {
    case 'alarm':
      if (!app.gates.alarms.includes(event.alarmName) || event.state !== 'ALARM') return unchanged(d);
      return stopFor(d, app, now, `alarm ${event.alarmName} entered ALARM${event.reason ? ` (${event.reason})` : ''}`);
    case 'tick':
      return tick(d, app, now);
    case 'action-failed':
      return actionFailed(d, app, now, event);
    case 'inspected':
      return inspected(d, app, now, event);
    case 'revision-refused':
      return d.stage === 'deploying' ? fail(d, app, now, `${event.reason}; nothing was registered or changed`) : unchanged(d);
    case 'revision-registered': {
      if (d.stage !== 'deploying') return unchanged(d);
      const registered = { ...d, taskDefinition: event.taskDefinition };
      return { deployment: registered, actions: [updateNewColour(registered)] };
    }
    case 'new-colour-updated':
      if (d.stage !== 'deploying') return unchanged(d);
      return { deployment: { ...d, taskDefinition: event.taskDefinition }, actions: [{ kind: 'check-ready', colour: to(d) }] };
    case 'service-changed':
      if (d.stage !== 'deploying' || event.service !== app.colours[to(d)].service) return unchanged(d);
      if (event.eventName === 'SERVICE_DEPLOYMENT_FAILED') {
        return rollBack(d, app, now, `ECS could not deploy ${event.service} (${event.eventName})`);
      }
      return { deployment: d, actions: [{ kind: 'check-ready', colour: to(d) }] };
    case 'ready-checked':
      return readyChecked(d, app, now, event);
    case 'weights-set':
      return weightsSet(d, app, now, event);
    case 'forward-changed':
      return listenerChanged(d, app, now, event.observed);
    case 'gates-checked':
      return gatesChecked(d, app, now, event);
    case 'forward-restored':
      if (d.stage !== 'rolling-back') return unchanged(d);
      if (!event.matches) {
        return {
          deployment: { ...d, waitingFor: `the original forward actions to read back (${describeSplits(event.observed, app)})` },
          actions: [],
        };
      }
      return {
        deployment: {
          ...d,
          forwardRestored: true,
          newPercent: 0,
          weights: d.forwardRestored || nothingShifted(d) ? d.weights : [...d.weights, { at: iso(now), newPercent: 0, why: 'rolled back' }],
          waitingFor: `${app.colours[to(d)].service} to scale back`,
        },
        actions: scaleBack(d),
      };
    case 'colour-scaled':
      return colourScaled(d, app, now, event);
    case 'test-forward-set':
      return testForwardSet(d, app, now, event);
    case 'test-forward-restored':
      return testForwardBack(d, app, event);
    case 'test-forward-changed':
      return d.stage === 'deploying' ? rollBack(d, app, now, testListenerChanged(d, app, event.observed)) : testForwardBack(d, app, event);
    case 'hook-started':
      return hookStarted(d, event);
    case 'hook-checked': {
      const run = runningHook(d, event.hook);
      const verdict = run && taskVerdict(event.facts, run.essential);
      return run && verdict ? hookEnded(d, app, now, run, verdict) : unchanged(d);
    }
    case 'hook-answered': {
      const run = runningHook(d, event.hook);
      const spec = run && app.hooks?.[run.stage];
      return run && spec ? hookEnded(d, app, now, run, lambdaVerdict(event.answer, spec.timeoutSeconds)) : unchanged(d);
    }
  }
}

function unchanged(deployment: Deployment | undefined): Transition {
  return { deployment, actions: [] };
}

const to = (d: Deployment): Colour => d.to ?? 'green';
const from = (d: Deployment): Colour => d.from ?? otherColour(to(d));

function enter(d: Deployment, stage: Stage, now: Date, deadlineSeconds?: number): Deployment {
  return {
    ...d,
    stage,
    stageSince: iso(now),
    stageDeadline: deadlineSeconds === undefined ? undefined : after(now, deadlineSeconds),
    pauseEndsAt: undefined,
    waitingFor: undefined,
  };
}

/** The facts every deployment event carries. */
function facts(d: Deployment, app: AppSpec): Record<string, unknown> {
  return {
    app: d.app,
    deploymentId: d.id,
    requestedAt: d.requestedAt,
    cluster: clusterNameOf(app.cluster),
    stage: d.stage,
    from: d.from,
    to: d.to,
    fromService: d.from && app.colours[d.from].service,
    toService: d.to && app.colours[d.to].service,
    taskDefinition: d.taskDefinition,
    newPercent: d.newPercent,
    step: d.step + 1,
    steps: app.steps.length,
    strategy: app.strategy,
    requestedBy: d.requestedBy,
    weights: d.weights,
    retryOf: d.retryOf,
    undoOf: d.undoOf,
  };
}

/** `id`: what the event reports, after the deployment's id (`started`, `step:2` …): the same decision, the same id. */
function publish(type: DeploymentDetailType, d: Deployment, app: AppSpec, what: string, extra: Record<string, unknown> = {}): Action {
  return { kind: 'publish', detailType: type, detail: { ...facts(d, app), ...extra }, id: `${d.id}:${what}` };
}

type RequestEvent = DeploymentEvent & { kind: 'requested' };

/**
 * A deployment request is acted on once, and only while it is the newest: the same request again
 * changes nothing, a rejected one stays rejected (its rejection is published again, in case the first
 * was lost), and one that already ran or was sent before the app's current or last deployment is
 * ignored and recorded in that deployment — a late redelivery never deploys an older version again.
 */
function request(current: Deployment | undefined, event: RequestEvent, app: AppSpec, now: Date, history: RequestHistory): Transition {
  if (current?.id === event.id) return unchanged(current); // the same request delivered again
  const stale = current && staleness(current, event);
  if (current && stale) return ignoreRequest(current, event, app, now, stale);
  const { earlierRejection } = history;
  if (earlierRejection) {
    return {
      ...rejection(current, event, app, earlierRejection.reason),
      rejected: { id: event.id, reason: earlierRejection.reason, recorded: true },
    };
  }
  return newRequest(current, event, app, now);
}

/** Why a request comes too late for the app's current or last deployment, if it does. */
function staleness(current: Deployment, event: RequestEvent): string | undefined {
  if (current.earlierIds?.includes(event.id)) {
    return `request ${event.id} already ran: it was an earlier deployment of ${current.app}, before ${current.id}; a request deploys once (send a new id to deploy it again)`;
  }
  const currentSent = current.requestSentAt ?? current.requestedAt;
  if (event.sentAt !== undefined && event.sentAt < currentSent) {
    return `request ${event.id} was sent at ${event.sentAt}, older than deployment ${current.id} (sent at ${currentSent}): a late delivery never replaces a newer request`;
  }
  return undefined;
}

function ignoreRequest(current: Deployment, event: RequestEvent, app: AppSpec, now: Date, reason: string): Transition {
  if (current.requests?.some((r) => r.kind === 'deploy' && r.requestId === event.id)) return unchanged(current);
  const record: OperatorRequest = {
    kind: 'deploy',
    requestId: event.id,
    at: iso(now),
    by: event.requestedBy,
    deploymentId: event.id,
    outcome: 'ignored',
    reason,
  };
  const next: Deployment = { ...current, requests: remember(current, record) };
  const request = { kind: 'deploy', requestId: event.id, deploymentId: event.id, by: event.requestedBy };
  return {
    deployment: next,
    actions: [publish(DEPLOYMENT_DETAIL_TYPES.requestIgnored, next, app, `ignored:${event.id}`, { request, reason })],
    // Recorded as a rejection too, so that `deploy --wait` for it ends.
    rejected: { id: event.id, reason },
  };
}

function rejection(current: Deployment | undefined, event: RequestEvent, app: AppSpec, reason: string): Transition {
  return {
    deployment: current,
    actions: [
      {
        kind: 'publish',
        detailType: DEPLOYMENT_DETAIL_TYPES.rejected,
        detail: { app: app.name, deploymentId: event.id, requestedBy: event.requestedBy, reason, activeDeploymentId: current?.id },
        id: `${event.id}:rejected`,
      },
    ],
    rejected: { id: event.id, reason },
  };
}

/** The ids of earlier deployments a deployment keeps, so a late duplicate of one is recognised. */
const EARLIER_IDS_KEPT = 50;

function newRequest(current: Deployment | undefined, event: RequestEvent, app: AppSpec, now: Date): Transition {
  const reject = (reason: string): Transition => rejection(current, event, app, reason);
  if (event.unexpectedFields) {
    return reject(
      `a deployment request carries only app, id, taskDefinition, images and requestedBy; this one also had ${event.unexpectedFields.join(', ')}`,
    );
  }
  if (current && !isFinal(current.stage)) {
    return reject(
      `deployment ${current.id} of ${app.name} is ${current.stage} (since ${current.stageSince}); one deployment runs at a time: wait for it, or abort it`,
    );
  }
  const images = event.images && Object.keys(event.images).length > 0 ? event.images : undefined;
  if (!event.taskDefinition === !images) {
    return reject('a deployment request names either a task definition ARN or images (container → image), exactly one of them');
  }
  const outOfScope = requestRefusal(app, event.taskDefinition, images);
  if (outOfScope) return reject(outOfScope);
  const deployment: Deployment = {
    app: app.name,
    id: event.id,
    version: 0,
    stage: 'starting',
    requestedAt: iso(now),
    // A request dated in the future counts as sent now: it must not make every later request look stale.
    requestSentAt: event.sentAt !== undefined && event.sentAt < iso(now) ? event.sentAt : iso(now),
    earlierIds: current ? [current.id, ...(current.earlierIds ?? [])].slice(0, EARLIER_IDS_KEPT) : undefined,
    requestedBy: event.requestedBy,
    taskDefinition: event.taskDefinition,
    images,
    step: -1,
    newPercent: 0,
    stageSince: iso(now),
    stageDeadline: after(now, STARTING_SECONDS),
    weights: [],
    outbox: [],
    updatedAt: iso(now),
  };
  return { deployment, actions: [{ kind: 'inspect' }] };
}

/** The longest a deployment can take: the services' lock expires then at the latest. */
export function longestDeploymentSeconds(app: AppSpec): number {
  const pauses = app.steps.reduce(
    (sum, step) => sum + (step.pause.kind === 'for' ? step.pause.seconds : app.timeouts.promoteSeconds) + SHIFTING_SECONDS,
    0,
  );
  const hooks = Object.entries(app.hooks ?? {}).reduce(
    (sum, [stage, hook]) => sum + hook.timeoutSeconds * (stage === 'afterStep' ? app.steps.length - 1 : 1),
    0,
  );
  return (
    STARTING_SECONDS + app.timeouts.readySeconds + pauses + hooks + app.rollbackWindowSeconds + FINISHING_SECONDS + LOCK_MARGIN_SECONDS
  );
}

function inspected(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'inspected' }): Transition {
  if (d.stage !== 'starting') return unchanged(d);
  if (!d.images && !event.requested) return fail(d, app, now, `task definition ${d.taskDefinition} could not be read; nothing was changed`);
  const refused = event.requested && revisionRefusal(app, event.requested);
  if (refused) return fail(d, app, now, `${refused}; nothing was changed`);
  const firing = event.alarmsInAlarm.filter((name) => app.gates.alarms.includes(name));
  if (firing.length > 0) {
    return fail(
      d,
      app,
      now,
      `gate alarm ${firing.join(', ')} is already in ALARM: a deployment does not start while a gate alarm fires (nothing was changed); resolve it and deploy again`,
    );
  }
  const serviceConnect = COLOURS.filter((colour) => event.services[colour].serviceConnect);
  if (serviceConnect.length > 0) {
    const names = serviceConnect.map((colour) => app.colours[colour].service).join(' and ');
    return fail(
      d,
      app,
      now,
      `${names} use${serviceConnect.length === 1 ? 's' : ''} Service Connect, whose traffic ecs-autopilot cannot shift between two services ` +
        "(ECS's public API gives no weights between services; only ECS's own blue/green deployment of one service shifts it): " +
        'nothing was changed; turn Service Connect off on both services, or deploy with ECS blue/green deployments',
    );
  }
  const live = liveColourOfRoutes(event.forward, app);
  if ('problem' in live) return fail(d, app, now, `${live.problem}; nothing was changed`);
  const fromColour = live.live;
  const toColour = otherColour(fromColour);
  let test: TestForward | undefined;
  if (app.test) {
    if (!event.testForward || event.testForward.targetGroups.length === 0) {
      return fail(
        d,
        app,
        now,
        `the test ${testOwner(app)} does not forward to a target group; make its action forward (to either colour) so it can point at the new one; nothing was changed`,
      );
    }
    test = { original: { targetGroups: event.testForward.targetGroups, raw: event.testForward.raw }, state: 'original' };
  }
  const liveService = event.services[fromColour];
  if (liveService.desiredCount < 1) {
    return fail(d, app, now, `the live service ${app.colours[fromColour].service} has no tasks (desiredCount 0); nothing was changed`);
  }
  const liveTarget = event.scalable?.[fromColour];
  const scaling = liveTarget && { live: liveTarget, newBefore: event.scalable?.[toColour] };
  const desiredCount = newColourCount(app, liveService.desiredCount, app.steps[0]?.weight ?? 100, scaling !== undefined);
  const next: Deployment = {
    ...enter(d, 'deploying', now, app.timeouts.readySeconds),
    from: fromColour,
    to: toColour,
    original: event.forward[app.rule ?? app.listener],
    originals: event.forward,
    liveBefore: liveService.taskDefinition,
    toBefore: { desiredCount: event.services[toColour].desiredCount, taskDefinition: event.services[toColour].taskDefinition },
    desiredCount,
    scaling,
    waitingFor: `${app.colours[toColour].service} to reach steady state with healthy targets`,
    ...(test && { test }),
  };
  return {
    deployment: next,
    actions: [
      { kind: 'lock-services', status: 'in-progress', expiresAt: after(now, longestDeploymentSeconds(app)) },
      publish(DEPLOYMENT_DETAIL_TYPES.started, next, app, 'started'),
      // Recorded above before either changes: the end of the deployment (or a replay) puts them back.
      ...(liveTarget
        ? ([
            { kind: 'set-scaling', colour: fromColour, suspended: { ...liveTarget.suspended, DynamicScalingInSuspended: true } },
            { kind: 'set-scaling', colour: toColour, ...newColourBounds(liveTarget, desiredCount), suspended: liveTarget.suspended },
          ] satisfies Action[])
        : []),
      // The revision from images is registered first and recorded: a replay updates the colour to that one.
      d.images ? { kind: 'register-revision', base: liveService.taskDefinition, images: d.images } : updateNewColour(next),
    ],
  };
}

function updateNewColour(d: Deployment): Action {
  return { kind: 'update-new-colour', colour: to(d), taskDefinition: d.taskDefinition ?? '', desiredCount: d.desiredCount ?? 0 };
}

/** `family:revision` of a task definition ARN (or of the name as given). */
const revisionOf = (taskDefinition: string) => taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1);

/** Whether the service runs the requested revision; `family:revision` as requested counts as its ARN. */
const runsRequested = (runs: string, requested: string | undefined) =>
  requested !== undefined && (runs === requested || revisionOf(runs) === revisionOf(requested));

function runsAnotherRevision(d: Deployment, app: AppSpec, runs: string): string {
  return (
    `${app.colours[to(d)].service} runs ${revisionOf(runs)}, not ${revisionOf(d.taskDefinition ?? '')} ` +
    '(ECS rolled it back, e.g. its deployment circuit breaker, or someone updated the service)'
  );
}

/** A deployment waiting, in words; the same deployment when it already said so (nothing to write). */
function waiting(d: Deployment, why: string): Transition {
  return { deployment: d.waitingFor === why ? d : { ...d, waitingFor: why }, actions: [] };
}

function readyChecked(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'ready-checked' }): Transition {
  if (d.stage !== 'deploying') return unchanged(d);
  if (!isOurs(d, app, event.forward)) return listenerChanged(d, app, now, event.forward);
  const service = app.colours[to(d)].service;
  if (d.taskDefinition === undefined) return waiting(d, `the revision with the requested images to be registered for ${service}`);
  if (!runsRequested(event.runs, d.taskDefinition)) {
    const settled = now.getTime() - new Date(d.stageSince).getTime() >= ECS_SETTLE_SECONDS * 1000;
    if (event.steady && settled) return rollBack(d, app, now, runsAnotherRevision(d, app, event.runs));
    return waiting(d, `${service} to run ${revisionOf(d.taskDefinition)} (it runs ${revisionOf(event.runs)})`);
  }
  const health = healthVerdict(event.health, app.gates.minHealthyTargets, service);
  if (!event.steady) return waiting(d, `${service} to reach steady state`);
  if (!health.pass) return waiting(d, `${service}'s targets: ${health.reason}`);
  // Sized up before a step (nextStep): the test listener and the beforeTraffic hook are behind it.
  if (d.resizingFor !== undefined) return shiftTo({ ...d, resizingFor: undefined }, app, now, d.resizingFor);
  if (d.test?.state === 'original') {
    const why = `the test ${testOwner(app)} to point at ${service}`;
    return { deployment: d.waitingFor === why ? d : { ...d, waitingFor: why }, actions: [{ kind: 'set-test-forward', colour: to(d) }] };
  }
  return beforeTraffic(d, app, now);
}

/** The new colour is ready (and the test listener points at it): the beforeTraffic hook, then the first step. */
function beforeTraffic(d: Deployment, app: AppSpec, now: Date): Transition {
  return app.hooks?.beforeTraffic ? startHook(d, app, now, 'beforeTraffic') : shiftTo(d, app, now, 0);
}

/**
 * The splits ecs-autopilot may have left on the routes: the weight reached, the one being set while
 * shifting, and the original one while rolling back. Each route is checked on its own (a crash between
 * two routes' writes leaves them at two of these): any other split on a route is someone else's.
 */
function splitsOurs(d: Deployment, app: AppSpec): Splits[] {
  const percents = new Set([d.newPercent]);
  const target = d.shiftingTo === undefined ? undefined : app.steps[d.shiftingTo]?.weight;
  if (target !== undefined) percents.add(target);
  if (d.stage === 'rolling-back') percents.add(0);
  return [...percents].map((percent) => splitsFor(app, from(d), to(d), percent));
}

const isOurs = (d: Deployment, app: AppSpec, observed: Splits) => routeNotOurs(app, observed, splitsOurs(d, app)) === undefined;

/** `the default action of listener …: blue 90% / green 10%; rule …: …`, every route's split. */
const describeSplits = (splits: Splits, app: AppSpec) =>
  app.routes.map((route) => `${describeRoute(route)}: ${describeSplit(splits[routeKey(route)] ?? [], route)}`).join('; ');

/**
 * A route splits the traffic as nobody in ecs-autopilot left it: someone took it over. Stop here,
 * failed, and touch nothing more — no route, neither colour — naming the route that changed and how.
 */
function listenerChanged(d: Deployment, app: AppSpec, now: Date, observed: Splits, changed?: RouteSpec): Transition {
  const route = changed ?? routeNotOurs(app, observed, splitsOurs(d, app)) ?? app.routes[0];
  if (!route) return fail(d, app, now, `apps.${app.name} names no listener`);
  const key = routeKey(route);
  const set = describeSplit(splitsFor(app, from(d), to(d), d.newPercent)[key] ?? [], route);
  const during = d.stage === 'rolling-back' ? ` while rolling back (${d.rollbackReason ?? 'no reason recorded'})` : '';
  return fail(
    d,
    app,
    now,
    `${describeRoute(route)} was changed outside ecs-autopilot: it sends ${describeSplit(observed[key] ?? [], route)} where ecs-autopilot had set ${set}${during}; ` +
      `the deployment stops and changes nothing more: ${app.colours[from(d)].service} and ${app.colours[to(d)].service} keep running as they are. ` +
      'Settle the split you want, scale down the colour you do not keep, then deploy again',
  );
}

function shiftTo(d: Deployment, app: AppSpec, now: Date, stepIndex: number): Transition {
  const step = app.steps[stepIndex];
  if (!step) return unchanged(d);
  const next: Deployment = { ...enter(d, 'shifting', now, SHIFTING_SECONDS), shiftingTo: stepIndex };
  return { deployment: next, actions: [setWeights(next, app, step.weight)] };
}

function setWeights(d: Deployment, app: AppSpec, newPercent: number): Action {
  return { kind: 'set-weights', targetGroups: splitsFor(app, from(d), to(d), newPercent), ours: splitsOurs(d, app) };
}

function weightsSet(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'weights-set' }): Transition {
  if (d.stage !== 'shifting' || d.shiftingTo === undefined) return unchanged(d);
  // Read back otherwise than written: something else changed it in between.
  const misread = app.routes.find((route) => !sameSplit(event.expected[routeKey(route)] ?? [], event.observed[routeKey(route)] ?? []));
  if (misread) return listenerChanged(d, app, now, event.observed, misread);
  const stepIndex = d.shiftingTo;
  const step = app.steps[stepIndex];
  if (!step) return unchanged(d);
  const last = stepIndex === app.steps.length - 1;
  const reached: Deployment = {
    ...d,
    step: stepIndex,
    shiftingTo: undefined,
    newPercent: step.weight,
    weights: [...d.weights, { at: iso(now), newPercent: step.weight, why: `step ${stepIndex + 1} of ${app.steps.length}` }],
  };
  const hook: HookStage = last ? 'afterTraffic' : 'afterStep';
  const next = app.hooks?.[hook] ? startHook(reached, app, now, hook) : { deployment: holdStep(reached, app, now), actions: [] };
  const held = next.deployment ?? reached;
  return {
    deployment: held,
    actions: [publish(DEPLOYMENT_DETAIL_TYPES.stepCompleted, held, app, `step:${stepIndex + 1}`), ...next.actions],
  };
}

/** The step reached is held: its pause (or until promoted), or the bake after 100%. */
function holdStep(d: Deployment, app: AppSpec, now: Date): Deployment {
  const step = app.steps[d.step];
  const last = d.step === app.steps.length - 1;
  const held = enter(d, last ? 'baking' : 'paused', now, step?.pause.kind === 'for' ? undefined : app.timeouts.promoteSeconds);
  return step?.pause.kind === 'for'
    ? { ...held, pauseEndsAt: after(now, step.pause.seconds), waitingFor: last ? 'the bake to end' : 'the pause to end' }
    : { ...held, waitingFor: '`ecs-autopilot promote`' };
}

/** The gates of the weight held: metrics over their window since that weight was reached. */
function checkGates(d: Deployment): Action {
  return { kind: 'check-gates', colour: to(d), since: d.weights.at(-1)?.at };
}

/** At every tick of a pause, the bake and the rollback window: a failure rolls back now; the stage ends when its time is up. */
function gatesChecked(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'gates-checked' }): Transition {
  const checked: Stage[] = ['paused', 'baking', 'rollback-window', 'held', 'hook'];
  if (!checked.includes(d.stage) || (d.stage === 'hook' && d.newPercent === 0)) return unchanged(d);
  if (!isOurs(d, app, event.forward)) return listenerChanged(d, app, now, event.forward);
  if (!runsRequested(event.runs, d.taskDefinition)) return rollBack(d, app, now, runsAnotherRevision(d, app, event.runs));
  const verdict = gatesVerdict(app, event, app.colours[to(d)].service);
  if (!verdict.pass && !(verdict.inconclusive && d.inconclusiveAccepted === partOf(d))) {
    if (!verdict.inconclusive || app.gates.onInconclusive !== 'pause')
      return rollBack(d, app, now, `gate failed at ${d.newPercent}%: ${verdict.reason}`);
    return hold(d, app, now, `gate inconclusive at ${d.newPercent}%: ${verdict.reason}`, holdSeconds(app));
  }
  // Held: only a person (or the hold's deadline) moves it on, whatever the gates say now; a hook, its verdict.
  if (d.stage === 'held' || d.stage === 'hook') return unchanged(d);
  if (d.stage === 'rollback-window') return due(now, d.pauseEndsAt) ? beforeScaleDown(d, app, now) : unchanged(d);
  if (!due(now, d.pauseEndsAt) && d.promotedStep !== d.step) return unchanged(d);
  if (d.stage === 'paused') {
    const index = d.promotedStep === d.step && d.promotedFull ? app.steps.length - 1 : d.step + 1;
    return nextStep(d, app, now, index, event.liveDesiredCount);
  }
  if (app.rollbackWindowSeconds === 0) return beforeScaleDown(d, app, now);
  const next: Deployment = {
    ...enter(d, 'rollback-window', now),
    pauseEndsAt: after(now, app.rollbackWindowSeconds),
    waitingFor: `the rollback window to end (${app.colours[from(d)].service} keeps running until then)`,
  };
  return { deployment: next, actions: [] };
}

function beforeScaleDown(d: Deployment, app: AppSpec, now: Date): Transition {
  return app.hooks?.beforeScaleDown ? startHook(d, app, now, 'beforeScaleDown') : finish(d, now);
}

/**
 * To the next step, the new colour sized for it first (sizing.ts) when it needs more tasks: it is then
 * `deploying` again until they are steady and healthy, as before the first step. That wait is not in
 * longestDeploymentSeconds, so the services' lock is taken again for as long as the rest could last.
 */
function nextStep(d: Deployment, app: AppSpec, now: Date, index: number, liveCount: number | undefined): Transition {
  const weight = app.steps[index]?.weight ?? 100;
  const current = d.desiredCount ?? 0;
  const wanted = newColourCount(app, liveCount ?? current, weight, d.scaling !== undefined, current);
  if (wanted <= current) return shiftTo(d, app, now, index);
  const service = app.colours[to(d)].service;
  const next: Deployment = {
    ...enter(d, 'deploying', now, app.timeouts.readySeconds),
    desiredCount: wanted,
    resizingFor: index,
    waitingFor: `${service} to run ${wanted} healthy task(s) before step ${index + 1} (${weight}%)`,
  };
  const bounds: Action[] = d.scaling ? [{ kind: 'set-scaling', colour: to(d), ...newColourBounds(d.scaling.live, wanted) }] : [];
  const lock: Action = { kind: 'lock-services', status: 'in-progress', expiresAt: after(now, longestDeploymentSeconds(app)) };
  return { deployment: next, actions: [lock, ...bounds, updateNewColour(next)] };
}

/** What a person's promote of a held deployment accepts: the inconclusive gates of this stage at this step. */
const partOf = (d: Deployment): string => `${d.held?.from ?? d.stage}:${d.step}`;

const holdSeconds = (app: AppSpec) => app.timeouts.holdSeconds ?? HOLD_SECONDS;

/**
 * Holds the deployment for a person, alerting: `promote` continues, `abort` rolls back; `deadlineSeconds`
 * (undefined: none) ends it as onTimeout says. The services' lock is taken again for as long as the rest
 * of a deployment could last, so scheduled scaling keeps waiting.
 */
function hold(d: Deployment, app: AppSpec, now: Date, reason: string, deadlineSeconds: number | undefined): Transition {
  if (d.stage !== 'paused' && d.stage !== 'baking' && d.stage !== 'rollback-window') return unchanged(d);
  const next: Deployment = {
    ...enter(d, 'held', now, deadlineSeconds),
    pauseEndsAt: d.pauseEndsAt,
    held: { from: d.stage, reason, since: iso(now) },
    waitingFor: '`ecs-autopilot promote` (continue) or `ecs-autopilot abort` (roll back)',
  };
  return {
    deployment: next,
    actions: [
      { kind: 'lock-services', status: 'in-progress', expiresAt: after(now, longestDeploymentSeconds(app) + (deadlineSeconds ?? 0)) },
      publish(DEPLOYMENT_DETAIL_TYPES.held, next, app, `held:${d.stage}:${d.step + 1}`, {
        reason,
        heldFrom: d.stage,
        deadline: next.stageDeadline,
        onTimeout: app.onTimeout ?? 'rollback',
        alert: heldAlert(app),
      }),
    ],
  };
}

/** A held deployment's alert: a person is asked to promote or abort. */
const heldAlert = (app: AppSpec) => ({
  cluster: clusterNameOf(app.cluster),
  subject: { kind: 'app', name: app.name },
  category: 'deployment-held',
  severity: 'warning',
});

/** Back to what a held deployment was doing, promoted: an inconclusive gate there no longer holds it; the gates are checked now. */
function resume(d: Deployment, now: Date): Transition {
  if (d.stage !== 'held' || !d.held) return unchanged(d);
  const stage = d.held.from;
  const next: Deployment = {
    ...d,
    stage,
    stageSince: iso(now),
    stageDeadline: undefined,
    held: undefined,
    inconclusiveAccepted: partOf(d),
    promotedStep: stage === 'rollback-window' ? d.promotedStep : d.step,
    waitingFor: stage === 'rollback-window' ? 'the rollback window to end' : 'the gates to pass',
  };
  return { deployment: next, actions: [checkGates(next)] };
}

/** Nobody answered: an until-promoted pause at timeouts.promote, or a held deployment at its deadline. */
function timedOut(d: Deployment, app: AppSpec, now: Date): Transition {
  const onTimeout = app.onTimeout ?? 'rollback';
  const what =
    d.stage === 'held'
      ? `held for ${holdSeconds(app)}s (${d.held?.reason ?? 'no reason recorded'}) without a promote or abort`
      : `no promote within ${app.timeouts.promoteSeconds}s of reaching ${d.newPercent}%`;
  if (onTimeout === 'rollback') return rollBack(d, app, now, what);
  if (onTimeout === 'promote') {
    if (d.stage === 'held') return resume(d, now);
    const next: Deployment = { ...d, stageDeadline: undefined, promotedStep: d.step };
    return { deployment: next, actions: [checkGates(next)] };
  }
  if (d.stage !== 'held') return hold(d, app, now, `${what} (onTimeout: hold)`, undefined);
  const next: Deployment = { ...d, stageDeadline: undefined };
  const reason = `${what}; onTimeout: hold: it waits for a person, without a deadline`;
  return {
    deployment: next,
    actions: [
      publish(DEPLOYMENT_DETAIL_TYPES.held, next, app, `held:${d.held?.from ?? d.stage}:${d.step + 1}:unanswered`, {
        reason,
        heldFrom: d.held?.from,
        onTimeout,
        alert: heldAlert(app),
      }),
    ],
  };
}

function finish(d: Deployment, now: Date): Transition {
  const next: Deployment = { ...enter(d, 'finishing', now, FINISHING_SECONDS) };
  return { deployment: next, actions: [...restoreTest(d), { kind: 'scale-colour', colour: from(d), desiredCount: 0 }] };
}

function colourScaled(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'colour-scaled' }): Transition {
  if (d.stage === 'finishing' && event.colour === from(d)) {
    return end(d, app, now, {
      status: 'succeeded',
      reason: `${app.colours[to(d)].service} takes all the traffic; ${app.colours[from(d)].service} scaled to 0`,
    });
  }
  if (d.stage === 'rolling-back' && event.colour === to(d)) {
    const reason = d.rollbackReason ?? 'rolled back';
    // Nothing to roll back for those who rely on the traffic: the request failed.
    return nothingShifted(d)
      ? end(d, app, now, {
          status: 'failed',
          reason: `${reason}; no traffic had moved: ${app.colours[to(d)].service} is back to what it ran before`,
        })
      : end(d, app, now, { status: 'rolled-back', reason });
  }
  return unchanged(d);
}

function tick(d: Deployment, app: AppSpec, now: Date): Transition {
  const overdue = due(now, d.stageDeadline);
  switch (d.stage) {
    case 'starting':
      return overdue
        ? fail(d, app, now, `starting took longer than ${STARTING_SECONDS}s (the listener, services or alarms could not be read)`)
        : { deployment: d, actions: [{ kind: 'inspect' }] };
    case 'deploying':
      if (overdue) {
        return rollBack(
          d,
          app,
          now,
          `${app.colours[to(d)].service} was not ready within ${app.timeouts.readySeconds}s: still waiting for ${d.waitingFor ?? 'steady state'}`,
        );
      }
      return { deployment: d, actions: [{ kind: 'check-ready', colour: to(d) }] };
    case 'shifting': {
      if (overdue)
        return rollBack(d, app, now, `the weight change to step ${(d.shiftingTo ?? 0) + 1} did not complete within ${SHIFTING_SECONDS}s`);
      const step = app.steps[d.shiftingTo ?? 0];
      return step ? { deployment: d, actions: [setWeights(d, app, step.weight)] } : unchanged(d);
    }
    case 'paused':
    case 'baking':
    case 'held':
      if (overdue) return timedOut(d, app, now);
      return { deployment: d, actions: [checkGates(d)] };
    case 'rollback-window':
      return { deployment: d, actions: [checkGates(d)] };
    case 'finishing':
      if (overdue) {
        return end(d, app, now, {
          status: 'succeeded',
          reason: `${app.colours[to(d)].service} takes all the traffic, but ${app.colours[from(d)].service} could not be scaled to 0: scale it down by hand`,
        });
      }
      return { deployment: d, actions: [...restoreTest(d), { kind: 'scale-colour', colour: from(d), desiredCount: 0 }] };
    case 'rolling-back':
      if (overdue) return fail(d, app, now, rollbackStuck(d, app));
      return { deployment: d, actions: [...(d.forwardRestored ? scaleBack(d) : [restoreForward(d, app)]), ...restoreTest(d)] };
    case 'hook':
      return hookTick(d, app, now, overdue);
    default:
      return unchanged(d);
  }
}

function rollbackStuck(d: Deployment, app: AppSpec): string {
  return (
    `the rollback (${d.rollbackReason ?? 'no reason recorded'}) could not complete within ${ROLLING_BACK_SECONDS}s: ` +
    `${d.waitingFor ?? 'an AWS call kept failing'}; put the listener's forward action back by hand (all traffic to ` +
    `${app.colours[from(d)].service}) and scale ${app.colours[to(d)].service} down`
  );
}

function actionFailed(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'action-failed' }): Transition {
  switch (d.stage) {
    case 'starting':
      return fail(d, app, now, `${event.error}; nothing was changed`);
    case 'rolling-back':
    case 'finishing':
      // Retried by every tick until the stage's deadline.
      return { deployment: { ...d, waitingFor: `a retry of ${event.action}, which failed: ${event.error}` }, actions: [] };
    default:
      return rollBack(d, app, now, `${event.action} failed: ${event.error}`);
  }
}

/** An alarm or abort: roll back once anything may have changed, or fail a deployment that changed nothing yet. */
function stopFor(d: Deployment, app: AppSpec, now: Date, reason: string): Transition {
  switch (d.stage) {
    case 'starting':
      return fail(d, app, now, `${reason} before anything was changed`);
    case 'rolling-back':
      return unchanged(d);
    case 'finishing':
      // The rollback window is over: the old colour is being scaled to zero and can no longer take the traffic.
      return unchanged(d);
    default:
      return rollBack(d, app, now, reason);
  }
}

/** Rolls back; `shiftingTo` stays, so that the weight being set then still counts as one ecs-autopilot may have left. */
function rollBack(d: Deployment, app: AppSpec, now: Date, reason: string): Transition {
  const next: Deployment = {
    ...enter(d, 'rolling-back', now, ROLLING_BACK_SECONDS),
    rollbackReason: reason,
    forwardRestored: false,
    waitingFor: 'the original forward action to be back',
  };
  return { deployment: next, actions: [restoreForward(next, app), ...restoreTest(next)] };
}

function restoreForward(d: Deployment, app: AppSpec): Action {
  return { kind: 'restore-forward', ours: splitsOurs(d, app) };
}

/** No weight ever reached the new colour, nor was being set: the request changed no traffic. */
const nothingShifted = (d: Deployment) => d.weights.length === 0 && d.shiftingTo === undefined;

/**
 * The new colour back to what it ran before the deployment: its task definition and count (usually zero
 * tasks), its scalable target first (as it was; without one before, a minimum of 0), so that
 * Application Auto Scaling does not hold it at the live colour's minimum.
 */
function scaleBack(d: Deployment): Action[] {
  const before = d.scaling?.newBefore;
  const bounds: Action[] = !d.scaling
    ? []
    : before
      ? [{ kind: 'set-scaling', colour: to(d), min: before.min, max: before.max, suspended: before.suspended }]
      : [{ kind: 'set-scaling', colour: to(d), min: 0 }];
  return [
    ...bounds,
    { kind: 'scale-colour', colour: to(d), desiredCount: d.toBefore?.desiredCount ?? 0, taskDefinition: d.toBefore?.taskDefinition },
  ];
}

/**
 * The live colour's SuspendedState as it was before the deployment (it suspended dynamic scale-in).
 * After a success that colour is the idle one, at 0 tasks: its minimum becomes 0 too, so that
 * Application Auto Scaling does not bring it back up.
 */
function restoreScaling(d: Deployment, status: DeploymentOutcome['status']): Action[] {
  if (!d.scaling || d.from === undefined) return [];
  return [{ kind: 'set-scaling', colour: d.from, suspended: d.scaling.live.suspended, ...(status === 'succeeded' && { min: 0 }) }];
}

function fail(d: Deployment, app: AppSpec, now: Date, reason: string): Transition {
  return end(d, app, now, { status: 'failed', reason });
}

function end(d: Deployment, app: AppSpec, now: Date, outcome: Omit<DeploymentOutcome, 'at'>): Transition {
  const stage: Stage = outcome.status;
  const next: Deployment = { ...enter(d, stage, now), outcome: { ...outcome, at: iso(now) } };
  const type =
    outcome.status === 'succeeded'
      ? DEPLOYMENT_DETAIL_TYPES.succeeded
      : outcome.status === 'rolled-back'
        ? DEPLOYMENT_DETAIL_TYPES.rolledBack
        : DEPLOYMENT_DETAIL_TYPES.failed;
  const alert =
    outcome.status === 'succeeded'
      ? {}
      : {
          alert: {
            cluster: clusterNameOf(app.cluster),
            subject: { kind: 'app', name: app.name },
            category: outcome.status === 'failed' ? 'deployment-failed' : 'deployment-rolled-back',
            severity: outcome.status === 'failed' ? 'critical' : 'warning',
          },
        };
  // The test listener is put back whatever the outcome (a rollback and a success have put it back already).
  const actions: Action[] = [...restoreTest(d)];
  // Only a deployment that took the lock releases it (one that failed while starting never took it).
  if (d.from !== undefined) actions.push({ kind: 'lock-services', status: 'released' });
  actions.push(...restoreScaling(d, outcome.status));
  const failedHook = d.hooks?.at(-1)?.status === 'failed' ? d.hooks.at(-1) : undefined;
  const tested = {
    ...(d.test && { testListener: { state: d.test.state, ...(d.test.note && { note: d.test.note }) } }),
    ...(d.hooks && { hooks: d.hooks }),
    ...(failedHook && { failedHook }),
  };
  actions.push(publish(type, next, app, outcome.status, { reason: outcome.reason, ...tested, ...alert }));
  return { deployment: next, actions };
}

// ── Promote and abort: from people, naming what they are for ──

type OperatorEvent = DeploymentEvent & { kind: 'promote' | 'abort' };

const remember = (d: Deployment, request: OperatorRequest): OperatorRequest[] => [...(d.requests ?? []), request].slice(-REQUESTS_KEPT);

function requestRecord(event: OperatorEvent, now: Date, outcome: OperatorRequest['outcome'], reason?: string): OperatorRequest {
  return {
    kind: event.kind,
    requestId: event.requestId,
    at: iso(now),
    by: event.by,
    deploymentId: event.deploymentId,
    step: event.kind === 'promote' ? event.step : undefined,
    full: event.kind === 'promote' && event.full ? true : undefined,
    outcome,
    reason,
  };
}

/** What an ignored request asked, as `Deployment Request Ignored` carries it. */
const requestFacts = (event: OperatorEvent) => ({
  kind: event.kind,
  requestId: event.requestId,
  deploymentId: event.deploymentId,
  step: event.kind === 'promote' ? event.step : undefined,
  full: event.kind === 'promote' && event.full ? true : undefined,
  by: event.by,
});

function operatorRequest(d: Deployment | undefined, event: OperatorEvent, app: AppSpec, now: Date): Transition {
  if (!d) {
    // Nothing to record it in: the event says it all.
    const reason = `app ${app.name} has no deployment`;
    return {
      deployment: undefined,
      actions: [
        {
          kind: 'publish',
          detailType: DEPLOYMENT_DETAIL_TYPES.requestIgnored,
          detail: { app: app.name, request: requestFacts(event), reason },
          id: `${app.name}:ignored:${event.requestId}`,
        },
      ],
    };
  }
  // The same event delivered again: it was taken (or ignored) once.
  if (d.requests?.some((r) => r.requestId === event.requestId)) return unchanged(d);
  if (event.deploymentId !== undefined && event.deploymentId !== d.id) {
    return ignore(
      d,
      event,
      app,
      now,
      `the request is for deployment ${event.deploymentId}, not ${d.id}, the app's ${isFinal(d.stage) ? 'last' : 'current'} one`,
    );
  }
  if (isFinal(d.stage))
    return ignore(d, event, app, now, `deployment ${d.id} already ended: ${d.stage} at ${d.outcome?.at ?? d.stageSince}`);
  return event.kind === 'promote' ? promote(d, event, app, now) : abort(d, event, app, now);
}

function ignore(d: Deployment, event: OperatorEvent, app: AppSpec, now: Date, reason: string): Transition {
  const next: Deployment = { ...d, requests: remember(d, requestRecord(event, now, 'ignored', reason)) };
  return {
    deployment: next,
    actions: [
      publish(DEPLOYMENT_DETAIL_TYPES.requestIgnored, next, app, `ignored:${event.requestId}`, { request: requestFacts(event), reason }),
    ],
  };
}

/** How a request that named no deployment (an older pipeline) was taken. */
const takenWithoutId = (what: string) => `named no deployment (an older pipeline): taken for ${what}`;

/** Pauses already over: a promote for one of them is stale. */
function pausesPassed(d: Deployment, app: AppSpec): number {
  switch (d.stage) {
    case 'paused':
    case 'baking':
    case 'held':
      return d.step;
    case 'shifting':
    case 'rolling-back':
      return d.step + 1;
    case 'rollback-window':
    case 'finishing':
      return app.steps.length;
    default:
      return 0;
  }
}

function promote(d: Deployment, event: OperatorEvent & { kind: 'promote' }, app: AppSpec, now: Date): Transition {
  const current = d.step + 1;
  const where = `${d.id} is ${d.stage} at step ${current} of ${app.steps.length}`;
  if (event.step !== undefined && event.step <= pausesPassed(d, app)) {
    return ignore(d, event, app, now, `step ${event.step} is already passed: ${where}`);
  }
  if (d.stage !== 'paused' && d.stage !== 'baking' && d.stage !== 'held') {
    return ignore(d, event, app, now, `${d.id} is ${d.stage}, not in a pause: promote ends a pause between steps or the bake`);
  }
  if (event.step !== undefined && event.step !== current) {
    return ignore(d, event, app, now, `step ${event.step} is not reached yet: ${where}`);
  }
  if (d.stage !== 'held' && d.promotedStep === d.step) {
    return ignore(d, event, app, now, `the pause of step ${current} is already promoted: it ends once the gates pass`);
  }
  if (event.full && d.stage === 'baking') {
    return ignore(d, event, app, now, `${d.id} is baking at 100%: no step is left to skip (a promote without --full ends the bake)`);
  }
  const note = event.deploymentId === undefined ? takenWithoutId(`step ${current} of ${d.id}`) : undefined;
  const requests = remember(d, requestRecord(event, now, 'taken', note));
  const promotedFull = event.full ? true : undefined;
  if (d.stage === 'held') return resume({ ...d, promotedFull, requests }, now);
  const next: Deployment = { ...d, promotedStep: d.step, promotedFull, requests };
  return { deployment: next, actions: [checkGates(next)] };
}

function abort(d: Deployment, event: OperatorEvent & { kind: 'abort' }, app: AppSpec, now: Date): Transition {
  if (d.stage === 'rolling-back') {
    return ignore(d, event, app, now, `${d.id} is already rolling back (${d.rollbackReason ?? 'no reason recorded'})`);
  }
  if (d.stage === 'finishing') {
    return ignore(
      d,
      event,
      app,
      now,
      `${d.id} is finishing: the rollback window is over and ${app.colours[from(d)].service} is being scaled to 0, so it cannot take the traffic back; deploy the previous version instead`,
    );
  }
  const note = event.deploymentId === undefined ? takenWithoutId(d.id) : undefined;
  const taken: Deployment = { ...d, requests: remember(d, requestRecord(event, now, 'taken', note)) };
  return stopFor(taken, app, now, `aborted${event.by ? ` by ${event.by}` : ''}${event.reason ? `: ${event.reason}` : ''}`);
}

// ── Retry and undo: a new deployment of a revision the app's last deployment names ──

type RedeployEvent = DeploymentEvent & { kind: 'retry' | 'undo' };

/**
 * `retry` deploys again the revision of a deployment that failed or rolled back (the one it registered
 * or was asked for; its images, if it never got as far as registering them); `undo` deploys the revision
 * that was live before a deployment that succeeded. Each names that deployment, which must be the app's
 * last one, and starts deployment `id` like any request (scope, steps, gates), linked to it. Anything
 * else is ignored like a stale request: recorded in the app's deployment, published, and recorded as a
 * rejection so that `--wait` for it ends.
 */
function redeploy(current: Deployment | undefined, event: RedeployEvent, app: AppSpec, now: Date, history: RequestHistory): Transition {
  if (current?.id === event.id) return unchanged(current); // the same request delivered again
  if (current?.requests?.some((r) => r.requestId === event.id)) return unchanged(current); // ignored once already
  const asRequest: RequestEvent = { kind: 'requested', id: event.id, sentAt: event.sentAt, requestedBy: event.by };
  const stale = current && staleness(current, asRequest);
  if (current && stale) return ignoreRedeploy(current, event, app, now, stale);
  if (history.earlierRejection) {
    const reason = history.earlierRejection.reason;
    return { ...rejection(current, asRequest, app, reason), rejected: { id: event.id, reason, recorded: true } };
  }
  if (!current) {
    const reason = `app ${app.name} has no deployment to ${event.kind}`;
    return {
      deployment: undefined,
      actions: [
        {
          kind: 'publish',
          detailType: DEPLOYMENT_DETAIL_TYPES.requestIgnored,
          detail: { app: app.name, request: redeployFacts(event), reason },
          id: `${app.name}:ignored:${event.id}`,
        },
      ],
      rejected: { id: event.id, reason },
    };
  }
  const refusal = redeployRefusal(current, event);
  if (refusal) return ignoreRedeploy(current, event, app, now, refusal);
  const artifact =
    event.kind === 'undo'
      ? { taskDefinition: current.liveBefore }
      : current.taskDefinition
        ? { taskDefinition: current.taskDefinition }
        : { images: current.images };
  const started = newRequest(current, { ...asRequest, ...artifact }, app, now);
  if (!started.deployment || started.deployment === current) return started;
  const link = event.kind === 'retry' ? { retryOf: current.id } : { undoOf: current.id };
  return { ...started, deployment: { ...started.deployment, ...link } };
}

/** Why a retry or undo does not follow the app's last deployment, or undefined when it does. */
function redeployRefusal(current: Deployment, event: RedeployEvent): string | undefined {
  const last = isFinal(current.stage) ? 'last' : 'current';
  if (event.deploymentId !== current.id) {
    return `the ${event.kind} is for deployment ${event.deploymentId}, not ${current.id}, the app's ${last} one`;
  }
  if (!isFinal(current.stage)) return `${current.id} is still ${current.stage}: a ${event.kind} follows a deployment that ended`;
  if (event.kind === 'retry' && current.stage === 'succeeded') {
    return `${current.id} succeeded: there is nothing to retry (undo deploys the revision live before it)`;
  }
  if (event.kind === 'undo' && current.stage !== 'succeeded') {
    return `${current.id} ${current.stage === 'rolled-back' ? 'rolled back' : current.stage}: the revision before it is still live, there is nothing to undo (retry deploys it again)`;
  }
  if (event.kind === 'undo' && current.liveBefore === undefined) {
    return `${current.id} does not record the revision live before it (it ran before ecs-autopilot kept it): deploy that revision by its task definition`;
  }
  return undefined;
}

/** What a retry or undo asked, as `Deployment Request Ignored` carries it. */
const redeployFacts = (event: RedeployEvent) => ({
  kind: event.kind,
  requestId: event.id,
  deploymentId: event.deploymentId,
  by: event.by,
});

function ignoreRedeploy(current: Deployment, event: RedeployEvent, app: AppSpec, now: Date, reason: string): Transition {
  const record: OperatorRequest = {
    kind: event.kind,
    requestId: event.id,
    at: iso(now),
    by: event.by,
    deploymentId: event.deploymentId,
    outcome: 'ignored',
    reason,
  };
  const next: Deployment = { ...current, requests: remember(current, record) };
  return {
    deployment: next,
    actions: [publish(DEPLOYMENT_DETAIL_TYPES.requestIgnored, next, app, `ignored:${event.id}`, { request: redeployFacts(event), reason })],
    // Recorded as a rejection too, so that `retry --wait` for it ends.
    rejected: { id: event.id, reason },
  };
}

// ── Test before traffic: the test listener and the lifecycle hooks (hooks.ts) ──

const testOwner = (app: AppSpec) => (app.test?.rule ? `rule ${app.test.rule}` : `listener ${app.test?.listener ?? ''}`);

/** Put the test listener back while it points at the new colour (a listener never set, or already back, needs nothing). */
const restoreTest = (d: Deployment): Action[] => (d.test?.state === 'set' ? [{ kind: 'restore-test-forward', colour: to(d) }] : []);

function testListenerChanged(d: Deployment, app: AppSpec, observed: WeightedTargetGroup[]): string {
  return (
    `the test ${testOwner(app)} was changed outside ecs-autopilot: it sends ${describeSplit(observed, firstRoute(app))} where it sent ` +
    `${describeSplit(d.test?.original.targetGroups ?? [], firstRoute(app))} when the deployment started; it was not written`
  );
}

function testForwardSet(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'test-forward-set' }): Transition {
  if (d.stage !== 'deploying' || !d.test || d.test.state !== 'original') return unchanged(d);
  if (!event.matches)
    return waiting(d, `the test ${testOwner(app)} to read back (it reads ${describeSplit(event.observed, firstRoute(app))})`);
  return beforeTraffic({ ...d, test: { ...d.test, state: 'set' } }, app, now);
}

/** The test listener put back (or found changed by someone else, and left as it is): recorded. */
function testForwardBack(
  d: Deployment,
  app: AppSpec,
  event: DeploymentEvent & { kind: 'test-forward-restored' | 'test-forward-changed' },
): Transition {
  if (d.test?.state !== 'set') return unchanged(d);
  if (event.kind === 'test-forward-changed') {
    const note = `${testListenerChanged(d, app, event.observed)}: it was left as it is`;
    return { deployment: { ...d, test: { ...d.test, state: 'left', note } }, actions: [] };
  }
  if (!event.matches) return isFinal(d.stage) ? unchanged(d) : waiting(d, `the test ${testOwner(app)} to read back as it was`);
  return { deployment: { ...d, test: { ...d.test, state: 'restored' } }, actions: [] };
}

/** The hook `id` while it runs, or undefined (an observation of an earlier hook, or of a deployment that moved on). */
function runningHook(d: Deployment, id: string): HookRun | undefined {
  const run = d.hooks?.at(-1);
  return d.stage === 'hook' && run?.id === id && run.status === 'running' ? run : undefined;
}

const hookName = (run: HookRun) => `hook ${run.stage}${run.step === undefined ? '' : ` of step ${run.step}`} (${run.runs})`;

function startHook(d: Deployment, app: AppSpec, now: Date, stage: HookStage): Transition {
  const spec = app.hooks?.[stage];
  if (!spec) return unchanged(d);
  const step = stage === 'afterStep' ? d.step + 1 : undefined;
  const run: HookRun = {
    id: hookIdOf(stage, step),
    stage,
    step,
    runs: describeHook(spec),
    startedAt: iso(now),
    deadline: after(now, spec.timeoutSeconds),
    status: 'running',
  };
  const next: Deployment = {
    ...enter(d, 'hook', now, spec.timeoutSeconds),
    hooks: [...(d.hooks ?? []), run],
    waitingFor: `${hookName(run)} to pass`,
  };
  return {
    deployment: next,
    actions: [
      publish(DEPLOYMENT_DETAIL_TYPES.hookStarted, next, app, `hook:${run.id}:started`, {
        hook: run,
        ...(next.test && { testListener: { state: next.test.state } }),
      }),
      { kind: 'start-hook', hook: run.id },
    ],
  };
}

function hookStarted(d: Deployment, event: DeploymentEvent & { kind: 'hook-started' }): Transition {
  const run = runningHook(d, event.hook);
  if (!run || run.taskArn === event.taskArn) return unchanged(d);
  const started: HookRun = { ...run, taskArn: event.taskArn, essential: event.essential, logs: event.logs };
  const taskId = event.taskArn.slice(event.taskArn.lastIndexOf('/') + 1);
  return {
    deployment: { ...d, hooks: [...(d.hooks ?? []).slice(0, -1), started], waitingFor: `${hookName(run)} to finish: task ${taskId}` },
    actions: [],
  };
}

/** At each tick of a hook: its task read (or started again, under the same clientToken, if its start was not recorded); past its deadline, failed. */
function hookTick(d: Deployment, app: AppSpec, now: Date, overdue: boolean): Transition {
  const run = d.hooks?.at(-1);
  const spec = run && app.hooks?.[run.stage];
  if (run?.status !== 'running' || !spec) return unchanged(d);
  if (overdue) {
    const still = run.taskArn ? ` (its task ${run.taskArn} still runs: ecs-autopilot does not stop it)` : '';
    return hookEnded(d, app, now, run, { pass: false, output: `no verdict within its timeout of ${spec.timeoutSeconds}s${still}` });
  }
  // With traffic on the new colour (afterStep, afterTraffic, beforeScaleDown) the gates are checked as in a pause.
  const gates = d.newPercent > 0 ? [checkGates(d)] : [];
  if (spec.kind === 'lambda') return gates.length > 0 ? { deployment: d, actions: gates } : unchanged(d);
  return { deployment: d, actions: [run.taskArn ? { kind: 'check-hook', hook: run.id } : { kind: 'start-hook', hook: run.id }, ...gates] };
}

function hookEnded(d: Deployment, app: AppSpec, now: Date, run: HookRun, verdict: HookVerdict): Transition {
  const ended: HookRun = { ...run, status: verdict.pass ? 'passed' : 'failed', output: verdict.output, endedAt: iso(now) };
  const recorded: Deployment = { ...d, hooks: [...(d.hooks ?? []).slice(0, -1), ended] };
  const type = verdict.pass ? DEPLOYMENT_DETAIL_TYPES.hookPassed : DEPLOYMENT_DETAIL_TYPES.hookFailed;
  const told = publish(type, recorded, app, `hook:${run.id}:${ended.status}`, { hook: ended });
  const logs = ended.logs?.length ? `; logs: ${ended.logs.map((link) => link.url).join(' ')}` : '';
  const next = verdict.pass
    ? afterHook(recorded, app, now, run.stage)
    : rollBack(recorded, app, now, `${hookName(run)} failed: ${verdict.output}${logs}`);
  return { deployment: next.deployment, actions: [told, ...next.actions] };
}

function afterHook(d: Deployment, app: AppSpec, now: Date, stage: HookStage): Transition {
  switch (stage) {
    case 'beforeTraffic':
      return shiftTo(d, app, now, 0);
    case 'afterStep':
    case 'afterTraffic':
      return { deployment: holdStep(d, app, now), actions: [] };
    case 'beforeScaleDown':
      return finish(d, now);
  }
}
