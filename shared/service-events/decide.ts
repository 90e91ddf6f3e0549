/**
 * What an ECS service event means for a person, pure: a problem ECS reports about a watched service
 * becomes an alerting bus event, and a recovery becomes the events that resolve the problems it ends.
 * The bus events' ids derive from the ECS event's, so that a redelivery publishes the same ids, which
 * notify counts once: nothing is stored, and nothing needs to be.
 */
import { clusterNameOf } from '../config/cluster.ts';
import type { Automation, ServiceWatch } from '../config/schema.ts';
import type { AlertBlock } from '../events/alert.ts';
import type { PendingEvent } from '../events/pending-event.ts';
import {
  type EcsServiceEventSummary,
  SERVICE_EVENT_DETAIL_TYPES,
  type ServiceProblemDetail,
  type ServiceRecoveredDetail,
} from '../events/service-events.ts';
import type { EcsServiceEvent, ServiceProblemEvent } from './trigger.ts';

interface Problem {
  detailType: string;
  category: string;
  severity: AlertBlock['severity'];
  /** The alert resolves on a recovery event, or (a failed deployment) after a quiet period. */
  resolvedBy: NonNullable<AlertBlock['resolvedBy']>;
  resolvedWhen: string;
  headline: string;
  nextStep: string;
}

const RECOVERY_RESOLVES = 'the service reached a steady state (SERVICE_STEADY_STATE or SERVICE_DEPLOYMENT_COMPLETED)';

export const SERVICE_PROBLEMS: Record<ServiceProblemEvent, Problem> = {
  SERVICE_TASK_PLACEMENT_FAILURE: {
    detailType: SERVICE_EVENT_DETAIL_TYPES.placementFailed,
    category: 'placement-failure',
    severity: 'critical',
    resolvedBy: 'resolving-event',
    resolvedWhen: RECOVERY_RESOLVES,
    headline: 'ECS cannot place its tasks',
    nextStep:
      "Give the cluster room for the task (CPU, memory, ports, ENIs, or a capacity provider that can scale out) or relax the service's placement constraints.",
  },
  SERVICE_TASK_CONFIGURATION_FAILURE: {
    detailType: SERVICE_EVENT_DETAIL_TYPES.configurationFailed,
    category: 'task-configuration-failure',
    severity: 'critical',
    resolvedBy: 'resolving-event',
    resolvedWhen: RECOVERY_RESOLVES,
    headline: 'ECS cannot launch its tasks: a configuration error',
    nextStep: 'Correct what the reason names in the service or its task definition (roles, tags, network), then update the service.',
  },
  SERVICE_TASK_START_IMPAIRED: {
    detailType: SERVICE_EVENT_DETAIL_TYPES.startImpaired,
    category: 'start-impaired',
    severity: 'warning',
    resolvedBy: 'resolving-event',
    resolvedWhen: RECOVERY_RESOLVES,
    headline: 'ECS is unable to consistently start its tasks (it now throttles their launches)',
    nextStep:
      'See why its last tasks stopped (npx ecs-autopilot explain, or the stopped tasks in the console): an image that cannot be pulled, a failing health check, too little capacity.',
  },
  SERVICE_DEPLOYMENT_FAILED: {
    detailType: SERVICE_EVENT_DETAIL_TYPES.deploymentFailed,
    category: 'deployment-failed',
    severity: 'critical',
    // Not resolved by a completed deployment: the circuit breaker's own rollback completes one within
    // minutes, which would end the episode before its first message went out, and nobody would hear of it.
    resolvedBy: 'quiet-period',
    resolvedWhen: 'no deployment of the service failed for a quiet period',
    headline: 'its deployment failed (the deployment circuit breaker stopped it)',
    nextStep: "See why the new tasks did not start or stay healthy (their stopped reasons, the service's events), fix, and deploy again.",
  },
  SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED: {
    detailType: SERVICE_EVENT_DETAIL_TYPES.daemonPlacementViolated,
    category: 'daemon-placement-violated',
    severity: 'warning',
    resolvedBy: 'resolving-event',
    resolvedWhen: RECOVERY_RESOLVES,
    headline: 'a task of this daemon service no longer meets its placement constraints',
    nextStep:
      "Check the container instances' attributes against the service's placement constraints (an instance relabelled or replaced), or correct the constraints.",
  },
  ECS_OPERATION_THROTTLED: {
    detailType: SERVICE_EVENT_DETAIL_TYPES.operationsThrottled,
    category: 'ecs-throttled',
    severity: 'warning',
    // No event says the throttling ended, and a steady state can be reported while it lasts.
    resolvedBy: 'quiet-period',
    resolvedWhen: 'ECS reported no throttling of the service for a quiet period',
    headline: "ECS's service scheduler is throttled by the Amazon ECS API limits, so its tasks start and stop late",
    nextStep:
      'Look for what calls the ECS API hard in this account and region (deployments of many services at once, scripts polling Describe*), spread it out, or ask for a higher limit.',
  },
  SERVICE_DISCOVERY_OPERATION_THROTTLED: {
    detailType: SERVICE_EVENT_DETAIL_TYPES.operationsThrottled,
    category: 'cloud-map-throttled',
    severity: 'warning',
    resolvedBy: 'quiet-period',
    resolvedWhen: 'ECS reported no throttling of the service for a quiet period',
    headline: 'ECS is throttled by the AWS Cloud Map API limits, so its tasks are registered or deregistered late',
    nextStep: 'Spread out deployments of the services sharing the Cloud Map namespace, or ask for a higher Cloud Map limit.',
  },
  SERVICE_DISCOVERY_INSTANCE_UNHEALTHY: {
    detailType: SERVICE_EVENT_DETAIL_TYPES.discoveryInstanceUnhealthy,
    category: 'service-discovery-unhealthy',
    severity: 'warning',
    resolvedBy: 'resolving-event',
    resolvedWhen: RECOVERY_RESOLVES,
    headline: 'a task registered in its service discovery (AWS Cloud Map) is unhealthy',
    nextStep:
      "See why the task fails its health check (the container's HEALTHCHECK or Cloud Map's custom health check, its logs); ECS replaces it.",
  },
  VPC_LATTICE_TARGET_UNHEALTHY: {
    detailType: SERVICE_EVENT_DETAIL_TYPES.latticeTargetUnhealthy,
    category: 'vpc-lattice-unhealthy',
    severity: 'warning',
    resolvedBy: 'resolving-event',
    resolvedWhen: RECOVERY_RESOLVES,
    headline: 'a target of its VPC Lattice target group is unhealthy',
    nextStep:
      "See why the task fails the target group's health check (path, port, security groups letting VPC Lattice in, the task's logs); ECS replaces it.",
  },
};

