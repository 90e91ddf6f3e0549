/**
 * The blue/green state machine: (deployment, event, now) → (deployment, actions). Pure; the handler
 * persists the result, applies the actions in order and feeds what they observed back in as events.
 *
 *   starting ─inspected─► deploying ─ready─► shifting ─weights read back─► paused ─gates pass─► shifting …
 *                                                     (last step: 100%)──► baking ─gates pass─► rollback-window
 *   rollback-window ─window over─► finishing ─old colour at 0─► succeeded
 *   any stage with traffic or a new colour started ─alarm | failed gate | timeout | abort─► rolling-back
 *   rolling-back ─original forward action back and read back─► scale the new colour back ─► rolled-back
 *
 * Rules beyond the diagram:
 * - A gate alarm already in ALARM when a deployment starts: the deployment does not start (failed,
 *   nothing changed). Starting would make that alarm useless as a gate, and rolling back at once would
 *   churn the new colour for nothing.
 * - Weight never goes to a colour without healthy targets: each shift follows a health check.
 * - The weights are read back after every change; a difference rolls back (something else is
 *   changing the listener, and only the original action is known to be good).
 * - A stage that outlives its deadline rolls back (or, once rolling back, fails loudly); the watchdog
 *   tick every minute notices.
 */
import { clusterNameOf } from '../config/cluster.ts';
import { liveColourOf, sameWeights, weightsFor } from './forward.ts';
import { gatesVerdict, healthVerdict } from './gates.ts';
import {
  type Action,
  type AppSpec,
  type Colour,
  DEPLOYMENT_DETAIL_TYPES,
  type Deployment,
  type DeploymentDetailType,
  type DeploymentEvent,
  type DeploymentOutcome,
  isFinal,
  otherColour,
  type Stage,
  type Transition,
} from './model.ts';

/** Reading the listener, the services and the alarms takes seconds; a minute of ticks is plenty. */
export const STARTING_SECONDS = 300;
/** A weight change is one API call and a read back. */
export const SHIFTING_SECONDS = 300;
/** Rolling back and scaling the old colour down are retried by every tick for this long. */
export const ROLLING_BACK_SECONDS = 900;
export const FINISHING_SECONDS = 900;
/** Added to the longest possible deployment for the services' lock, so a crashed one frees scaling eventually. */
const LOCK_MARGIN_SECONDS = 1_800;

const iso = (instant: Date) => instant.toISOString();
const after = (now: Date, seconds: number) => iso(new Date(now.getTime() + seconds * 1000));
const due = (now: Date, at: string | undefined) => at !== undefined && now.getTime() >= new Date(at).getTime();

export function transition(deployment: Deployment | undefined, event: DeploymentEvent, app: AppSpec, now: Date): Transition {
  if (event.kind === 'requested') return request(deployment, event, app, now);
  if (!deployment || isFinal(deployment.stage)) return unchanged(deployment);
  const d = deployment;
  switch (event.kind) {
    case 'alarm':
      if (!app.gates.alarms.includes(event.alarmName) || event.state !== 'ALARM') return unchanged(d);
      return stopFor(d, app, now, `alarm ${event.alarmName} entered ALARM${event.reason ? ` (${event.reason})` : ''}`);
    case 'abort':
      return stopFor(d, app, now, `aborted${event.by ? ` by ${event.by}` : ''}${event.reason ? `: ${event.reason}` : ''}`);
    case 'promote':
      return d.stage === 'paused' || d.stage === 'baking'
        ? { deployment: d, actions: [{ kind: 'check-gates', colour: to(d) }] }
        : unchanged(d);
    case 'tick':
      return tick(d, app, now);
    case 'action-failed':
      return actionFailed(d, app, now, event);
    case 'inspected':
      return inspected(d, app, now, event);
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
    case 'gates-checked':
      return gatesChecked(d, app, now, event);
    case 'forward-restored':
      if (d.stage !== 'rolling-back') return unchanged(d);
      if (!event.matches) {
        return {
          deployment: { ...d, waitingFor: `the original forward action to read back (it reads ${describeObserved(event.observed)})` },
          actions: [],
        };
      }
      return {
        deployment: {
          ...d,
          forwardRestored: true,
          newPercent: 0,
          weights: d.forwardRestored ? d.weights : [...d.weights, { at: iso(now), newPercent: 0, why: 'rolled back' }],
          waitingFor: `${app.colours[to(d)].service} to scale back`,
        },
        actions: [scaleBack(d)],
      };
    case 'colour-scaled':
      return colourScaled(d, app, now, event);
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
  };
}

function publish(type: DeploymentDetailType, d: Deployment, app: AppSpec, extra: Record<string, unknown> = {}): Action {
  return { kind: 'publish', detailType: type, detail: { ...facts(d, app), ...extra } };
}

