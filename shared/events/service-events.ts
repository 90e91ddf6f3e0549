/**
 * The bus events on-task-stopped publishes for what ECS itself reports about a watched service (its
 * "ECS Service Action" and "ECS Deployment State Change" events): a problem, alerted, and the recovery that
 * resolves it. The README's event catalogue lists them; notify renders the problems (shared/alerts/render.ts).
 */
import type { AlertBlock } from './alert.ts';

export const SERVICE_EVENT_DETAIL_TYPES = {
  placementFailed: 'Service Task Placement Failed',
  configurationFailed: 'Service Task Configuration Failed',
  startImpaired: 'Service Task Start Impaired',
  deploymentFailed: 'Service Deployment Failed',
  daemonPlacementViolated: 'Service Daemon Placement Violated',
  operationsThrottled: 'Service Operations Throttled',
  discoveryInstanceUnhealthy: 'Service Discovery Instance Unhealthy',
  latticeTargetUnhealthy: 'Service VPC Lattice Target Unhealthy',
  recovered: 'Service Recovered',
} as const;

/** Every problem's detail-type (all but the recovery): notify checks and renders them alike, as a ServiceProblemDetail. */
export const SERVICE_PROBLEM_DETAIL_TYPES: readonly string[] = Object.values(SERVICE_EVENT_DETAIL_TYPES).filter(
  (detailType) => detailType !== SERVICE_EVENT_DETAIL_TYPES.recovered,
);

/** The ECS event a service event reports, as ECS sent it. */
export interface EcsServiceEventSummary {
  /** EventBridge's id of the ECS event: the bus event's id derives from it. */
  id: string;
  detailType: string;
  eventName: string;
  eventType: string;
  /** ECS's reason ("RESOURCE:MEMORY", "ECS deployment circuit breaker: task failed to start."), when it gives one. */
  reason?: string | undefined;
  deploymentId?: string | undefined;
  time: string;
}

export interface ServiceProblemDetail {
  /** The service key in automation.yml. */
  service: string;
  cluster: string;
  serviceArn: string;
  ecsEvent: EcsServiceEventSummary;
  /** One line: what ECS says went wrong. */
  reason: string;
  nextStep: string;
  consoleUrl: string;
  /** What resolves this alert, in words, for the resolved message. */
  resolvedWhen: string;
  alert: AlertBlock;
}

export interface ServiceRecoveredDetail {
  service: string;
  cluster: string;
  serviceArn: string;
  ecsEvent: EcsServiceEventSummary;
  alert: AlertBlock;
}
