/**
 * notify, broken at every step: each scenario (a group's first event, an event a flush already covers,
 * the flush that sends the firing message, the resolve check that sends the resolved one, a resolving
 * event) runs once without faults to record its AWS calls; then, for every call k, it runs again from the
 * same start with (a) call k failing (a throttle), (b) call k succeeding and the invocation killed right
 * after it, (c) the same kill followed by two deliveries at once; then the same input is delivered again,
 * as Lambda's retries would, until one ends normally, and the group lives on until its last timer. The
 * end must equal the fault-free run's: the same messages (status, subject, count, total), the same
 * count in the group's inbox, nothing left unsettled.
 *
 * One difference is expected, and only one: SNS cannot tell a message sent twice. When the invocation
 * dies after SNS took a message and before it could settle it (killed right after Publish, or its settle
 * fails), the delivery that takes over sends that message once more — the same message, once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { type Emulator, emulatorClientConfig, resetEmulator, startEmulator } from '../../sandbox/emulator.ts';
import { type SandboxWorld, seedSandbox } from '../../sandbox/seed.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import { AlertTopic } from '../../shared/alerts/publish.ts';
import type { ChatbotNotification } from '../../shared/alerts/render.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../../shared/alerts/runtime.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { busEvent, crashLoop, oomStop, serviceTaskStopped } from '../helpers/alert-events.ts';
import { type AwsCall, type Fault, installFaults, invoke } from '../helpers/faults.ts';
import { oneRequestAtATime, quietLog, TestClock } from './world.ts';

const config = { notifications: { groupWait: '3m', repeatInterval: '5m', resolveAfter: '30m' } };
const automation = validateAutomation(config);
const START = new Date('2026-11-22T02:00:00.000Z');
/** When Lambda delivers a failed invocation's input again. */
const REDELIVERY_DELAY_SECONDS = 120;
const SERVICE_GROUP = 'prod|service:web|out-of-memory';
const CRASH_LOOP_GROUP = 'prod|watched-task:ingest|crash-loop';

interface Past {
  rt: NotifyRuntime;
  clock: TestClock;
  timers: EmulatorTimers;
  world: SandboxWorld;
}

type World = Past & { deliver: () => Promise<unknown>; groupKey: string };

interface Scenario {
  name: string;
  groupKey: string;
  /** What happened before, without faults; returns the invocation the scenario is about. */
  before: (w: Past) => Promise<() => Promise<unknown>>;
}

let sequence = 0;
/** A stop of service web as on-task-stopped announces it, now, under its own decision id. */
function stopOfWeb(w: Past) {
  sequence += 1;
  const taskId = sequence.toString(16).padStart(32, '0');
  return busEvent(
    'Service Task Stopped',
    { ...serviceTaskStopped({ stop: oomStop({ taskId }) }), eventId: `stop:${taskId}` },
    {
      id: `eventbridge-${sequence}`,
      time: w.clock.now().toISOString(),
    },
  );
}

/** Takes the earliest pending timer once the clock has come to it, as Scheduler fires it. */
async function nextTimer(w: Past): Promise<unknown> {
  const [timer] = await w.timers.pending();
  if (!timer) throw new Error('no timer is pending');
  w.clock.advanceTo(timer.at);
  await w.timers.takeDue(w.clock.now());
  return timer.input;
}

const SCENARIOS: Scenario[] = [
  {
    name: "a group's first event: an episode begins, its flush and resolve check are set",
    groupKey: SERVICE_GROUP,
    before: async (w) => {
      const event = stopOfWeb(w);
      return () => notify(event, w.rt);
    },
  },
  {
    name: 'an event the armed flush reports: counted, nothing more',
    groupKey: SERVICE_GROUP,
    before: async (w) => {
      await notify(stopOfWeb(w), w.rt);
      w.clock.advance(20);
      const event = stopOfWeb(w);
      return () => notify(event, w.rt);
    },
  },
  {
    name: 'the flush: the firing message',
    groupKey: SERVICE_GROUP,
    before: async (w) => {
      await notify(stopOfWeb(w), w.rt);
      w.clock.advance(20);
      await notify(stopOfWeb(w), w.rt);
      const flush = await nextTimer(w);
      return () => notify(flush, w.rt);
    },
  },
  {
    name: 'the resolve check after a quiet resolveAfter: the resolved message',
    groupKey: SERVICE_GROUP,
    before: async (w) => {
      await notify(stopOfWeb(w), w.rt);
      await notify(await nextTimer(w), w.rt);
      const check = await nextTimer(w);
      return () => notify(check, w.rt);
    },
  },
  {
    name: "a resolving event (restarts resumed): the crash loop's group resolves",
    groupKey: CRASH_LOOP_GROUP,
    before: async (w) => {
      const alert = { ...crashLoop().alert, resolvedBy: 'resolving-event' as const };
      await notify(
        busEvent('Crash Loop Detected', { ...crashLoop({ alert }), eventId: 'crash-loop:ingest:1' }, { time: w.clock.now().toISOString() }),
        w.rt,
      );
      await notify(await nextTimer(w), w.rt);
      w.clock.advance(600);
      const resumed = busEvent(
        'Watched Task Restarts Resumed',
        { watchedTask: 'ingest', eventId: 'resumed:ingest:1', alert: { ...crashLoop().alert, severity: 'warning', resolves: true } },
        { id: 'eventbridge-resumed', time: w.clock.now().toISOString() },
      );
      return () => notify(resumed, w.rt);
    },
  },
];

