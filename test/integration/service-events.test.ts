/**
 * ECS's own events about a watched service, against moto: on-task-stopped turns a placement failure into
 * an alert on the bus (a redelivery into the same event id), notify sends one message for it through the
 * alert topic, and the service's steady state resolves it with one resolved message. The events are the
 * ECS Developer Guide's examples (test/fixtures/service-events.ts), moved into the emulator's account,
 * region, cluster and service.
 */
import { describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { drainAlerts, emulatorNotifyRuntime } from '../../sandbox/alerts.ts';
import { EMULATOR_ACCOUNT, EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { type ServiceEventFixture, serviceEvent } from '../fixtures/service-events.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const config = { services: { web: { cluster: 'web-ots' } } };
const START = new Date('2026-11-22T02:00:05Z');
const SERVICE_ARN = `arn:aws:ecs:${EMULATOR_REGION}:${EMULATOR_ACCOUNT}:service/web-ots/web`;

describe('ECS service events against moto', () => {
  const t = useEmulatorWorld(config, START);

  /** The documented event, as ECS would send it about service "web" of cluster "web-ots", now. */
  function ecsEvent(name: ServiceEventFixture): ReturnType<typeof serviceEvent> {
    const event = serviceEvent(name);
    return {
      ...event,
      account: EMULATOR_ACCOUNT,
      region: EMULATOR_REGION,
      time: t.clock.now().toISOString(),
      resources: [SERVICE_ARN],
      detail: { ...event.detail, clusterArn: `arn:aws:ecs:${EMULATOR_REGION}:${EMULATOR_ACCOUNT}:cluster/web-ots` },
    };
  }

  /** Hands every event on the bus with an alert to notify, as the alerts rule would, each with an EventBridge id of its own. */
  async function deliverAlerts(round: string): Promise<string[]> {
    const notifyRuntime = emulatorNotifyRuntime(t.world, t.automation, t.clock, t.timers, quietLog);
    const events = (await t.events()).filter((e) => e.detail.alert !== undefined);
    for (const [i, event] of events.entries()) {
      await notify({ ...event, id: `${round}-${i}`, account: EMULATOR_ACCOUNT, region: EMULATOR_REGION }, notifyRuntime);
    }
    return events.map((e) => e['detail-type']);
  }

  /** Runs notify's timers due within `ms`, on the virtual clock. */
  async function passTime(ms: number): Promise<void> {
    const notifyRuntime = emulatorNotifyRuntime(t.world, t.automation, t.clock, t.timers, quietLog);
    const until = new Date(t.clock.now().getTime() + ms);
    for (let [next] = await t.timers.pending(); next && next.at <= until; [next] = await t.timers.pending()) {
      t.clock.advanceTo(next.at);
      for (let due = await t.timers.takeDue(t.clock.now()); due; due = await t.timers.takeDue(t.clock.now())) {
        await notify(due.input, notifyRuntime);
      }
    }
    t.clock.advanceTo(until);
  }

  it('alerts a placement failure once, however often it is delivered, and resolves it at the steady state', async () => {
    const failure = ecsEvent('service-task-placement-failure');

    const first = await onTaskStopped(failure, t.stopRuntime);
    await onTaskStopped(failure, t.stopRuntime);

    expect(first).toMatchObject({ eventName: 'SERVICE_TASK_PLACEMENT_FAILURE', action: 'published Service Task Placement Failed' });
    const published = await t.events();
    expect(published.map((e) => [e['detail-type'], e.detail.eventId])).toEqual([
      ['Service Task Placement Failed', `ecs-service-event:${failure.id}:placement-failure`],
      ['Service Task Placement Failed', `ecs-service-event:${failure.id}:placement-failure`],
    ]);
    expect(published[0]?.detail.alert).toEqual({
      cluster: 'web-ots',
      subject: { kind: 'service', name: 'web' },
      category: 'placement-failure',
      severity: 'critical',
      resolvedBy: 'resolving-event',
    });

    // Deliver both (a redelivery has the same eventId), then let an hour pass: one message, no resolution by quiet.
    for (const [i, event] of published.entries()) {
      await notify(
        { ...event, id: `failure-${i}`, account: EMULATOR_ACCOUNT, region: EMULATOR_REGION },
        emulatorNotifyRuntime(t.world, t.automation, t.clock, t.timers, quietLog),
      );
    }
    await passTime(3_600_000);
    const firing = await drainAlerts(t.world);
    expect(firing.map((m) => m.subject)).toEqual([
      '[CRITICAL] SERVICE_TASK_PLACEMENT_FAILURE for service web on web-ots: placement-failure',
    ]);

    await onTaskStopped(ecsEvent('service-steady-state'), t.stopRuntime);
    // One per group a steady service ends (placement, configuration, start, daemon placement, service discovery, VPC Lattice).
    expect(await deliverAlerts('steady')).toEqual(Array(6).fill('Service Recovered'));
    await passTime(600_000);

    expect((await drainAlerts(t.world)).map((m) => m.subject)).toEqual(['[RESOLVED] Service web on web-ots: placement-failure']);
  });

  it('ignores the events of a service automation.yml does not watch', async () => {
    const other = { ...ecsEvent('service-task-placement-failure'), resources: [SERVICE_ARN.replace(/\/web$/, '/admin')] };

    const outcome = await onTaskStopped(other, t.stopRuntime);

    expect(outcome).toMatchObject({ action: expect.stringMatching(/^ignored: service .*\/admin is not in automation.yml's services/) });
    expect(await t.events()).toEqual([]);
  });
});
