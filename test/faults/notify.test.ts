/**
 * notify, broken at every step (see sweep.ts): each scenario (a group's first event, an event a flush
 * already covers, the flush that sends the firing message, the resolve check that sends the resolved one,
 * a resolving event) against the fault-free run's end, once the group has lived on until its last timer:
 * the same messages (status, subject, count, total), the same count in the group's inbox, nothing left
 * unsettled. A failed invocation's input comes again as Lambda's retries would.
 *
 * One difference is expected, and only one: SNS cannot tell a message sent twice. When the invocation
 * dies after SNS took a message and before it could settle it (killed right after Publish, or its settle
 * fails), the delivery that takes over sends that message once more — the same message, once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect } from 'vitest';
import { createSilence } from '../../cli/silences.ts';
import { notify } from '../../functions/notify.ts';
import { emulatorClientConfig, resetEmulator } from '../../sandbox/emulator.ts';
import { type SandboxWorld, seedSandbox } from '../../sandbox/seed.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import type { NotifyResult } from '../../shared/alerts/handle.ts';
import { notifyHolds } from '../../shared/alerts/notify-holds.ts';
import { AlertTopic } from '../../shared/alerts/publish.ts';
import type { ChatbotNotification } from '../../shared/alerts/render.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../../shared/alerts/runtime.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { Silences } from '../../shared/state/silences.ts';
import { busEvent, crashLoop, jobRunFailed, oomStop, serviceTaskStopped } from '../helpers/alert-events.ts';
import type { AwsCall } from '../helpers/faults.ts';
import { oneRequestAtATime, quietLog, TestClock } from '../integration/world.ts';
import type { CrashPoint } from './crash-points.ts';
import { useFaultEmulator } from './emulator-snapshots.ts';
import type { EndState } from './end-state.ts';
import { sweepFaults } from './sweep.ts';

const config = { notifications: { groupWait: '3m', repeatInterval: '5m', resolveAfter: '30m' } };
const automation = validateAutomation(config);
const START = new Date('2026-11-22T02:00:00.000Z');
/** When Lambda delivers a failed invocation's input again. */
const REDELIVERY_DELAY_SECONDS = 120;
const SERVICE_GROUP = 'prod|service:web|out-of-memory';
const CRASH_LOOP_GROUP = 'prod|watched-task:ingest|crash-loop';
const JOB_GROUP = 'batch|job:nightly-report|job-failing';

interface Past {
  rt: NotifyRuntime;
  clock: TestClock;
  timers: EmulatorTimers;
  world: SandboxWorld;
}

/** The scenario's input, delivered once in a world. */
type Delivery = (w: Past) => Promise<unknown>;

type World = Past & { delivery: Delivery; groupKey: string };

interface Scenario {
  name: string;
  groupKey: string;
  /** What happened before, without faults; returns the invocation the scenario is about. */
  before: (w: Past) => Promise<Delivery>;
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
      return (world) => notify(event, world.rt);
    },
  },
  {
    name: 'an event the armed flush reports: counted, nothing more',
    groupKey: SERVICE_GROUP,
    before: async (w) => {
      await notify(stopOfWeb(w), w.rt);
      w.clock.advance(20);
      const event = stopOfWeb(w);
      return (world) => notify(event, world.rt);
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
      return (world) => notify(flush, world.rt);
    },
  },
  {
    name: 'the resolve check after a quiet resolveAfter: the resolved message',
    groupKey: SERVICE_GROUP,
    before: async (w) => {
      await notify(stopOfWeb(w), w.rt);
      await notify(await nextTimer(w), w.rt);
      const check = await nextTimer(w);
      return (world) => notify(check, world.rt);
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
      return (world) => notify(resumed, world.rt);
    },
  },
  {
    name: "a job's next success: its failure group (job-failing) resolves",
    groupKey: JOB_GROUP,
    before: async (w) => {
      await notify(
        busEvent('Job Run Failed', { ...jobRunFailed(), eventId: 'nightly-report:1:failed' }, { time: w.clock.now().toISOString() }),
        w.rt,
      );
      await notify(await nextTimer(w), w.rt);
      w.clock.advance(86_400);
      const succeeded = busEvent(
        'Job Run Succeeded',
        {
          job: 'nightly-report',
          eventId: 'nightly-report:2:succeeded',
          alert: { ...jobRunFailed().alert, resolvedBy: undefined, resolves: true },
        },
        { id: 'eventbridge-succeeded', time: w.clock.now().toISOString() },
      );
      return (world) => notify(succeeded, world.rt);
    },
  },
  {
    name: "the flush after an operator's silence ended: the events that came after the held message",
    groupKey: SERVICE_GROUP,
    before: async (w) => {
      const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig(w.world.endpoint)));
      await createSilence(
        { matchers: ['subject=service:web'], forSeconds: 300, comment: 'a fix is rolling out', createdBy: 'fault-test' },
        new Silences(dynamo, w.world.tableName),
        w.clock.now(),
      );
      await notify(stopOfWeb(w), w.rt);
      const held = (await notify(await nextTimer(w), w.rt)) as NotifyResult;
      if (held.held?.length !== 1) throw new Error('the silence did not hold the first message');
      w.clock.advance(60);
      await notify(stopOfWeb(w), w.rt);
      const flush = await nextTimer(w);
      return (world) => notify(flush, world.rt);
    },
  },
];

