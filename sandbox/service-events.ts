/**
 * A scenario's service-event injection, carried out: ECS reports a problem with a watched service (a task it
 * cannot place, a deployment its circuit breaker failed…) and, `recoversAfter` later, that the service is
 * steady again. The event goes on the default bus, where the deployed service-events rule takes it to
 * on-task-stopped, which alerts it or resolves the alert, as in AWS.
 */
import { clusterNameOf } from '../shared/config/cluster.ts';
import { formatDuration } from '../shared/config/duration.ts';
import { emulatorResourceNames } from './deployed-rules.ts';
import type { InjectionOfKind } from './scenario.ts';
import { ecsServiceActionEvent } from './service-action-events.ts';
import type { Simulation } from './simulation.ts';

/** ECS's reason in the guide's examples, used when the scenario gives none. */
const EXAMPLE_REASONS: Record<string, string> = {
  SERVICE_TASK_PLACEMENT_FAILURE: 'RESOURCE:MEMORY',
  SERVICE_DEPLOYMENT_FAILED: 'ECS deployment circuit breaker: task failed to start.',
};

export async function reportServiceEvent(
  sim: Simulation,
  injection: InjectionOfKind<'service-event'>,
  index: number,
  stage: 'problem' | 'recovery',
): Promise<void> {
  const watch = sim.automation.services[injection.service];
  if (!watch) return;
  const names = emulatorResourceNames(sim.world.busArn);
  const failedDeployment = injection.eventName === 'SERVICE_DEPLOYMENT_FAILED';
  const eventName = stage === 'problem' ? injection.eventName : failedDeployment ? 'SERVICE_DEPLOYMENT_COMPLETED' : 'SERVICE_STEADY_STATE';
  const deploymentId = `ecs-svc/${9_000_000_000_000_000_000n + BigInt(index)}`;
  const reason =
    stage === 'problem'
      ? (injection.reason ?? EXAMPLE_REASONS[injection.eventName])
      : failedDeployment
        ? `ECS deployment ${deploymentId} completed.`
        : undefined;
  sim.add({
    timeZone: sim.plan.scenarioZone,
    subject: injection.service,
    what: 'service-event',
    label: `ECS: ${eventName}`,
    detail:
      stage === 'problem'
        ? `ECS reports ${eventName} for service ${watch.service} on ${clusterNameOf(watch.cluster)}${reason ? ` (${reason})` : ''}`
        : `ECS reports the service ${failedDeployment ? "rolled back (its rollback's deployment completed)" : 'steady'} ${formatDuration(injection.recoversAfter ?? 0)} after ${injection.eventName}`,
    source: 'scenario',
  });
  const event = ecsServiceActionEvent({
    serviceArn: names.service(watch.cluster, watch.service),
    clusterArn: names.cluster(watch.cluster),
    eventName,
    reason,
    deploymentId,
    at: sim.clock.now(),
  });
  await sim.deliverEvent(event, 'default', { subject: injection.service, during: `on ECS's ${eventName}` });
}
