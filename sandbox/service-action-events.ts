/**
 * The events ECS puts on the default bus about a service ("ECS Service Action", "ECS Deployment State
 * Change"), in the shapes of the ECS Developer Guide's examples: moto emits no events, so the sandbox builds
 * the one a scenario's service-event injection names, at the virtual time, as it builds task events
 * (task-events.ts) and alarm changes (alarm-events.ts).
 */
import { randomUUID } from 'node:crypto';
import { ECS_SERVICE_EVENTS } from '../shared/service-events/trigger.ts';

/** The event type the guide lists each event name under. */
const EVENT_TYPES: Record<string, 'INFO' | 'WARN' | 'ERROR'> = {
  SERVICE_STEADY_STATE: 'INFO',
  SERVICE_DEPLOYMENT_COMPLETED: 'INFO',
  SERVICE_TASK_START_IMPAIRED: 'WARN',
  SERVICE_DISCOVERY_INSTANCE_UNHEALTHY: 'WARN',
  VPC_LATTICE_TARGET_UNHEALTHY: 'WARN',
};

/** The deployment events come as "ECS Deployment State Change", with a deployment id; the others as "ECS Service Action". */
const DEPLOYMENT_EVENTS = new Set(['SERVICE_DEPLOYMENT_FAILED', 'SERVICE_DEPLOYMENT_COMPLETED']);

export interface ServiceActionEvent {
  serviceArn: string;
  clusterArn: string;
  eventName: string;
  reason?: string | undefined;
  /** The deployment a deployment event is about: `ecs-svc/…`. */
  deploymentId: string;
  at: Date;
}

export function ecsServiceActionEvent({ serviceArn, clusterArn, eventName, reason, deploymentId, at }: ServiceActionEvent) {
  const [, , , region = '', account = ''] = serviceArn.split(':');
  const deployment = DEPLOYMENT_EVENTS.has(eventName);
  const [serviceAction, deploymentStateChange] = ECS_SERVICE_EVENTS.detailTypes;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': deployment ? deploymentStateChange : serviceAction,
    source: ECS_SERVICE_EVENTS.source,
    account,
    time: `${at.toISOString().slice(0, 19)}Z`,
    region,
    resources: [serviceArn],
    detail: {
      eventType: EVENT_TYPES[eventName] ?? 'ERROR',
      eventName,
      ...(deployment ? { deploymentId, updatedAt: `${at.toISOString().slice(0, 19)}Z` } : { clusterArn, createdAt: at.toISOString() }),
      ...(reason !== undefined && { reason }),
    },
  };
}