function request(current: Deployment | undefined, event: DeploymentEvent & { kind: 'requested' }, app: AppSpec, now: Date): Transition {
  const reject = (reason: string): Transition => ({
    deployment: current,
    actions: [
      {
        kind: 'publish',
        detailType: DEPLOYMENT_DETAIL_TYPES.rejected,
        detail: { app: app.name, deploymentId: event.id, requestedBy: event.requestedBy, reason, activeDeploymentId: current?.id },
      },
    ],
    rejected: { id: event.id, reason },
  });
  if (current?.id === event.id) return unchanged(current); // the same request delivered again
  if (current && !isFinal(current.stage)) {
    return reject(
      `deployment ${current.id} of ${app.name} is ${current.stage} (since ${current.stageSince}); one deployment runs at a time: wait for it, or abort it`,
    );
  }
  const images = event.images && Object.keys(event.images).length > 0 ? event.images : undefined;
  if (!event.taskDefinition === !images) {
    return reject('a deployment request names either a task definition ARN or images (container → image), exactly one of them');
  }
  const deployment: Deployment = {
    app: app.name,
    id: event.id,
    version: 0,
    stage: 'starting',
    requestedAt: iso(now),
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
  return STARTING_SECONDS + app.timeouts.readySeconds + pauses + app.rollbackWindowSeconds + FINISHING_SECONDS + LOCK_MARGIN_SECONDS;
}

function inspected(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'inspected' }): Transition {
  if (d.stage !== 'starting') return unchanged(d);
  const firing = event.alarmsInAlarm.filter((name) => app.gates.alarms.includes(name));
  if (firing.length > 0) {
    return fail(
      d,
      app,
      now,
      `gate alarm ${firing.join(', ')} is already in ALARM: a deployment does not start while a gate alarm fires (nothing was changed); resolve it and deploy again`,
    );
  }
  const live = liveColourOf(event.forward, app);
  if ('problem' in live) return fail(d, app, now, `${live.problem}; nothing was changed`);
  const fromColour = live.live;
  const toColour = otherColour(fromColour);
  const liveService = event.services[fromColour];
  if (liveService.desiredCount < 1) {
    return fail(d, app, now, `the live service ${app.colours[fromColour].service} has no tasks (desiredCount 0); nothing was changed`);
  }
  const next: Deployment = {
    ...enter(d, 'deploying', now, app.timeouts.readySeconds),
    from: fromColour,
    to: toColour,
    original: event.forward,
    toBefore: { desiredCount: event.services[toColour].desiredCount, taskDefinition: event.services[toColour].taskDefinition },
    desiredCount: liveService.desiredCount,
    waitingFor: `${app.colours[toColour].service} to reach steady state with healthy targets`,
  };
  return {
    deployment: next,
    actions: [
      { kind: 'lock-services', status: 'in-progress', expiresAt: after(now, longestDeploymentSeconds(app)) },
      publish(DEPLOYMENT_DETAIL_TYPES.started, next, app),
      {
        kind: 'update-new-colour',
        colour: toColour,
        taskDefinition: d.taskDefinition,
        images: d.images,
        desiredCount: liveService.desiredCount,
      },
    ],
  };
}

function readyChecked(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'ready-checked' }): Transition {
  if (d.stage !== 'deploying') return unchanged(d);
  const service = app.colours[to(d)].service;
  const health = healthVerdict(event.health, app.gates.minHealthyTargets, service);
  if (!event.steady || !health.pass) {
    const why = !event.steady ? `${service} to reach steady state` : `${service}'s targets: ${health.pass ? '' : health.reason}`;
    return { deployment: { ...d, waitingFor: why }, actions: [] };
  }
  return shiftTo(d, app, now, 0);
}

function shiftTo(d: Deployment, app: AppSpec, now: Date, stepIndex: number): Transition {
  const step = app.steps[stepIndex];
  if (!step) return unchanged(d);
  const next: Deployment = { ...enter(d, 'shifting', now, SHIFTING_SECONDS), shiftingTo: stepIndex };
  return { deployment: next, actions: [{ kind: 'set-weights', targetGroups: weightsFor(app, from(d), to(d), step.weight) }] };
}

function weightsSet(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'weights-set' }): Transition {
  if (d.stage !== 'shifting' || d.shiftingTo === undefined) return unchanged(d);
  if (!sameWeights(event.expected, event.observed)) {
    return rollBack(
      d,
      app,
      now,
      `the listener's weights read back as ${describeObserved(event.observed)} instead of ${describeObserved(event.expected)}: something else changed it`,
    );
  }
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
  const held = enter(reached, last ? 'baking' : 'paused', now, step.pause.kind === 'for' ? undefined : app.timeouts.promoteSeconds);
  const next: Deployment =
    step.pause.kind === 'for'
      ? { ...held, pauseEndsAt: after(now, step.pause.seconds), waitingFor: last ? 'the bake to end' : 'the pause to end' }
      : { ...held, waitingFor: '`ecs-autopilot promote`' };
  return { deployment: next, actions: [publish(DEPLOYMENT_DETAIL_TYPES.stepCompleted, next, app)] };
}