/** The categories a recovery resolves: every problem that a steady service has left behind. */
const RESOLVED_BY_RECOVERY = Object.values(SERVICE_PROBLEMS)
  .filter((problem) => problem.resolvedBy === 'resolving-event')
  .map((problem) => problem.category);

export type ServiceEventDecision = { kind: 'ignore'; reason: string } | { kind: 'publish'; events: PendingEvent[] };

export function decideServiceEvent(event: EcsServiceEvent, automation: Automation): ServiceEventDecision {
  const watch = watchOf(event, automation);
  if (watch === undefined) {
    return { kind: 'ignore', reason: `service ${event.serviceArn} is not in automation.yml's services` };
  }
  const cluster = clusterNameOf(watch.cluster);
  const ecsEvent: EcsServiceEventSummary = {
    id: event.id,
    detailType: event.detailType,
    eventName: event.eventName,
    eventType: event.eventType,
    ...(event.reason !== undefined && { reason: event.reason }),
    ...(event.deploymentId !== undefined && { deploymentId: event.deploymentId }),
    time: event.time,
  };
  const subject = { kind: 'service' as const, name: watch.key };
  const problem = Object.hasOwn(SERVICE_PROBLEMS, event.eventName) ? SERVICE_PROBLEMS[event.eventName as ServiceProblemEvent] : undefined;
  if (problem) {
    const alert: AlertBlock = { cluster, subject, category: problem.category, severity: problem.severity, resolvedBy: problem.resolvedBy };
    const detail: ServiceProblemDetail = {
      service: watch.key,
      cluster,
      serviceArn: event.serviceArn,
      ecsEvent,
      reason: `Service ${watch.service}: ${problem.headline}${event.reason ? ` (ECS: ${event.reason})` : ''}.`,
      nextStep: problem.nextStep,
      consoleUrl: consoleServiceUrl(event.region, cluster, watch.service),
      resolvedWhen: problem.resolvedWhen,
      alert,
    };
    return { kind: 'publish', events: [pending(`${event.id}:${problem.category}`, problem.detailType, { ...detail }, event)] };
  }
  if (event.eventName === 'SERVICE_STEADY_STATE' || event.eventName === 'SERVICE_DEPLOYMENT_COMPLETED') {
    const events = RESOLVED_BY_RECOVERY.map((category) => {
      const alert: AlertBlock = { cluster, subject, category, severity: 'warning', resolvedBy: 'resolving-event', resolves: true };
      const detail: ServiceRecoveredDetail = { service: watch.key, cluster, serviceArn: event.serviceArn, ecsEvent, alert };
      return pending(`${event.id}:resolves:${category}`, SERVICE_EVENT_DETAIL_TYPES.recovered, { ...detail }, event);
    });
    return { kind: 'publish', events };
  }
  return { kind: 'ignore', reason: `${event.eventName} is neither a problem alerted nor a recovery` };
}

/** The watched service the event names: by cluster and service name; by name alone where ECS's ARN has no cluster and only one service has that name. */
function watchOf(event: EcsServiceEvent, automation: Automation): ServiceWatch | undefined {
  const named = Object.values(automation.services).filter((watch) => watch.service === event.serviceName);
  if (event.clusterName !== undefined) return named.find((watch) => clusterNameOf(watch.cluster) === event.clusterName);
  return named.length === 1 ? named[0] : undefined;
}

function pending(suffix: string, detailType: string, detail: Record<string, unknown>, event: EcsServiceEvent): PendingEvent {
  return { id: `ecs-service-event:${suffix}`, detailType, detail, resources: [event.serviceArn], time: event.time };
}

/** The service's page in the ECS console (v2): its events and deployments. */
export function consoleServiceUrl(region: string | undefined, cluster: string, service: string): string {
  const at = region ?? 'us-east-1';
  return `https://${at}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/events?region=${at}`;
}
