/**
 * shift-traffic's trigger contract: the patterns of the rules that invoke it, its watchdog's payload, and
 * what reaches it, parsed (zod/mini) and routed to the apps it concerns:
 * - our bus: Deployment Requested / Promotion Requested / Abort Requested / Retry Requested / Undo
 *   Requested (from the CLI or a pipeline); a promote, abort, retry or undo names its deployment in
 *   detail.id (a promote also the step, 1-based, in detail.step, and `full`; a retry or undo the new
 *   deployment's id in detail.newId), and is known by its event id, so that a redelivery is recognised;
 * - aws.ecs: ECS Deployment State Change and ECS Service Action for an app's services;
 * - aws.cloudwatch: CloudWatch Alarm State Change for an alarm some app gates on;
 * - the watchdog schedule: `{ "tick": true }`, for every app.
 * Anything else is a BadEventError naming what was expected.
 */

import * as z from 'zod/mini';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { clusterNameOf } from '../config/cluster.ts';
import type { Automation } from '../config/schema.ts';
import { BadEventError, excerptOf } from '../errors.ts';
import { EVENT_SOURCE } from '../events/bus.ts';
import { foreignOrigin as foreignOriginOf, type StackHome } from '../events/origin.ts';
import { type AppSpec, COLOURS, DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_REQUEST_DETAIL_TYPES, type DeploymentEvent } from './model.ts';

/** The events of the ECS services that shift-traffic follows: rollouts and steady state, on the default bus. */
export const SERVICE_EVENTS = { source: 'aws.ecs', detailTypes: ['ECS Deployment State Change', 'ECS Service Action'] } as const;

/** The state changes of the CloudWatch alarms that gate deployments, on the default bus. */
export const ALARM_STATE_CHANGE = { source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' } as const;

/** What the shift-traffic watchdog schedule sends. */
export const SHIFT_TRAFFIC_TICK = { tick: true } as const;

/** On our bus, the requests shift-traffic acts on; its own events (Started, Rejected, …) do not match. */
export const DEPLOYMENT_REQUEST_PATTERN = {
  source: [EVENT_SOURCE],
  'detail-type': [...DEPLOYMENT_REQUEST_DETAIL_TYPES],
} as const;

/**
 * The ECS events whose `resources` name a service of an app (ECS puts the service ARN there), for these
 * services (ARNs, or the template's expressions of them).
 */
export function serviceEventPattern(serviceArns: readonly unknown[]) {
  return {
    source: [SERVICE_EVENTS.source],
    'detail-type': [...SERVICE_EVENTS.detailTypes],
    resources: [...serviceArns],
  };
}

/** The state changes of the named alarms (any state: the function acts on ALARM and records the others). */
export function alarmEventPattern(alarmNames: readonly string[]) {
  return {
    source: [ALARM_STATE_CHANGE.source],
    'detail-type': [ALARM_STATE_CHANGE.detailType],
    detail: { alarmName: [...alarmNames] },
  };
}

export interface RoutedEvent {
  app: string;
  event: DeploymentEvent;
}

/** shift-traffic's input schemas, built on first use (not at import: see shared/built-on-first-use.ts). */
const schemas = builtOnFirstUse(() => {
  const text = z.string().check(z.minLength(1), z.maxLength(2048));

  const request = z.object({
    app: text,
    id: z.optional(text.check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/))),
    step: z.optional(z.int().check(z.minimum(1))),
    full: z.optional(z.boolean()),
    newId: z.optional(text.check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/))),
    taskDefinition: z.optional(text),
    images: z.optional(z.record(text, text)),
    requestedBy: z.optional(text),
    by: z.optional(text),
    reason: z.optional(text),
  });

  const envelope = z.object({
    id: z.optional(z.string()),
    time: z.optional(z.string()),
    source: z.string(),
    'detail-type': z.string(),
    resources: z.optional(z.array(z.string())),
    detail: z.optional(z.record(z.string(), z.unknown())),
  });

  const alarmDetail = z.object({
    alarmName: text,
    state: z.object({ value: text, reason: z.optional(z.string()) }),
  });

  const tick = z.object({ tick: z.literal(true) });

  const origin = z.object({ source: z.string(), account: z.optional(z.string()), region: z.optional(z.string()) });

  return { request, envelope, alarmDetail, tick, origin };
});

