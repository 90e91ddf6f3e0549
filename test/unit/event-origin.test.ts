/**
 * Every event from outside is checked for account and region before anything is read or written
 * (issue 12), one case per event type each function takes. The runtime given to the function is a
 * trap: touching anything but its account, region, log and (for shift-traffic) the deployers means
 * the event was taken. The same event from the stack's own account and region does touch it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { notify } from '../../functions/notify.ts';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import type { NotifyRuntime } from '../../shared/alerts/runtime.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import type { JobRuntime } from '../../shared/jobs/runtime.ts';
import type { StopRuntime } from '../../shared/stopped-tasks/runtime.ts';
import { busEvent, deploymentRolledBack, jobRunFailed, serviceTaskStopped } from '../helpers/alert-events.ts';

const HOME = { account: '111122223333', region: 'eu-west-1' };
const DEPLOYER = 'arn:aws:iam::210987654321:role/ci-deployer';

/** A runtime at home (the event's own account and region) that throws on anything else it is asked for. */
function trap<T>(home: { account: string; region: string }): T {
  const known: Record<string, unknown> = {
    ...home,
    log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} },
    automation: new Proxy({ deployers: [DEPLOYER] }, { get: (target, key) => (key === 'deployers' ? target.deployers : taken(key)) }),
  };
  return new Proxy(known, { get: (target, key) => (typeof key === 'string' && key in target ? target[key] : taken(key)) }) as T;
}

function taken(key: string | symbol): never {
  throw new Error(`taken: the function went on to use ${String(key)}`);
}

const taskStopped = JSON.parse(readFileSync(new URL('../fixtures/task-events/out-of-memory.json', import.meta.url), 'utf8'));

const envelope = (source: string, detailType: string, detail: Record<string, unknown>, resources: string[] = []) => ({
  version: '0',
  id: 'e-1',
  source,
  'detail-type': detailType,
  ...HOME,
  time: '2026-11-23T10:00:00Z',
  resources,
  detail,
});

type Target = 'on-task-stopped' | 'shift-traffic' | 'notify' | 'run-batch-job';

const EVENT_TYPES: [string, Target, Record<string, unknown>][] = [
  ['ECS Task State Change', 'on-task-stopped', taskStopped],
  [
    'ECS Deployment State Change',
    'shift-traffic',
    envelope('aws.ecs', 'ECS Deployment State Change', { eventName: 'SERVICE_DEPLOYMENT_FAILED' }, [
      'arn:aws:ecs:eu-west-1:111122223333:service/web/shop-green',
    ]),
  ],
  [
    'ECS Service Action',
    'shift-traffic',
    envelope('aws.ecs', 'ECS Service Action', { eventName: 'SERVICE_STEADY_STATE' }, [
      'arn:aws:ecs:eu-west-1:111122223333:service/web/shop-green',
    ]),
  ],
  [
    'CloudWatch Alarm State Change',
    'shift-traffic',
    envelope('aws.cloudwatch', 'CloudWatch Alarm State Change', { alarmName: '5xx', state: { value: 'ALARM' } }),
  ],
  [
    'Deployment Requested',
    'shift-traffic',
    envelope('ecs-autopilot', 'Deployment Requested', { app: 'shop', id: 'shop-1', taskDefinition: 'shop:2' }),
  ],
  [
    'Deployment Promotion Requested',
    'shift-traffic',
    envelope('ecs-autopilot', 'Deployment Promotion Requested', { app: 'shop', id: 'shop-1', step: 1 }),
  ],
  ['Deployment Abort Requested', 'shift-traffic', envelope('ecs-autopilot', 'Deployment Abort Requested', { app: 'shop', id: 'shop-1' })],
  ['an alert event (Service Task Stopped)', 'notify', busEvent('Service Task Stopped', serviceTaskStopped())],
  ['an alert event (Job Run Failed)', 'notify', busEvent('Job Run Failed', jobRunFailed())],
  ['an alert event (Deployment Rolled Back)', 'notify', busEvent('Deployment Rolled Back', deploymentRolledBack())],
  [
    'the end of an upstream job’s run (job-chains)',
    'run-batch-job',
    envelope('ecs-autopilot', 'Job Run Succeeded', {
      job: 'nightly-report',
      scheduledTime: '2026-11-23T02:00:00Z',
      attempt: 1,
      status: 'succeeded',
    }),
  ],
];

/** Delivers a variant of `original` to a function whose home is where `original` comes from. */
async function deliver(target: Target, original: Record<string, unknown>, changes: Record<string, unknown> = {}): Promise<string> {
  const home = { account: String(original.account), region: String(original.region) };
  const event = { ...original, ...changes };
  switch (target) {
    case 'on-task-stopped':
      return (await onTaskStopped(event, trap<StopRuntime>(home))).action;
    case 'shift-traffic':
      return JSON.stringify(await shiftTraffic(event, trap<ShiftRuntime>(home)));
    case 'notify':
      return (await notify(event, trap<NotifyRuntime>(home))).ignored ?? 'taken';
    case 'run-batch-job':
      return JSON.stringify(await runBatchJob(event, trap<JobRuntime>(home)));
  }
}

describe('events from another account or region are ignored before anything is read (issue 12)', () => {
  describe.each(EVENT_TYPES)('%s (%s)', (_, target, event) => {
    it('from another account', async () => {
      const foreign = await deliver(target, event, { account: '999988887777' });
      expect(foreign).toMatch(/999988887777|^\[\]$/);
    });

    it('from another region', async () => {
      const foreign = await deliver(target, event, { region: 'ap-south-1' });
      expect(foreign).toMatch(/ap-south-1|^\[\]$/);
    });

    it('from home it is taken', async () => {
      await expect(deliver(target, event)).rejects.toThrow(/^taken: /);
    });
  });

  it('a deployment request from a deployer’s account is taken', async () => {
    const request = EVENT_TYPES.find(([name]) => name === 'Deployment Requested')?.[2] ?? {};
    await expect(deliver('shift-traffic', request, { account: '210987654321' })).rejects.toThrow(/^taken: /);
  });
});
