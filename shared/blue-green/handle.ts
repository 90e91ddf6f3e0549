/**
 * One event for one app, end to end: load the deployment, decide (transition, pure), persist the
 * decision with its actions as an outbox, apply the actions in order, and feed what they observed back
 * into the transition until nothing more follows.
 *
 * The outbox is what makes a crash harmless: the actions are saved with the state before they run and
 * replaced by the next decision's (or cleared) after; the next invocation (the same event retried, any
 * other event, or the watchdog tick) finds them still there and applies them again. Every action is
 * idempotent and keyed (UpdateService to the same values, weights written only over ecs-autopilot's own
 * split, a revision found by its deployment tag, a lock, an event with its decision's id).
 * A decision that only reads (inspect, check-ready, check-gates, as every tick of a pause asks) has
 * nothing to lose in a crash: when no applied effect waits in the stored outbox to be marked done, it is
 * not written, so a quiet tick writes nothing.
 * Concurrent invocations are serialised by the store's optimistic locking: the loser starts over from
 * what the winner wrote. An outbox is applied by one invocation at a time: the one that saved it holds it
 * for as long as it can live (`applyingUntil`); another finding it then leaves it alone — a tick or the
 * same request has nothing to add, any other event is retried — and after that, replays it.
 */
import { BadEventError, RetryableAwsError } from '../errors.ts';
import { retryOnStaleWrite } from '../state/versioned.ts';
import { applyAction, publishEvent } from './apply.ts';
import { transition } from './decide.ts';
import { loadDeployment, loadRequestHistory } from './load.ts';
import { type Action, type AppSpec, DEPLOYMENT_DETAIL_TYPES, type Deployment, type DeploymentEvent, isObservation } from './model.ts';

import type { ShiftRuntime } from './runtime.ts';

/** Observations feeding back into the machine in one invocation; a deployment needs a handful. */
const MAX_FOLLOW_UPS = 50;

/** shift-traffic's timeout (serverless.yml): past it, the invocation that saved an outbox has certainly ended. */
const APPLYING_SECONDS = 60;

const applyingUntil = (now: Date) => new Date(now.getTime() + APPLYING_SECONDS * 1000).toISOString();

export interface ShiftOutcome {
  app: string;
  deploymentId: string | undefined;
  stage: string | undefined;
  rejected?: string | undefined;
}

export async function handleShiftEvent(appName: string, event: DeploymentEvent, rt: ShiftRuntime): Promise<ShiftOutcome> {
  const app = rt.automation.apps[appName];
  if (!app) {
    const known = Object.keys(rt.automation.apps).join(', ') || 'none';
    // As a JSON string: a name from the event may hold anything, and the reason must stay one line.
    const reason = `no app ${JSON.stringify(appName)} in the deployed automation.yml (apps: ${known})`;
    if (event.kind === 'requested') {
      await reject(appName, event.id, reason, undefined, rt);
      return { app: appName, deploymentId: undefined, stage: undefined, rejected: reason };
    }
    throw new BadEventError(reason);
  }
  if ((event.kind === 'promote' || event.kind === 'abort') && event.deploymentId === undefined) {
    rt.log.warn(`a ${event.kind} that names no deployment (an older pipeline): taken for the app's current deployment`, {
      app: appName,
      requestId: event.requestId,
      by: event.by,
    });
  }
  return retryOnStaleWrite(() => drive(app, event, rt));
}