/**
 * Why an event is not this stack's, or undefined when it is. AWS events (an alarm, an ECS rollout) come
 * from the stack's account and region: rules on a bus that receives events forwarded from elsewhere
 * match alarm and service names only, and an alarm of the same name elsewhere must not roll a
 * deployment back. Requests are put on our bus, in its region, by this account or the accounts of
 * `deployers` (the bus policy lets no one else; this is the second lock).
 */
export function foreignOrigin(input: unknown, home: StackHome, deployers: readonly string[] = []): string | undefined {
  const parsed = schemas().origin.safeParse(input);
  if (!parsed.success) return undefined;
  const { source, account, region } = parsed.data;
  if (source.startsWith('aws.')) return foreignOriginOf(input, home);
  if (source !== EVENT_SOURCE) return undefined;
  if (home.region && region !== home.region) return `a request from region ${region ?? '(none)'}, not this stack's ${home.region}`;
  const deployerAccounts = deployers.map((principal) => principal.split(':')[4]);
  if (home.account && account !== home.account && !deployerAccounts.includes(account)) {
    return `a request from account ${account ?? '(none)'}, neither this stack's ${home.account} nor one of deployers' (${deployerAccounts.join(', ') || 'none'})`;
  }
  return undefined;
}

/** The apps this event concerns, each with the event as the state machine takes it. */
export function routeShiftInput(input: unknown, automation: Automation): RoutedEvent[] {
  const apps = Object.values(automation.apps);
  if (schemas().tick.safeParse(input).success) return apps.map((app) => ({ app: app.name, event: { kind: 'tick' } }));
  const parsed = schemas().envelope.safeParse(input);
  if (!parsed.success) {
    throw new BadEventError(
      'shift-traffic takes a Deployment Requested / Promotion Requested / Abort Requested / Retry Requested / Undo Requested event, an ECS deployment or service event, a CloudWatch Alarm State Change, or {"tick": true}',
    );
  }
  const event = parsed.data;
  const detailType = event['detail-type'];
  if (event.source === EVENT_SOURCE) return [requestOf(detailType, event.detail, event.id, event.time)];
  if (event.source === 'aws.ecs' && (detailType === 'ECS Deployment State Change' || detailType === 'ECS Service Action')) {
    const named = event.detail?.eventName;
    const eventName = typeof named === 'string' ? named : detailType;
    return (event.resources ?? []).flatMap((arn) =>
      appsOfService(arn, apps).map(({ app, service }) => ({
        app: app.name,
        event: { kind: 'service-changed' as const, service, eventName },
      })),
    );
  }
  if (event.source === 'aws.cloudwatch' && detailType === 'CloudWatch Alarm State Change') {
    const detail = schemas().alarmDetail.safeParse(event.detail);
    if (!detail.success) throw new BadEventError('a CloudWatch Alarm State Change without detail.alarmName and detail.state.value');
    const { alarmName, state } = detail.data;
    return apps
      .filter((app) => app.gates.alarms.includes(alarmName))
      .map((app) => ({ app: app.name, event: { kind: 'alarm' as const, alarmName, state: state.value, reason: state.reason } }));
  }
  const source = /^[\w.:-]{1,100}$/.test(event.source) ? event.source : excerptOf(event.source, 100);
  throw new BadEventError(`shift-traffic does not handle ${source} ${excerptOf(detailType, 100)} events`);
}

/**
 * The fields each request may carry. Requests are what `deployers` of other accounts may put on the
 * bus; anything else they carry (an `alert` block, say) is refused rather than passed on.
 */
export const REQUEST_FIELDS: Readonly<Record<string, readonly string[]>> = {
  [DEPLOYMENT_DETAIL_TYPES.requested]: ['app', 'id', 'taskDefinition', 'images', 'requestedBy'],
  [DEPLOYMENT_DETAIL_TYPES.promoteRequested]: ['app', 'id', 'step', 'full', 'by'],
  [DEPLOYMENT_DETAIL_TYPES.abortRequested]: ['app', 'id', 'by', 'reason'],
  [DEPLOYMENT_DETAIL_TYPES.retryRequested]: ['app', 'id', 'newId', 'by'],
  [DEPLOYMENT_DETAIL_TYPES.undoRequested]: ['app', 'id', 'newId', 'by'],
};

