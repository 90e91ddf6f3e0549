/**
 * What a blue/green decision reads before it is made, and nothing else: the app's stored deployment,
 * with any outbox an earlier invocation left, and, for a deployment request, its earlier rejection.
 * Nothing is written here.
 *
 * The machine's other reads (the listener, the services, target health, alarms, metrics) are actions it
 * asks for (inspect, check-ready, check-gates): apply.ts carries them out and feeds what it read back in
 * as events, so each is judged by the pure decision in decide.ts.
 */
import type { Rejections } from '../state/deployment-rejections.ts';
import type { DeploymentStore } from '../state/deployment-store.ts';
import type { RequestHistory } from './decide.ts';
import type { AppSpec, Deployment, DeploymentEvent } from './model.ts';

export function loadDeployment(app: AppSpec, rt: { deployments: DeploymentStore }): Promise<Deployment | undefined> {
  return rt.deployments.get(app.name);
}

/** For a deployment request (a retry or undo too), whether it was rejected before: a rejection is final. Other events need nothing more. */
export async function loadRequestHistory(app: AppSpec, event: DeploymentEvent, rt: { rejections: Rejections }): Promise<RequestHistory> {
  if (event.kind !== 'requested' && event.kind !== 'retry' && event.kind !== 'undo') return {};
  return { earlierRejection: await rt.rejections.get(app.name, event.id) };
}
