/**
 * What ECS itself says about a watched service, as on-task-stopped receives it: the "ECS Service Action"
 * and "ECS Deployment State Change" events (source aws.ecs, on the default bus) whose `resources` name a
 * service of automation.yml's `services`, and only those whose eventName is a problem alerted or a
 * recovery that resolves one, so that the function is not invoked for every event ECS sends. One
 * definition: the stack's rule (shared/stack/event-rules.ts), the sandbox's routing and the handler's
 * guard all read it. Event names and shapes: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_events.html
 * and https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html.
 */
import * as z from 'zod/mini';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { BadEventError, excerptOf, inputProblems } from '../errors.ts';

export const ECS_SERVICE_EVENTS = { source: 'aws.ecs', detailTypes: ['ECS Service Action', 'ECS Deployment State Change'] } as const;

/**
 * The problems ECS reports about a service that ecs-autopilot alerts, by eventName: every WARN and ERROR
 * event of the guide's list (and the failed deployment). The INFO ones (TASKSET_STEADY_STATE,
 * CAPACITY_PROVIDER_STEADY_STATE, SERVICE_DESIRED_COUNT_UPDATED, TASKS_STOPPED, SERVICE_DEPLOYMENT_IN_PROGRESS)
 * say nothing an operator must act on; a service's stopped tasks come as task events.
 */
export const SERVICE_PROBLEM_EVENTS = [
  'SERVICE_TASK_PLACEMENT_FAILURE',
  'SERVICE_TASK_CONFIGURATION_FAILURE',
  'SERVICE_TASK_START_IMPAIRED',
  'SERVICE_DEPLOYMENT_FAILED',
  'SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED',
  'ECS_OPERATION_THROTTLED',
  'SERVICE_DISCOVERY_OPERATION_THROTTLED',
  'SERVICE_DISCOVERY_INSTANCE_UNHEALTHY',
  'VPC_LATTICE_TARGET_UNHEALTHY',
] as const;

/** What ECS reports when a service is well again: these resolve the problems' alerts. */
export const SERVICE_RECOVERY_EVENTS = ['SERVICE_STEADY_STATE', 'SERVICE_DEPLOYMENT_COMPLETED'] as const;

export type ServiceProblemEvent = (typeof SERVICE_PROBLEM_EVENTS)[number];
export type ServiceRecoveryEvent = (typeof SERVICE_RECOVERY_EVENTS)[number];

/** The pattern of the rule: these services (ARNs, or the template's expressions of them), these event names. */
export function ecsServiceEventPattern(serviceArns: readonly unknown[]) {
  return {
    source: [ECS_SERVICE_EVENTS.source],
    'detail-type': [...ECS_SERVICE_EVENTS.detailTypes],
    resources: [...serviceArns],
    detail: { eventName: [...SERVICE_PROBLEM_EVENTS, ...SERVICE_RECOVERY_EVENTS] },
  };
}

/** An ECS service event (by source and detail-type), not a task event or a timer. */
export function isEcsServiceEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const { source, 'detail-type': detailType } = event as Record<string, unknown>;
  return source === ECS_SERVICE_EVENTS.source && (ECS_SERVICE_EVENTS.detailTypes as readonly unknown[]).includes(detailType);
}

/** Built on first use: a cold start for a task stop never needs it. */
const serviceEventSchema = builtOnFirstUse(() => {
  const text = z.string().check(z.minLength(1));

  return z.object({
    id: text,
    'detail-type': z.enum(ECS_SERVICE_EVENTS.detailTypes),
    account: z.optional(z.string()),
    region: z.optional(z.string()),
    time: z.iso.datetime({ offset: true }),
    resources: z.array(z.string()).check(z.minLength(1)),
    detail: z.object({
      eventType: text,
      eventName: text,
      clusterArn: z.optional(z.string()),
      reason: z.optional(z.string()),
      deploymentId: z.optional(z.string()),
    }),
  });
});

const FIELDS = {
  id: 'the EventBridge event id',
  time: 'an ISO 8601 time',
  resources: "a list with the service's ARN",
  'detail.eventType': 'INFO, WARN or ERROR',
  'detail.eventName': 'an ECS event name such as SERVICE_TASK_PLACEMENT_FAILURE',
};

export interface EcsServiceEvent {
  id: string;
  detailType: (typeof ECS_SERVICE_EVENTS.detailTypes)[number];
  account: string | undefined;
  region: string | undefined;
  time: string;
  /** The service's ARN, as ECS puts it in `resources`. */
  serviceArn: string;
  /** Its cluster's name: from the service ARN (arn:…:service/<cluster>/<service>), or else from detail.clusterArn. */
  clusterName: string | undefined;
  serviceName: string;
  eventType: string;
  eventName: string;
  reason: string | undefined;
  deploymentId: string | undefined;
}

const SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/(?:([^/]+)\/)?([^/]+)$/;
const CLUSTER_OF_ARN = /:cluster\/([^/]+)$/;

export function parseEcsServiceEvent(event: unknown): EcsServiceEvent {
  const result = serviceEventSchema().safeParse(event);
  if (!result.success) {
    throw new BadEventError(`not an ECS service event (${inputProblems(result.error.issues, FIELDS, 'event')}): ${excerptOf(event)}`);
  }
  const { id, account, region, time, resources, detail } = result.data;
  const serviceArn = resources.find((arn) => SERVICE_ARN.test(arn));
  if (serviceArn === undefined) {
    throw new BadEventError(
      `not an ECS service event (resources: expected the service's ARN (arn:aws:ecs:<region>:<account>:service/…), got ${excerptOf(resources, 200)}): ${excerptOf(event)}`,
    );
  }
  const [, clusterInArn, serviceName] = SERVICE_ARN.exec(serviceArn) as RegExpExecArray;
  return {
    id,
    detailType: result.data['detail-type'],
    account,
    region,
    time: new Date(time).toISOString(),
    serviceArn,
    clusterName: clusterInArn ?? (detail.clusterArn ? CLUSTER_OF_ARN.exec(detail.clusterArn)?.[1] : undefined),
    serviceName: serviceName as string,
    eventType: detail.eventType,
    eventName: detail.eventName,
    reason: detail.reason,
    deploymentId: detail.deploymentId,
  };
}
