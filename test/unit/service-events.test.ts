/**
 * ECS's own events about a watched service (shared/service-events/): the rule lets through only the
 * problems and recoveries of the configured services; a problem becomes an alerting bus event, a recovery
 * the events that resolve its groups, with ids from the ECS event's; notify takes both and renders the
 * problem. Fixtures: the ECS Developer Guide's examples (test/fixtures/service-events.ts).
 */
import { describe, expect, it } from 'vitest';
import type { AlertDetail, AlertGroup } from '../../shared/alerts/decide.ts';
import { humanMessage } from '../../shared/alerts/render.ts';
import { parseNotifyInput } from '../../shared/alerts/trigger.ts';
import { validateAutomation } from '../../shared/config/validate.ts';
import type { AutopilotEvent } from '../../shared/events/bus.ts';
import { matchesEventPattern } from '../../shared/events/event-pattern.ts';
import { busEventOf, type PendingEvent } from '../../shared/events/pending-event.ts';
import { decideServiceEvent, SERVICE_PROBLEMS } from '../../shared/service-events/decide.ts';
import { handleServiceEvent } from '../../shared/service-events/handle.ts';
import { ecsServiceEventPattern, isEcsServiceEvent, parseEcsServiceEvent } from '../../shared/service-events/trigger.ts';
import { SERVICE_EVENT_ACCOUNT, SERVICE_EVENT_REGION, serviceEvent } from '../fixtures/service-events.ts';

const SERVICE_ARN = 'arn:aws:ecs:us-west-2:111122223333:service/default/servicetest';
/** The next step of each problem, by fixture. */
const SERVICE_PROBLEMS_NEXT_STEP = {
  'service-daemon-placement-constraint-violated': SERVICE_PROBLEMS.SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED.nextStep,
  'ecs-operation-throttled': SERVICE_PROBLEMS.ECS_OPERATION_THROTTLED.nextStep,
  'service-discovery-operation-throttled': SERVICE_PROBLEMS.SERVICE_DISCOVERY_OPERATION_THROTTLED.nextStep,
  'service-discovery-instance-unhealthy': SERVICE_PROBLEMS.SERVICE_DISCOVERY_INSTANCE_UNHEALTHY.nextStep,
  'vpc-lattice-target-unhealthy': SERVICE_PROBLEMS.VPC_LATTICE_TARGET_UNHEALTHY.nextStep,
};
const automation = validateAutomation({ services: { checkout: { cluster: 'default', service: 'servicetest' } } });

function published(name: Parameters<typeof serviceEvent>[0]): PendingEvent[] {
  const decision = decideServiceEvent(parseEcsServiceEvent(serviceEvent(name)), automation);
  if (decision.kind !== 'publish') throw new Error(`expected events, got: ${decision.reason}`);
  return decision.events;
}

/** The event as notify receives it from the bus. */
function onTheBus(event: PendingEvent) {
  const bus = busEventOf(event);
  return {
    id: `eb-${event.id}`,
    source: 'ecs-autopilot',
    'detail-type': bus.detailType,
    time: event.time,
    detail: { ...bus.detail, eventId: bus.id },
  };
}

describe('the service-events rule pattern', () => {
  const pattern = ecsServiceEventPattern([SERVICE_ARN]);

  it.each([
    'service-task-placement-failure',
    'service-task-start-impaired',
    'service-deployment-failed',
    'service-daemon-placement-constraint-violated',
    'ecs-operation-throttled',
    'service-discovery-operation-throttled',
    'service-discovery-instance-unhealthy',
    'vpc-lattice-target-unhealthy',
    'service-steady-state',
    'service-deployment-completed',
  ] as const)('lets %s of a configured service through', (name) => {
    expect(matchesEventPattern(pattern, serviceEvent(name))).toBe(true);
  });

  it('keeps out the events that are neither a problem nor a recovery, and other services', () => {
    const inProgress = serviceEvent('service-deployment-completed');
    inProgress.detail.eventName = 'SERVICE_DEPLOYMENT_IN_PROGRESS';
    const otherService = serviceEvent('service-task-placement-failure');
    otherService.resources = ['arn:aws:ecs:us-west-2:111122223333:service/default/other'];

    expect(matchesEventPattern(pattern, inProgress)).toBe(false);
    expect(matchesEventPattern(pattern, otherService)).toBe(false);
  });
});

