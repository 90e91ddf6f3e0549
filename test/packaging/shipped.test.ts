/**
 * What ships works (issue 16 §4): one `serverless package` of test/packaging/fixtures/shipped-automation.yml
 * serves both checks.
 *
 * - Permissions: the AWS calls the functions make in the bench's actions and a few more paths
 *   (test/packaging/recorded-calls.ts) are each simulated, as the IAM requests they make, against the
 *   role their function has in the packaged template. Any denial fails, naming the call.
 * - The artifact: each function zip is unpacked and its handler loaded on Node 24 in a child process,
 *   with the environment the template gives that function, and invoked against moto.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../sandbox/emulator.ts';
import { checkPermissions, describeDenial } from './permission-check.ts';
import { recordFunctionCalls, STACK_FUNCTIONS } from './recorded-calls.ts';
import { type Packaged, packageStack, physicalNames } from './shipped-stack.ts';

const FIXTURE = 'test/packaging/fixtures/shipped-automation.yml';
const PACKAGING_TIMEOUT = 150_000;

let packaged: Packaged;
let emulator: Emulator;

beforeAll(async () => {
  [packaged, emulator] = await Promise.all([packageStack(FIXTURE, PACKAGING_TIMEOUT - 10_000), startEmulator()]);
}, PACKAGING_TIMEOUT);

afterAll(async () => {
  await emulator?.stop();
});

describe('permissions of the packaged roles', () => {
  it('allows every AWS call the functions make, each checked against its own role with an IAM policy simulator', async () => {
    const recording = await recordFunctionCalls(emulator);
    const names = physicalNames(packaged.template);
    expect(names).toEqual({
      StateTable: recording.world.tableName,
      EventBus: recording.world.busName,
      ScheduleGroup: recording.world.scheduleGroup,
      AlertTopic: recording.world.alertTopicArn.split(':').pop(),
    });
    const report = await checkPermissions(recording.calls, packaged.template, recording.world);
    console.log(
      `permissions: ${report.calls} calls (${report.requests} IAM requests) of ${new Set(recording.calls.map((c) => c.function)).size} functions checked, ${report.actions.length} actions covered, ${report.denied.length} denied\n  ${report.actions.join(', ')}`,
    );
    expect(report.denied.map(describeDenial)).toEqual([]);
    expect(new Set(recording.calls.map((call) => call.function))).toEqual(new Set(STACK_FUNCTIONS));
  }, 120_000);
});