describe('notify under faults', () => {
  const emulator = useFaultEmulator();

  /** A fresh emulator, seeded, with the scenario's past played and its messages drained. */
  async function worldFor(scenario: Scenario): Promise<World> {
    await resetEmulator(emulator());
    const past = attach(await seedSandbox(emulator(), automation, { stage: 'notify-faults' }), START);
    const delivery = await scenario.before(past);
    await delivered(past);
    return { ...past, delivery, groupKey: scenario.groupKey };
  }

  /** The runtime, clock and timers of a world seeded in the emulator, the clock at `now`. */
  function attach(world: SandboxWorld, now: Date): Past {
    const clock = new TestClock(now);
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
      holds: notifyHolds(
        automation.notifications,
        DynamoDBDocumentClient.from(oneRequestAtATime(new DynamoDBClient(config))),
        world.tableName,
      ),
      log: quietLog,
      now: clock.now,
    });
    return { rt, clock, timers, world };
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

  async function endState(w: World): Promise<EndState> {
    const [read, stored] = await Promise.all([w.rt.groups.inbox(w.groupKey), w.rt.groups.decisions(w.groupKey)]);
    return {
      events: [],
      items: { messages: await delivered(w) },
      facts: {
        counted: read?.inbox.total,
        open: await w.rt.groups.get(w.groupKey),
        unsettled: stored.version !== read?.settled.version,
      },
    };
  }

  /**
   * The message a fault at call k may send twice: SNS took it (call k or an earlier Publish succeeded)
   * and the invocation could not settle it (killed right after the Publish, or the settle that follows
   * it failed).
   */
  function sentTwice(calls: AwsCall[], point: CrashPoint): string | undefined {
    const { k } = point;
    const publish = point.mode === 'fail' ? calls[k - 1] : calls[k];
    const settleFails = point.mode === 'fail' && calls[k]?.command === 'Update';
    if (publish?.command !== 'Publish' || (point.mode === 'fail' && !settleFails)) return undefined;
    return (publish.input as { Subject: string }).Subject;
  }

  sweepFaults({
    file: import.meta.filename,
    emulator,
    scenarios: SCENARIOS.map((scenario) => ({ ...scenario, world: () => worldFor(scenario), deliver: (w: World) => w.delivery(w) })),
    fork: (w) => ({ ...attach(w.world, w.clock.now()), delivery: w.delivery, groupKey: w.groupKey }),
    redelivery: { wait: (w) => w.clock.advance(REDELIVERY_DELAY_SECONDS), atMost: 6 },
    afterwards: untilNoTimer,
    endState,
    reference: {
      promise: 'ends with every message sent, the group resolved, nothing unsettled',
      check: (reference) => {
        expect(reference.items.messages?.length).toBeGreaterThan(0);
        expect(reference.facts).toMatchObject({ open: undefined, unsettled: false });
      },
    },
    expectedAt: (reference, point, calls) => {
      const twice = sentTwice(calls, point);
      if (!twice) return reference;
      const messages = (reference.items.messages ?? []).flatMap((m) => (m.includes(`"${twice}"`) ? [m, m] : [m]));
      return { ...reference, items: { ...reference.items, messages } };
    },
  });
});