describe('parseEcsServiceEvent', () => {
  it('reads the service and its cluster from the service ARN, and ECS’s words', () => {
    expect(parseEcsServiceEvent(serviceEvent('service-deployment-failed'))).toMatchObject({
      id: 'ddca6449-b258-46c0-8653-e0e3a6EXAMPLE',
      serviceArn: SERVICE_ARN,
      clusterName: 'default',
      serviceName: 'servicetest',
      eventType: 'ERROR',
      eventName: 'SERVICE_DEPLOYMENT_FAILED',
      reason: 'ECS deployment circuit breaker: task failed to start.',
      deploymentId: 'ecs-svc/123',
    });
  });

  it('takes the cluster from detail.clusterArn when the service ARN is of the old format (no cluster in it)', () => {
    const old = serviceEvent('service-task-placement-failure');
    old.resources = ['arn:aws:ecs:us-west-2:111122223333:service/servicetest'];

    expect(parseEcsServiceEvent(old)).toMatchObject({ clusterName: 'default', serviceName: 'servicetest' });
  });

  it('refuses an event without a service in its resources, naming what is wrong', () => {
    const bad = serviceEvent('service-steady-state');
    bad.resources = [];

    expect(() => parseEcsServiceEvent(bad)).toThrow(/resources: expected a list with the service's ARN/);
  });

  it('refuses an event whose resources name something other than a service, saying what it expected there (found by the fuzz)', () => {
    const bad = serviceEvent('service-steady-state');
    bad.resources = ['valueOf'];

    expect(() => parseEcsServiceEvent(bad)).toThrow(
      /resources: expected the service's ARN \(arn:aws:ecs:<region>:<account>:service\/…\), got \["valueOf"\]/,
    );
  });

  it('tells ECS service events from task events and timers', () => {
    expect(isEcsServiceEvent(serviceEvent('service-steady-state'))).toBe(true);
    expect(isEcsServiceEvent({ source: 'aws.ecs', 'detail-type': 'ECS Task State Change' })).toBe(false);
    expect(isEcsServiceEvent({ timer: 'restart-watched-task' })).toBe(false);
  });
});

describe('decideServiceEvent', () => {
  it.each([
    ['service-task-placement-failure', 'Service Task Placement Failed', 'placement-failure', 'critical', 'resolving-event'],
    ['service-task-start-impaired', 'Service Task Start Impaired', 'start-impaired', 'warning', 'resolving-event'],
    ['service-deployment-failed', 'Service Deployment Failed', 'deployment-failed', 'critical', 'quiet-period'],
    [
      'service-daemon-placement-constraint-violated',
      'Service Daemon Placement Violated',
      'daemon-placement-violated',
      'warning',
      'resolving-event',
    ],
    ['ecs-operation-throttled', 'Service Operations Throttled', 'ecs-throttled', 'warning', 'quiet-period'],
    ['service-discovery-operation-throttled', 'Service Operations Throttled', 'cloud-map-throttled', 'warning', 'quiet-period'],
    [
      'service-discovery-instance-unhealthy',
      'Service Discovery Instance Unhealthy',
      'service-discovery-unhealthy',
      'warning',
      'resolving-event',
    ],
    ['vpc-lattice-target-unhealthy', 'Service VPC Lattice Target Unhealthy', 'vpc-lattice-unhealthy', 'warning', 'resolving-event'],
  ] as const)('alerts %s under the service key', (name, detailType, category, severity, resolvedBy) => {
    const [event, ...more] = published(name);

    expect(more).toEqual([]);
    expect(event).toMatchObject({
      detailType,
      resources: [SERVICE_ARN],
      time: serviceEvent(name).time.replace('Z', '.000Z'),
      detail: {
        service: 'checkout',
        cluster: 'default',
        ecsEvent: { id: serviceEvent(name).id, eventName: serviceEvent(name).detail.eventName },
        alert: { cluster: 'default', subject: { kind: 'service', name: 'checkout' }, category, severity, resolvedBy },
      },
    });
  });

  it('puts ECS’s reason in the alert’s one line', () => {
    const [event] = published('service-task-placement-failure');

    expect(event?.detail.reason).toBe('Service servicetest: ECS cannot place its tasks (ECS: RESOURCE:MEMORY).');
  });

  it('derives the ids from the ECS event’s, so that a redelivery publishes the same ones', () => {
    expect(published('service-task-placement-failure').map((e) => e.id)).toEqual(
      published('service-task-placement-failure').map((e) => e.id),
    );
    expect(published('service-task-placement-failure')[0]?.id).toBe(
      'ecs-service-event:57c9506e-9d21-294c-d2fe-e8738da7e67d:placement-failure',
    );
  });

  it.each(['service-steady-state', 'service-deployment-completed'] as const)(
    'resolves the groups a steady service ends on %s, and not those of a failed deployment or throttling',
    (name) => {
      const events = published(name);

      expect(
        events.map((e) => [
          e.detailType,
          (e.detail.alert as AlertDetail['alert']).category,
          (e.detail.alert as AlertDetail['alert']).resolves,
        ]),
      ).toEqual([
        ['Service Recovered', 'placement-failure', true],
        ['Service Recovered', 'task-configuration-failure', true],
        ['Service Recovered', 'start-impaired', true],
        ['Service Recovered', 'daemon-placement-violated', true],
        ['Service Recovered', 'service-discovery-unhealthy', true],
        ['Service Recovered', 'vpc-lattice-unhealthy', true],
      ]);
      expect(new Set(events.map((e) => e.id)).size).toBe(6);
    },
  );

  it('ignores a service automation.yml does not watch, and the same name in another cluster', () => {
    const elsewhere = validateAutomation({ services: { checkout: { cluster: 'other', service: 'servicetest' } } });

    expect(decideServiceEvent(parseEcsServiceEvent(serviceEvent('service-task-placement-failure')), elsewhere)).toEqual({
      kind: 'ignore',
      reason: `service ${SERVICE_ARN} is not in automation.yml's services`,
    });
  });
});

describe('notify takes what decideServiceEvent publishes', () => {
  it('counts a problem, and renders ECS’s event, the next step and the console link', () => {
    const [event] = published('service-task-placement-failure');
    const input = parseNotifyInput(onTheBus(event as PendingEvent));
    if (input.kind !== 'alert') throw new Error(`expected an alert, got ${input.kind}`);
    const group: AlertGroup = {
      groupKey: 'default|service:checkout|placement-failure',
      pending: 1,
      total: 1,
      firstEventAt: input.sample.time,
      lastEventAt: input.sample.time,
      latest: input.sample,
      messagesSent: 0,
    } as AlertGroup;

    const { text } = humanMessage({ status: 'firing', group, count: 1 });

    expect(input.eventId).toBe('ecs-service-event:57c9506e-9d21-294c-d2fe-e8738da7e67d:placement-failure');
    expect(text).toContain('SERVICE_TASK_PLACEMENT_FAILURE for service checkout');
    expect(text).toContain('ECS cannot place its tasks (ECS: RESOURCE:MEMORY)');
    expect(text).toContain('/ecs/v2/clusters/default/services/servicetest/events?region=us-west-2');
    expect(humanMessage({ status: 'resolved', group, now: new Date('2019-11-19T20:27:22Z') }).text).toContain(
      'the service reached a steady state',
    );
  });

  it.each([
    ['service-daemon-placement-constraint-violated', 'no longer meets its placement constraints', 'the service reached a steady state'],
    // No event ends throttling: its alert resolves after the quiet period, and says so.
    ['ecs-operation-throttled', 'throttled by the Amazon ECS API limits', 'no ecs-throttled alert for'],
    ['service-discovery-operation-throttled', 'throttled by the AWS Cloud Map API limits', 'no cloud-map-throttled alert for'],
    ['service-discovery-instance-unhealthy', 'service discovery (AWS Cloud Map) is unhealthy', 'the service reached a steady state'],
    ['vpc-lattice-target-unhealthy', 'VPC Lattice target group is unhealthy', 'the service reached a steady state'],
  ] as const)('renders %s with what ECS said, the next step, and what resolves it', (name, says, resolvedWhen) => {
    const [event] = published(name);
    const input = parseNotifyInput(onTheBus(event as PendingEvent));
    if (input.kind !== 'alert') throw new Error(`expected an alert, got ${input.kind}`);
    const group = {
      groupKey: `default|service:checkout|${name}`,
      pending: 1,
      total: 1,
      firstEventAt: input.sample.time,
      lastEventAt: input.sample.time,
      latest: input.sample,
      messagesSent: 0,
    } as AlertGroup;

    const { text } = humanMessage({ status: 'firing', group, count: 1 });

    expect(text).toContain(`${serviceEvent(name).detail.eventName} for service checkout`);
    expect(text).toContain(says);
    expect(text).toContain(SERVICE_PROBLEMS_NEXT_STEP[name]);
    expect(humanMessage({ status: 'resolved', group, now: new Date('2019-11-19T21:00:00Z') }).text).toContain(resolvedWhen);
  });

  it('takes a recovery as the resolution of its group', () => {
    const [event] = published('service-steady-state');

    expect(parseNotifyInput(onTheBus(event as PendingEvent))).toMatchObject({
      kind: 'resolution',
      alert: { category: 'placement-failure', subject: { kind: 'service', name: 'checkout' }, resolves: true },
      time: '2019-11-19T20:27:22.000Z',
    });
  });
});

describe('handleServiceEvent', () => {
  function runtime(home: { account?: string; region?: string } = {}) {
    const sent: AutopilotEvent[] = [];
    const log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
    return {
      sent,
      rt: {
        automation,
        bus: { publish: async (events: AutopilotEvent[]) => void sent.push(...events) },
        log,
        account: home.account,
        region: home.region,
      } as unknown as Parameters<typeof handleServiceEvent>[1],
    };
  }

  it('publishes the alert with its id', async () => {
    const { rt, sent } = runtime({ account: SERVICE_EVENT_ACCOUNT, region: SERVICE_EVENT_REGION });

    const outcome = await handleServiceEvent(serviceEvent('service-deployment-failed'), rt);

    expect(outcome.action).toBe('published Service Deployment Failed');
    expect(sent.map((e) => e.id)).toEqual(['ecs-service-event:ddca6449-b258-46c0-8653-e0e3a6EXAMPLE:deployment-failed']);
  });

  it('ignores an event from another region, publishing nothing', async () => {
    const { rt, sent } = runtime({ account: SERVICE_EVENT_ACCOUNT, region: 'eu-west-1' });

    const outcome = await handleServiceEvent(serviceEvent('service-task-placement-failure'), rt);

    expect(outcome.action).toMatch(/^ignored: from 111122223333\/us-west-2/);
    expect(sent).toEqual([]);
  });
});
