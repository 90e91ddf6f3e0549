/**
 * The permission check the aws project's run ends with (recorded-permissions.ts): the recorder keeps the
 * calls a handler makes and none of the test's own, and the check fails on a call the function's role
 * denies and on a call it cannot check. No moto: the client answers from a middleware in front of the
 * network, after the SDK's `send` the recorder wraps.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteServiceCommand, ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { JobRuntime } from '../../shared/jobs/runtime.ts';
import { flushRecording, type HandlerCallsFile, recordedHandler, startRecording } from '../helpers/handler-calls.ts';
import { checkHandlerCalls, checkRecordedPermissions, readHandlerCalls } from './recorded-permissions.ts';

const automation = validateAutomation({
  jobs: { report: { cluster: 'batch', schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report' } },
});
const TASK = '0123456789abcdef0123456789abcdef';

/** An ECS client whose every call AWS "answers" with an empty success, and the runtime of a watchdog holding it. */
function watchdogRuntime(): JobRuntime {
  const ecs = new ECSClient({ region: EMULATOR_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  ecs.middlewareStack.add(() => async () => ({ output: { $metadata: {} }, response: {} }), { step: 'initialize', name: 'answered' });
  return { automation, ecs } as unknown as JobRuntime;
}

/** A watchdog tick that stops a task in its job's cluster, then one in another cluster, then deletes a service. */
const tick = recordedHandler(
  'enforce-max-runtime',
  async (rt: JobRuntime) => {
    await rt.ecs.send(new StopTaskCommand({ cluster: 'batch', task: TASK }));
    await rt.ecs.send(new StopTaskCommand({ cluster: 'shop', task: TASK }));
    await rt.ecs.send(new DeleteServiceCommand({ cluster: 'batch', service: 'api' }));
  },
  0,
);

/** Records one tick (and a call of the test's own) into a folder of its own. */
async function recordTick(): Promise<string> {
  const folder = mkdtempSync(path.join(tmpdir(), 'handler-calls-'));
  const rt = watchdogRuntime();
  startRecording();
  await rt.ecs.send(new StopTaskCommand({ cluster: 'elsewhere', task: TASK }));
  await tick(rt);
  flushRecording(folder, 'test/integration/watchdog.test.ts');
  return folder;
}

describe('the permission check of the calls the handlers made', () => {
  it("records the handler's calls as its function's, with its runtime's automation, and none of the test's own", async () => {
    const [file] = readHandlerCalls(await recordTick()) as [HandlerCallsFile];
    expect(file.calls).toBe(3);
    expect(Object.values(file.automations)).toEqual([automation]);
    expect(file.requests.map((r) => [r.function, r.request.action, r.request.resource])).toEqual([
      ['enforce-max-runtime', 'ecs:StopTask', `arn:aws:ecs:us-east-1:123456789012:task/batch/${TASK}`],
      ['enforce-max-runtime', 'ecs:StopTask', `arn:aws:ecs:us-east-1:123456789012:task/shop/${TASK}`],
    ]);
    expect(file.problems).toEqual([
      'enforce-max-runtime: ECS DeleteService: ECS DeleteService has no IAM mapping in test/packaging/iam-requests.ts',
    ]);
  });

  it("fails on a call the function's role denies (another cluster) and on one it cannot check (no IAM mapping)", async () => {
    const files = readHandlerCalls(await recordTick());
    const report = await checkHandlerCalls(files);
    expect(report).toMatchObject({ calls: 3, distinct: 2, functions: ['enforce-max-runtime'], actions: ['ecs:StopTask'] });
    expect(report.denied).toEqual([
      expect.stringMatching(/^enforce-max-runtime: ecs:StopTask on arn:aws:ecs:us-east-1:123456789012:task\/shop\/.*ImplicitlyDenied/),
    ]);
    expect(report.problems).toHaveLength(1);
  });

  it('fails the run: the check throws after printing the summary line and each denied and unchecked call', async () => {
    const folder = await recordTick();
    const printed: string[] = [];
    await expect(checkRecordedPermissions(folder, (line) => printed.push(line))).rejects.toThrow(
      'permissions: 1 denied and 1 unchecked AWS calls of the functions (listed above)',
    );
    expect(printed.join('\n').trim().split('\n')).toEqual([
      expect.stringMatching(
        /^permissions: 3 calls \(2 distinct\) by 1 functions, 1 actions, denied 1, unchecked 1 \(1 test files, checked in [\d.]+ s\)$/,
      ),
      expect.stringMatching(/^ {2}denied: enforce-max-runtime: ecs:StopTask on .*task\/shop\//),
      expect.stringMatching(/^ {2}unchecked: enforce-max-runtime: ECS DeleteService/),
    ]);
    expect(() => readdirSync(folder)).toThrow();
  });

  it('passes the calls the role allows', async () => {
    const [file] = readHandlerCalls(await recordTick()) as [HandlerCallsFile];
    const allowed = { ...file, requests: file.requests.filter((r) => r.request.resource.includes('/batch/')), problems: [] };
    const report = await checkHandlerCalls([allowed]);
    expect(report).toMatchObject({ calls: 3, distinct: 1, denied: [], problems: [] });
  });
});