function gatesChecked(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'gates-checked' }): Transition {
  if (d.stage !== 'paused' && d.stage !== 'baking') return unchanged(d);
  const verdict = gatesVerdict(app, event, app.colours[to(d)].service);
  if (!verdict.pass) return rollBack(d, app, now, `gate failed at ${d.newPercent}%: ${verdict.reason}`);
  if (d.stage === 'paused') return shiftTo(d, app, now, d.step + 1);
  if (app.rollbackWindowSeconds === 0) return finish(d, now);
  const next: Deployment = {
    ...enter(d, 'rollback-window', now),
    pauseEndsAt: after(now, app.rollbackWindowSeconds),
    waitingFor: `the rollback window to end (${app.colours[from(d)].service} keeps running until then)`,
  };
  return { deployment: next, actions: [] };
}

function finish(d: Deployment, now: Date): Transition {
  const next: Deployment = { ...enter(d, 'finishing', now, FINISHING_SECONDS) };
  return { deployment: next, actions: [{ kind: 'scale-colour', colour: from(d), desiredCount: 0 }] };
}

function colourScaled(d: Deployment, app: AppSpec, now: Date, event: DeploymentEvent & { kind: 'colour-scaled' }): Transition {
  if (d.stage === 'finishing' && event.colour === from(d)) {
    return end(d, app, now, {
      status: 'succeeded',
      reason: `${app.colours[to(d)].service} takes all the traffic; ${app.colours[from(d)].service} scaled to 0`,
    });
  }
  if (d.stage === 'rolling-back' && event.colour === to(d)) {
    return end(d, app, now, { status: 'rolled-back', reason: d.rollbackReason ?? 'rolled back' });
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
      return step
        ? { deployment: d, actions: [{ kind: 'set-weights', targetGroups: weightsFor(app, from(d), to(d), step.weight) }] }
        : unchanged(d);
    }
    case 'paused':
    case 'baking':
      if (overdue) return rollBack(d, app, now, `no promote within ${app.timeouts.promoteSeconds}s of reaching ${d.newPercent}%`);
      return due(now, d.pauseEndsAt) ? { deployment: d, actions: [{ kind: 'check-gates', colour: to(d) }] } : unchanged(d);
    case 'rollback-window':
      return due(now, d.pauseEndsAt) ? finish(d, now) : unchanged(d);
    case 'finishing':
      if (overdue) {
        return end(d, app, now, {
          status: 'succeeded',
          reason: `${app.colours[to(d)].service} takes all the traffic, but ${app.colours[from(d)].service} could not be scaled to 0: scale it down by hand`,
        });
      }
      return { deployment: d, actions: [{ kind: 'scale-colour', colour: from(d), desiredCount: 0 }] };
    case 'rolling-back':
      if (overdue) return fail(d, app, now, rollbackStuck(d, app));
      return { deployment: d, actions: [d.forwardRestored ? scaleBack(d) : { kind: 'restore-forward' }] };
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

function rollBack(d: Deployment, app: AppSpec, now: Date, reason: string): Transition {
  const next: Deployment = {
    ...enter(d, 'rolling-back', now, ROLLING_BACK_SECONDS),
    rollbackReason: reason,
    shiftingTo: undefined,
    forwardRestored: false,
    waitingFor: 'the original forward action to be back',
  };
  return { deployment: next, actions: [{ kind: 'restore-forward' }] };
}

/** The new colour back to what it ran before the deployment: its task definition and count (usually zero tasks). */
function scaleBack(d: Deployment): Action {
  return { kind: 'scale-colour', colour: to(d), desiredCount: d.toBefore?.desiredCount ?? 0, taskDefinition: d.toBefore?.taskDefinition };
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
  const actions: Action[] = [];
  // Only a deployment that took the lock releases it (one that failed while starting never took it).
  if (d.from !== undefined) actions.push({ kind: 'lock-services', status: 'released' });
  actions.push(publish(type, next, app, { reason: outcome.reason, ...alert }));
  return { deployment: next, actions };
}

function describeObserved(groups: { arn: string; weight: number }[]): string {
  return groups.map((g) => `${g.arn.split('/').slice(-2, -1)[0] ?? g.arn} ${g.weight}`).join(' / ') || 'no forward action';
}