function requestOf(detailType: string, rawDetail: unknown, eventId: string | undefined, time: string | undefined): RoutedEvent {
  if (!Object.hasOwn(REQUEST_FIELDS, detailType)) {
    throw new BadEventError(`shift-traffic does not handle ecs-autopilot ${excerptOf(detailType, 100)} events`);
  }
  const parsed = schemas().request.safeParse(rawDetail);
  if (!parsed.success) {
    throw new BadEventError(
      `a ${detailType} event needs detail.app (and an id of letters, digits, "-", "_", ".", ":"; a step from 1): ${oneLine(z.prettifyError(parsed.error)).slice(0, 300)}`,
    );
  }
  const detail = parsed.data;
  const allowed = REQUEST_FIELDS[detailType] ?? [];
  const unexpected = Object.keys(rawDetail as object)
    .filter((field) => !allowed.includes(field))
    .map((field) => (/^[A-Za-z0-9_-]{1,40}$/.test(field) ? field : excerptOf(field, 40)));
  const listed = unexpected.length > 10 ? [...unexpected.slice(0, 10), `and ${unexpected.length - 10} more`] : unexpected;
  if (unexpected.length > 0 && detailType !== DEPLOYMENT_DETAIL_TYPES.requested) {
    throw new BadEventError(`a ${detailType} event carries only ${allowed.join(', ')}; it also had ${listed.join(', ')}`);
  }
  switch (detailType) {
    case DEPLOYMENT_DETAIL_TYPES.requested: {
      const id = detail.id ?? eventId;
      if (!id) throw new BadEventError('a Deployment Requested event needs detail.id or an event id');
      return {
        app: detail.app,
        event: {
          kind: 'requested',
          id,
          sentAt: sentAtOf(time),
          ...(unexpected.length > 0 && { unexpectedFields: listed }),
          taskDefinition: detail.taskDefinition,
          images: detail.images,
          requestedBy: detail.requestedBy,
        },
      };
    }
    case DEPLOYMENT_DETAIL_TYPES.promoteRequested: {
      const requestId = eventId ?? ['promote', detail.id, detail.step].filter((part) => part !== undefined).join(':');
      return {
        app: detail.app,
        event: { kind: 'promote', requestId, deploymentId: detail.id, step: detail.step, full: detail.full, by: detail.by },
      };
    }
    case DEPLOYMENT_DETAIL_TYPES.abortRequested: {
      const requestId = eventId ?? ['abort', detail.id].filter((part) => part !== undefined).join(':');
      return { app: detail.app, event: { kind: 'abort', requestId, deploymentId: detail.id, by: detail.by, reason: detail.reason } };
    }
    case DEPLOYMENT_DETAIL_TYPES.retryRequested:
    case DEPLOYMENT_DETAIL_TYPES.undoRequested: {
      const kind = detailType === DEPLOYMENT_DETAIL_TYPES.retryRequested ? 'retry' : 'undo';
      if (detail.id === undefined) throw new BadEventError(`a ${detailType} event needs detail.id, the deployment to ${kind}`);
      const id = detail.newId ?? eventId;
      if (!id) throw new BadEventError(`a ${detailType} event needs detail.newId (the new deployment's id) or an event id`);
      return { app: detail.app, event: { kind, id, deploymentId: detail.id, sentAt: sentAtOf(time), by: detail.by } };
    }
    default:
      throw new BadEventError(`shift-traffic does not handle ecs-autopilot ${excerptOf(detailType, 100)} events`);
  }
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, '; ');

/** The event's time as an ISO instant, when it is one (EventBridge always sets it; a hand-made event may not). */
function sentAtOf(time: string | undefined): string | undefined {
  const instant = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(instant) ? undefined : new Date(instant).toISOString();
}

/** Service ARNs are arn:…:service/<cluster>/<service> (or the old arn:…:service/<service>, without the cluster). */
function appsOfService(arn: string, apps: AppSpec[]): { app: AppSpec; service: string }[] {
  const path = arn.split(':service/')[1]?.split('/') ?? [];
  const service = path.at(-1);
  const cluster = path.length > 1 ? path[0] : undefined;
  if (!service) return [];
  return apps.flatMap((app) =>
    COLOURS.some((colour) => app.colours[colour].service === service) && (cluster === undefined || clusterNameOf(app.cluster) === cluster)
      ? [{ app, service }]
      : [],
  );
}