describe('notify under faults', () => {
  const faults = installFaults();
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    faults.uninstall();
    await emulator?.stop();
  });

  /** A fresh emulator, seeded, with the scenario's past played and its messages drained. */
  async function worldFor(scenario: Scenario): Promise<World> {
    await resetEmulator(emulator);
    const world = await seedSandbox(emulator, automation, { stage: 'notify-faults' });
    const clock = new TestClock(START);
    const timers = new EmulatorTimers(world);
    const config = emulatorClientConfig(world.endpoint);
    const rt = createNotifyRuntime({
      timing: automation.notifications,
      // Two deliveries at once: moto gets one DynamoDB request at a time (see oneRequestAtATime).
      dynamo: DynamoDBDocumentClient.from(oneRequestAtATime(new DynamoDBClient(config)), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: world.tableName,
      topic: new AlertTopic(new SNSClient(config), world.alertTopicArn),
      timers,
      log: quietLog,
      now: clock.now,
    });
    const past: Past = { rt, clock, timers, world };
    const deliver = await scenario.before(past);
    await delivered(past);
    return { ...past, deliver, groupKey: scenario.groupKey };
  }

  /** Delivers the input again until an invocation ends normally, as Lambda's retries would. */
  async function untilQuiet(w: World): Promise<void> {
    for (let delivery = 1; delivery <= 6; delivery++) {
      w.clock.advance(REDELIVERY_DELAY_SECONDS);
      const { error } = await invoke(w.deliver);
      if (!error) return;
    }
    throw new Error('six redeliveries did not end normally');
  }

  /** The group lives on: every timer fires in time order until none is left. */
  async function untilNoTimer(w: World): Promise<void> {
    for (let fired = 0; (await w.timers.pending()).length > 0; fired++) {
      if (fired === 20) throw new Error('timers keep coming');
      await notify(await nextTimer(w), w.rt);
    }
  }

  /** Every message the alert topic delivered since the last call, reduced to what a fault must not change. */
  async function delivered(w: Past): Promise<string[]> {
    const sqs = new SQSClient(emulatorClientConfig(w.world.endpoint));
    const messages: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: w.world.alertQueueUrl, MaxNumberOfMessages: 10 }));
      if (Messages.length === 0) return messages;
      for (const message of Messages) {
        const envelope = JSON.parse(message.Body ?? '{}') as { Subject: string; Message: string };
        const { status, count, total } = (JSON.parse(envelope.Message) as ChatbotNotification).metadata.additionalContext;
        messages.push(`${status} "${envelope.Subject}" count ${count ?? '-'} of ${total}`);
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: w.world.alertQueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  async function endState(w: World) {
    await untilNoTimer(w);
    const [read, stored] = await Promise.all([w.rt.groups.inbox(w.groupKey), w.rt.groups.decisions(w.groupKey)]);
    return {
      messages: await delivered(w),
      counted: read?.inbox.total,
      open: await w.rt.groups.get(w.groupKey),
      unsettled: stored.version !== read?.settled.version,
    };
  }

  /** The call of the fault-free run as a fault aims at it: its command and which of them it was. */
  const aimAt = (calls: AwsCall[], k: number) => {
    const call = calls[k] as AwsCall;
    return { command: call.command, occurrence: calls.slice(0, k + 1).filter((c) => c.command === call.command).length };
  };

  /**
   * The message a fault at call k may send twice: SNS took it (call k or an earlier Publish succeeded)
   * and the invocation could not settle it (killed right after the Publish, or the settle that follows
   * it failed).
   */
  function sentTwice(calls: AwsCall[], k: number, mode: 'fail' | 'crash-after'): string | undefined {
    const publish = mode === 'crash-after' ? calls[k] : calls[k - 1];
    const settleFails = mode === 'fail' && calls[k]?.command === 'Update';
    if (publish?.command !== 'Publish' || (mode === 'fail' && !settleFails)) return undefined;
    return (publish.input as { Subject: string }).Subject;
  }

  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      let reference: Awaited<ReturnType<typeof endState>>;
      let calls: AwsCall[];

      beforeAll(async () => {
        const w = await worldFor(scenario);
        const clean = await invoke(w.deliver);
        expect(clean.error).toBeUndefined();
        calls = clean.calls;
        reference = await endState(w);
      }, 60_000);

      it('ends with every message sent, the group resolved, nothing unsettled', () => {
        expect(reference.messages.length).toBeGreaterThan(0);
        expect(reference).toMatchObject({ open: undefined, unsettled: false });
      });

      for (const mode of ['fail', 'crash-after', 'crash-after, then two deliveries at once'] as const) {
        const kind = mode === 'fail' ? 'fail' : 'crash-after';
        it(`ends as without faults when ${mode === 'fail' ? 'any call fails' : `the invocation dies after any call${mode === 'crash-after' ? '' : ', then comes twice at once'}`}`, async () => {
          const diverged: string[] = [];
          for (let k = 0; k < calls.length; k++) {
            const w = await worldFor(scenario);
            const fault: Fault = { kind, at: aimAt(calls, k) };
            await invoke(w.deliver, [fault]);
            if (mode === 'crash-after, then two deliveries at once') {
              w.clock.advance(REDELIVERY_DELAY_SECONDS);
              await Promise.all([invoke(w.deliver), invoke(w.deliver)]);
            }
            await untilQuiet(w);
            const end = await endState(w);
            const twice = sentTwice(calls, k, kind);
            const expected = twice
              ? { ...reference, messages: reference.messages.flatMap((m) => (m.includes(`"${twice}"`) ? [m, m] : [m])) }
              : reference;
            if (JSON.stringify(end) !== JSON.stringify(expected)) {
              diverged.push(`${mode} at call ${k} (${calls[k]?.service} ${calls[k]?.command}): ${JSON.stringify(end)}`);
            }
          }
          expect(diverged, `fault-free: ${JSON.stringify(reference)}`).toEqual([]);
        }, 600_000);
      }
    });
  }
});
