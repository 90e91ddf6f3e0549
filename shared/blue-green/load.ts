/**
 * What a blue/green decision reads before it is made, and nothing else: the app's stored deployment,
 * with any outbox an earlier invocation left. Nothing is written here.
 *
 * The machine's other reads (the listener, the services, target health, alarms, metrics) are actions it
 * asks for (inspect, check-ready, check-gates): apply.ts carries them out and feeds what it read back in
 * as events, so each is judged by the pure decision in decide.ts.
 */
import type { DeploymentStore } from '../state/deployment-store.ts';
import type { AppSpec, Deployment } from './model.ts';

export function loadDeployment(app: AppSpec, rt: { deployments: DeploymentStore }): Promise<Deployment | undefined> {
  return rt.deployments.get(app.name);
}
