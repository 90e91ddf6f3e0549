/**
 * Silences and mute windows against moto: notify, built with the holds production gives it (notifyHolds:
 * the mute windows of automation.yml, the silences in the state table), and the CLI's silence, silences and
 * unsilence on the same table. A held message reaches no subscriber (the topic's SQS subscriber and
 * moto's record of what email subscribers get) and is counted in its group.
 *
 * The CLI stamps silences with the machine's clock; notify runs on the test's clock, which the silence
 * test moves past the machine's first, so a silence made now is active for notify, and one ended now
 * has ended.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { notifyHolds } from '../../shared/alerts/notify-holds.ts';
import { AlertTopic } from '../../shared/alerts/publish.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../../shared/alerts/runtime.ts';
import { busEvent, oomStop, serviceAlert, serviceTaskStopped } from '../helpers/alert-events.ts';
import { runCli } from '../helpers/cli.ts';
import { RecordedTimers } from '../helpers/recorded-timers.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const START = new Date('2026-11-22T02:00:00.000Z');
const config = {
  notifications: {
    groupWait: '30s',
    repeatInterval: '5m',
    resolveAfter: '30m',
    muteWindows: { 'api-maintenance': { times: ['02:00-03:00'], timezone: 'UTC', matchers: ['subject=service:api'] } },
  },
};
const WEB = 'prod|service:web|out-of-memory';
const API = 'prod|service:api|out-of-memory';

describe('notify holds messages back against moto', () => {
  const t = useEmulatorWorld(config, START);
  const saved = { ...process.env };
  let rt: NotifyRuntime;
  let timers: RecordedTimers;
  let sqs: SQSClient;
  let sequence = 0;

  const clientConfig = () => ({
    endpoint: t.emulator.endpoint,
    region: EMULATOR_REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

  beforeEach(() => {
    timers = new RecordedTimers();
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig()), { marshallOptions: { removeUndefinedValues: true } });
    rt = createNotifyRuntime({
      timing: t.automation.notifications,
      dynamo,
      tableName: t.world.tableName,
      topic: new AlertTopic(new SNSClient(clientConfig()), t.world.alertTopicArn),
      timers,
      holds: notifyHolds(t.automation.notifications, dynamo, t.world.tableName),
      log: quietLog,
      now: t.clock.now,
    });
    sqs = new SQSClient(clientConfig());
    Object.assign(process.env, { AWS_ENDPOINT_URL: t.emulator.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  /** A stop of `service` on prod as on-task-stopped announces it, now. */
  function stopOf(service: 'web' | 'api') {
    sequence += 1;
    const taskId = sequence.toString(16).padStart(32, '0');
    const detail = serviceTaskStopped({
      service,
      stop: oomStop({ taskId }),
      alert: serviceAlert({ subject: { kind: 'service', name: service } }),
    });
    return busEvent('Service Task Stopped', detail, { id: `event-${sequence}`, time: t.clock.now().toISOString() });
  }

  /** Moves the clock to `until`, firing in time order every timer it passes. */
  async function runUntil(until: Date) {
    for (let timer = timers.takeDue(until); timer; timer = timers.takeDue(until)) {
      t.clock.advanceTo(timer.at);
      await notify(timer.input, rt);
    }
    t.clock.advanceTo(until);
  }
  const secondsAfter = (from: Date, seconds: number) => new Date(from.getTime() + seconds * 1000);

  /** The subjects of what the topic delivered to its SQS subscriber since the last call. */
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

  /** How many messages moto recorded as published to the alert topic (what email subscribers get). */
  async function published(): Promise<number> {
    const models = (await (await fetch(`${t.emulator.endpoint}/moto-api/data.json`)).json()) as {
      sns: { Topic: { arn: string; sent_notifications: unknown[] }[] };
    };
    return models.sns.Topic.find((topic) => topic.arn === t.world.alertTopicArn)?.sent_notifications.length ?? 0;
  }

  const cli = (...argv: string[]) => runCli(...argv, '--table', t.world.tableName, '--region', EMULATOR_REGION);

  it('holds the firing message of a group a silence made with the CLI matches, and sends the next one after unsilence', async () => {
    const made = await cli(
      'silence',
      'cluster=prod',
      'category=~"out-of-memory|crash-loop"',
      '--for',
      '2h',
      '--comment',
      'raising the memory limit',
    );
    expect(made).toMatchObject({ code: 0, err: [] });
    const id = made.out[0] ?? '';
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    const listed = await cli('silences', '--json');
    expect(JSON.parse(listed.out.join('\n'))).toEqual([
      expect.objectContaining({
        id,
        matchers: ['cluster="prod"', 'category=~"out-of-memory|crash-loop"'],
        comment: 'raising the memory limit',
      }),
    ]);

    // notify's clock a minute past the machine's: the silence has begun.
    t.clock.advanceTo(secondsAfter(new Date(), 60));
    const base = t.clock.now();
    await notify(stopOf('web'), rt);
    await runUntil(secondsAfter(base, 120));

    expect(await delivered()).toEqual([]);
    expect(await published()).toBe(0);
    expect(await rt.groups.get(WEB)).toMatchObject({
      held: 1,
      messagesSent: 0,
      lastHold: { hold: { kind: 'silenced', by: id, comment: 'raising the memory limit' } },
    });

    const ended = await cli('unsilence', id);
    expect(ended).toMatchObject({ code: 0, out: [expect.stringMatching(new RegExp(`^silence ${id} ended at `))] });
    expect((await cli('unsilence', id)).out).toEqual([expect.stringMatching(new RegExp(`^silence ${id} had ended at `))]);
    expect(await cli('unsilence', 'deadbeef')).toMatchObject({
      code: 1,
      err: [expect.stringMatching(/^error: no silence deadbeef: ecs-autopilot silences --all lists them/)],
    });
    expect((await cli('silences')).out).toEqual(['no active silences']);
    expect((await cli('silences', '--all')).out[1]).toMatch(
      new RegExp(`^${id}\\s+cluster="prod" category=~"out-of-memory\\|crash-loop"\\s.*\\sended\\s`),
    );

    await notify(stopOf('web'), rt);
    await runUntil(secondsAfter(base, 900));
    expect(await delivered()).toEqual(['[CRITICAL] A task of service web stopped on prod: out-of-memory']);
    expect(await rt.groups.get(WEB)).toMatchObject({ held: 1, messagesSent: 1 });
  });

  it('holds a message inside a mute window and sends one outside it, by the runtime clock', async () => {
    // 02:00Z: the window api-maintenance (02:00-03:00 UTC, service api only) is open.
    await notify(stopOf('api'), rt);
    await notify(stopOf('web'), rt);
    await runUntil(secondsAfter(START, 120));

    expect(await delivered()).toEqual(['[CRITICAL] A task of service web stopped on prod: out-of-memory']);
    expect(await rt.groups.get(API)).toMatchObject({
      held: 1,
      messagesSent: 0,
      lastHold: { hold: { kind: 'muted', by: 'api-maintenance', until: '2026-11-22T03:00:00.000Z' } },
    });

    // 03:10Z: the window has closed. Meanwhile web resolved after its quiet half hour; api's held group said nothing.
    await runUntil(secondsAfter(START, 70 * 60));
    expect(await delivered()).toEqual(['[RESOLVED] Service web on prod: out-of-memory']);
    await notify(stopOf('api'), rt);
    await runUntil(secondsAfter(START, 80 * 60));
    expect(await delivered()).toEqual(['[CRITICAL] A task of service api stopped on prod: out-of-memory']);
    expect(await rt.groups.get(API)).toMatchObject({ messagesSent: 1 });
  });
});
