/**
 * Inhibition against moto: notify with the default rule of automation.yml holds back a crash loop of
 * cluster prod while a host-lost group of prod fires, and sends the crash loop's next message once the
 * host-lost group has resolved; `ecs-autopilot alerts --json` reads both groups from the state table's
 * alert group index with their counts. Timers are recorded and fired as the virtual clock passes them.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readAlerts } from '../../cli/alerts.ts';
import { notify } from '../../functions/notify.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { inhibitionHold } from '../../shared/alerts/inhibition.ts';
import { AlertTopic } from '../../shared/alerts/publish.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../../shared/alerts/runtime.ts';
import { AlertGroupList } from '../../shared/state/alert-group-list.ts';
import { busEvent, crashLoop, oomStop, serviceAlert, serviceTaskStopped } from '../helpers/alert-events.ts';
import { runCli as cli } from '../helpers/cli.ts';
import { RecordedTimers } from '../helpers/recorded-timers.ts';
import { oneRequestAtATime, quietLog, useEmulatorWorld } from './world.ts';

const START = new Date('2026-11-22T02:00:00.000Z');
// No notifications.inhibit: the default rule (lost capacity holds back app-error and crash-loop of its cluster).
const config = { notifications: { groupWait: '30s', repeatInterval: '5m', resolveAfter: '30m' } };
const CONFIG_FILE = join(tmpdir(), `automation-inhibition-${process.pid}.yml`);
writeFileSync(CONFIG_FILE, stringify(config));

const HOST_LOST = 'prod|service:api|host-lost';
const CRASH_LOOP = 'prod|watched-task:ingest|crash-loop';

describe('inhibition against moto', () => {
  const t = useEmulatorWorld(config, START);
  let rt: NotifyRuntime;
  let timers: RecordedTimers;
  let sqs: SQSClient;
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  const clientConfig = () => ({
    endpoint: t.emulator.endpoint,
    region: EMULATOR_REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

  beforeEach(() => {
    timers = new RecordedTimers();
    const dynamo = DynamoDBDocumentClient.from(oneRequestAtATime(new DynamoDBClient(clientConfig())), {
      marshallOptions: { removeUndefinedValues: true },
    });
    rt = createNotifyRuntime({
      timing: t.automation.notifications,
      dynamo,
      tableName: t.world.tableName,
      topic: new AlertTopic(new SNSClient(clientConfig()), t.world.alertTopicArn),
      timers,
      holds: [inhibitionHold(t.automation.notifications.inhibit, new AlertGroupList(dynamo, t.world.tableName))],
      log: quietLog,
      now: t.clock.now,
    });
    sqs = new SQSClient(clientConfig());
  });

  let sequence = 0;
  const at = () => ({ id: `event-${++sequence}`, time: t.clock.now().toISOString() });
  /** A task of service api lost with its host: alerted as host-lost. */
  const hostLost = () =>
    busEvent(
      'Service Task Stopped',
      serviceTaskStopped({
        service: 'api',
        stop: oomStop({ taskId: sequence.toString(16).padStart(32, '0') }),
        alert: serviceAlert({ subject: { kind: 'service', name: 'api' }, category: 'host-lost' }),
      }),
      at(),
    );
  const crashLoopOfIngest = () => busEvent('Crash Loop Detected', crashLoop(), at());

  /** Moves the clock to `seconds` after START, firing in time order every timer it passes; what notify published and held meanwhile. */
  async function runUntil(seconds: number) {
    const until = new Date(START.getTime() + seconds * 1000);
    const results = [];
    for (let timer = timers.takeDue(until); timer; timer = timers.takeDue(until)) {
      t.clock.advanceTo(timer.at);
      results.push(await notify(timer.input, rt));
    }
    t.clock.advanceTo(until);
    return results;
  }

  /** The subjects of what the alert topic delivered since the last call. */
  async function delivered(): Promise<string[]> {
    const subjects: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: t.world.alertQueueUrl, MaxNumberOfMessages: 10 }));
      if (Messages.length === 0) return subjects;
      for (const message of Messages) subjects.push((JSON.parse(message.Body ?? '{}') as { Subject: string }).Subject);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: t.world.alertQueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  async function alertsJson(...options: string[]) {
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
    const run = await cli(
      'alerts',
      '--json',
      '--config',
      CONFIG_FILE,
      '--table',
      t.world.tableName,
      '--region',
      EMULATOR_REGION,
      ...options,
    );
    expect(run.err).toEqual([]);
    expect(run.code).toBe(0);
    return JSON.parse(run.out.join('\n')) as { groups: Record<string, unknown>[]; silences: unknown[] };
  }

  it('holds back a crash loop of prod while a host-lost group of prod fires, and sends its next message after that one resolved', async () => {
    await notify(hostLost(), rt);
    await runUntil(5);
    await notify(crashLoopOfIngest(), rt);

    const flushes = await runUntil(60);
    expect(await delivered()).toEqual([expect.stringMatching(/^\[CRITICAL\].*\bapi\b.*\bprod\b.*host-lost$/)]);
    expect(flushes.flatMap((result) => result.held ?? [])).toEqual([
      { status: 'firing', count: 1, hold: { kind: 'inhibited', by: HOST_LOST, rule: 'lost-capacity' } },
    ]);

    // Still inhibited while the host-lost group is open: the crash loop's second event is held too.
    await runUntil(20 * 60);
    const second = await notify(crashLoopOfIngest(), rt);
    expect(second.held).toEqual([{ status: 'firing', count: 1, hold: { kind: 'inhibited', by: HOST_LOST, rule: 'lost-capacity' } }]);
    await runUntil(25 * 60);
    expect(await delivered()).toEqual([]);

    const whileInhibited = await alertsJson();
    expect(whileInhibited.groups).toEqual([
      expect.objectContaining({
        groupKey: HOST_LOST,
        cluster: 'prod',
        subject: 'service:api',
        category: 'host-lost',
        severity: 'critical',
        status: 'firing',
        firstEventAt: '2026-11-22T02:00:00.000Z',
        events: 1,
        messagesSent: 1,
        held: 0,
        inhibitedBy: null,
      }),
      expect.objectContaining({
        groupKey: CRASH_LOOP,
        subject: 'watched-task:ingest',
        category: 'crash-loop',
        status: 'firing',
        firstEventAt: '2026-11-22T02:00:05.000Z',
        lastEventAt: '2026-11-22T02:20:00.000Z',
        events: 2,
        messagesSent: 0,
        held: 2,
        lastHold: {
          kind: 'inhibited',
          by: HOST_LOST,
          rule: 'lost-capacity',
          at: '2026-11-22T02:20:00.000Z',
          text: `inhibited by the firing group ${HOST_LOST} (rule lost-capacity)`,
        },
        inhibitedBy: { groupKey: HOST_LOST, rule: 'lost-capacity' },
      }),
    ]);

    // The host-lost group has been quiet for resolveAfter: it resolves, and inhibits nothing any more.
    await runUntil(31 * 60);
    expect(await delivered()).toEqual([expect.stringMatching(/^\[RESOLVED\].*\bapi\b.*\bprod\b.*host-lost$/)]);
    const third = await notify(crashLoopOfIngest(), rt);
    expect(third.held).toBeUndefined();
    expect(third.published).toEqual([{ status: 'firing', count: 1, messageId: expect.any(String) }]);
    expect(await delivered()).toEqual([expect.stringMatching(/^\[CRITICAL\].*\bingest\b.*\bprod\b.*crash-loop$/)]);

    expect((await alertsJson()).groups).toEqual([
      expect.objectContaining({ groupKey: CRASH_LOOP, status: 'firing', events: 3, messagesSent: 1, held: 2, inhibitedBy: null }),
    ]);
    // --all, as of the virtual clock (the CLI's is the wall clock, for which 2026-11-22 is more than a day ago).
    const all = await readAlerts({
      all: true,
      inhibit: t.automation.notifications.inhibit,
      tableName: t.world.tableName,
      region: EMULATOR_REGION,
      endpoint: t.emulator.endpoint,
      now: t.clock.now(),
    });
    expect(all.groups).toEqual([
      expect.objectContaining({ groupKey: CRASH_LOOP, status: 'firing', events: 3 }),
      expect.objectContaining({
        groupKey: HOST_LOST,
        status: 'resolved',
        events: 1,
        messagesSent: 1,
        held: 0,
        resolvedAt: '2026-11-22T02:30:00.000Z',
        flushAt: null,
        resolveAt: null,
      }),
    ]);
  });

  it('does not hold back a crash loop of another cluster', async () => {
    await notify(hostLost(), rt);
    await notify(
      busEvent('Crash Loop Detected', crashLoop({ cluster: 'staging', alert: { ...crashLoop().alert, cluster: 'staging' } }), at()),
      rt,
    );

    const flushes = await runUntil(60);
    expect(flushes.flatMap((result) => result.held ?? [])).toEqual([]);
    const subjects = await delivered();
    expect(subjects).toHaveLength(2);
    expect(subjects).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\bapi\b.*\bprod\b.*host-lost$/),
        expect.stringMatching(/\bingest\b.*\bstaging\b.*crash-loop$/),
      ]),
    );
  });
});