async function drive(app: AppSpec, event: DeploymentEvent, rt: ShiftRuntime): Promise<ShiftOutcome> {
  let deployment = await loadDeployment(app, rt);
  const history = await loadRequestHistory(app, event, rt);
  const queue: DeploymentEvent[] = [];
  let rejected: string | undefined;
  if (deployment && deployment.outbox.length > 0) {
    const now = rt.now();
    if (deployment.applyingUntil !== undefined && now.getTime() < new Date(deployment.applyingUntil).getTime()) {
      return leaveToTheApplier(app, deployment, event);
    }
    rt.log.info('resuming actions an earlier invocation decided and may not have applied', {
      deploymentId: deployment.id,
      actions: deployment.outbox.map((a) => a.kind),
    });
    // Claimed first: of the invocations that find it, one replays it.
    deployment = await rt.deployments.save({ ...deployment, applyingUntil: applyingUntil(now), updatedAt: now.toISOString() });
    queue.push(...(await applyAll(deployment.outbox, deployment, app, rt)));
    deployment = await rt.deployments.save({ ...deployment, outbox: [], applyingUntil: undefined, updatedAt: rt.now().toISOString() });
  }
  queue.push(event);
  for (let steps = 0; queue.length > 0; steps++) {
    if (steps > MAX_FOLLOW_UPS) throw new Error(`deployment of ${app.name}: more than ${MAX_FOLLOW_UPS} steps in one invocation`);
    const next = queue.shift() as DeploymentEvent;
    const now = rt.now();
    const result = transition(deployment, next, app, now, next === event ? history : {});
    if (result.rejected) {
      rejected = result.rejected.reason;
      // Recorded first, for `deploy --wait` and for a redelivery: a crash before the event is published
      // leaves the record, and the redelivery publishes the event again.
      if (!result.rejected.recorded) {
        await rt.rejections.record({ app: app.name, id: result.rejected.id, reason: result.rejected.reason, at: now.toISOString() });
      }
      if (result.deployment === deployment) {
        // Nothing of the app's deployment changes (the request was rejected beside it): only its event.
        for (const action of result.actions) if (action.kind === 'publish') await publishEvent(action, app, rt);
        continue;
      }
    }
    if (result.deployment === deployment && result.actions.length === 0) continue;
    if (!result.deployment) {
      // No deployment to record it in (a request for an app without one): its events are all there is.
      for (const action of result.actions) if (action.kind === 'publish') await publishEvent(action, app, rt);
      continue;
    }
    // Nothing to record: the same deployment, actions that only read, and no applied effect left in the
    // stored outbox to mark done (a replay of one could undo what ECS or a person did since).
    if (deployment && result.deployment === deployment && deployment.outbox.length === 0 && result.actions.every(isObservation)) {
      queue.push(...(await applyAll(result.actions, deployment, app, rt)));
      continue;
    }
    const decided = {
      ...result.deployment,
      outbox: result.actions,
      applyingUntil: result.actions.length > 0 ? applyingUntil(now) : undefined,
      updatedAt: now.toISOString(),
    };
    if (!deployment || decided.id !== deployment.id) {
      // Written only over what was read: the same request delivered twice at once, or one decided on a
      // deployment that has moved on since, starts over from what the other wrote (StaleWriteError).
      const created = await rt.deployments.create(decided, deployment);
      if (!created.created) {
        // Another request won the race for the app: this one is rejected like any second request.
        const reason = `deployment ${created.active.id} of ${app.name} started first; one deployment runs at a time`;
        await reject(app.name, decided.id, reason, created.active.id, rt);
        return { app: app.name, deploymentId: created.active.id, stage: created.active.stage, rejected: reason };
      }
      deployment = created.deployment;
    } else {
      deployment = await rt.deployments.save(decided);
    }
    queue.push(...(await applyAll(result.actions, deployment, app, rt)));
  }
  // The last decision's actions are applied: nothing is left to resume.
  if (deployment && deployment.outbox.length > 0) {
    deployment = await rt.deployments.save({ ...deployment, outbox: [], applyingUntil: undefined, updatedAt: rt.now().toISOString() });
  }
  return { app: app.name, deploymentId: deployment?.id, stage: deployment?.stage, rejected };
}

/**
 * Another invocation is applying the deployment's actions. A tick, or the same request delivered again,
 * has nothing to add; any other event must come after them: it fails as retryable, and Lambda delivers
 * it again (a minute later, when they are applied, or their applier is dead and the outbox is replayed).
 */
function leaveToTheApplier(app: AppSpec, deployment: Deployment, event: DeploymentEvent): ShiftOutcome {
  if (event.kind === 'tick' || (event.kind === 'requested' && event.id === deployment.id)) {
    return { app: app.name, deploymentId: deployment.id, stage: deployment.stage };
  }
  throw new RetryableAwsError(
    `deployment ${deployment.id} of ${app.name}: another invocation is applying its actions (until ${deployment.applyingUntil} at the latest); the ${event.kind} event is retried`,
  );
}

async function applyAll(actions: Action[], deployment: Deployment, app: AppSpec, rt: ShiftRuntime) {
  const observed: DeploymentEvent[] = [];
  for (const action of actions) {
    const result = await applyAction(action, deployment, app, rt);
    if (result) observed.push(result);
  }
  return observed;
}

async function reject(app: string, id: string, reason: string, activeDeploymentId: string | undefined, rt: ShiftRuntime) {
  const now = rt.now();
  await rt.rejections.record({ app, id, reason, at: now.toISOString() });
  await rt.bus.publish([
    {
      detailType: DEPLOYMENT_DETAIL_TYPES.rejected,
      detail: { app, deploymentId: id, reason, activeDeploymentId },
      id: `${id}:rejected`,
      time: now,
    },
  ]);
}
