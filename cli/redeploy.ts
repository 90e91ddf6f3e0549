/**
 * `retry` and `undo`: a new deployment of a revision the app's last deployment names, with the same
 * safety as any (steps, gates, scope). `retry` deploys again what a failed or rolled-back deployment
 * ran; `undo` deploys what was live before a deployment that succeeded. Like promote and abort, the
 * request names the deployment read here: shift-traffic ignores it (recorded, `Deployment Request
 * Ignored`) when that is no longer the app's last one, and takes the revision from its own record.
 */
import { randomBytes } from 'node:crypto';
import { forTerminal } from '../shared/alerts/escape.ts';
import { longestDeploymentSeconds } from '../shared/blue-green/decide.ts';
import { DEPLOYMENT_DETAIL_TYPES, type Deployment, isFinal } from '../shared/blue-green/model.ts';
import type { Automation } from '../shared/config/schema.ts';
import { appOf, clock, type DeploymentDeps, type DeployOptions, defaultCaller, deploymentId, followDeployment, refuse } from './deploy.ts';
import { EXIT } from './output.ts';

export type RedeployKind = 'retry' | 'undo';

export interface RedeployOptions extends Pick<DeployOptions, 'wait' | 'timeoutSeconds' | 'json' | 'pollSeconds' | 'graceSeconds'> {
  kind: RedeployKind;
  app: string;
  automation: Automation;
}

/** What the new deployment runs: the revision (family:revision) or the images. */
export function redeployedVersion(kind: RedeployKind, d: Deployment): string | undefined {
  const { taskDefinition, images } = redeployedRevision(kind, d);
  if (taskDefinition) return `task definition ${taskDefinition.split('/').pop() ?? taskDefinition}`;
  const named = Object.entries(images ?? {}).map(([container, image]) => `${container}=${image}`);
  return named.length > 0 ? `images ${named.join(', ')}` : undefined;
}

/** What the new deployment deploys, as its request would name it: a task definition, or images. */
function redeployedRevision(
  kind: RedeployKind,
  d: Deployment,
): { taskDefinition?: string | undefined; images?: Record<string, string> | undefined } {
  if (kind === 'undo') return { taskDefinition: d.liveBefore };
  return d.taskDefinition ? { taskDefinition: d.taskDefinition } : { images: d.images };
}

/** Why the app's last deployment cannot be retried (or undone) now, or undefined when it can. */
export function redeployRefusal(kind: RedeployKind, app: string, d: Deployment | undefined): string | undefined {
  if (!d) return `${app}: no deployment to ${kind}: none recorded`;
  if (!isFinal(d.stage)) return `${app}: ${d.id} is still ${d.stage}: ${kind} follows a deployment that ended (abort it first)`;
  if (kind === 'retry' && d.stage === 'succeeded') {
    return `${app}: the last deployment, ${d.id}, succeeded: nothing to retry (undo deploys the revision live before it)`;
  }
  if (kind === 'undo' && d.stage !== 'succeeded') {
    return `${app}: the last deployment, ${d.id}, ${d.stage === 'rolled-back' ? 'rolled back' : d.stage}: the revision before it is still live, nothing to undo (retry deploys it again)`;
  }
  if (redeployedVersion(kind, d) === undefined) {
    return kind === 'undo'
      ? `${app}: ${d.id} does not record the revision live before it; deploy that revision with deploy --task-definition`
      : `${app}: ${d.id} names neither a task definition nor images to deploy again`;
  }
  return undefined;
}

/** Puts `Deployment Retry Requested` or `Deployment Undo Requested` for the app's last deployment; with `wait`, follows the new one. */
export async function redeployCommand(options: RedeployOptions, deps: DeploymentDeps): Promise<number> {
  const app = appOf(options.automation, options.app);
  const { io } = deps;
  const { kind } = options;
  const last = await deps.store.get(app.name);
  const refused = redeployRefusal(kind, app.name, last);
  if (refused || !last) return refuse(io, refused ?? `${app.name}: no deployment to ${kind}`);
  const now = deps.now();
  const id = deploymentId(app.name, now, deps.randomHex?.() ?? randomBytes(2).toString('hex'));
  const by = deps.caller ?? defaultCaller();
  const detailType = kind === 'retry' ? DEPLOYMENT_DETAIL_TYPES.retryRequested : DEPLOYMENT_DETAIL_TYPES.undoRequested;
  await deps.bus.publish([{ detailType, detail: { app: app.name, id: last.id, newId: id, by }, time: now }]);

  const version = redeployedVersion(kind, last) ?? '';
  if (options.json) {
    const link = kind === 'retry' ? { retryOf: last.id } : { undoOf: last.id };
    io.out(
      JSON.stringify({
        type: `${kind}-requested`,
        at: now.toISOString(),
        app: app.name,
        id,
        ...link,
        ...redeployedRevision(kind, last),
        by,
      }),
    );
  } else if (options.wait) {
    io.out(`${clock(now)} ${app.name} ${kind} of ${forTerminal(last.id)} requested as ${id} by ${by}: ${forTerminal(version)}`);
  } else io.out(id);
  if (!options.wait) return EXIT.ok;
  return followDeployment(app, id, { ...options, timeoutSeconds: options.timeoutSeconds ?? longestDeploymentSeconds(app) }, deps);
}
