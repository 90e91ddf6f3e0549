/** The fuzz's judge of an invocation fails each way it should: otherwise a green fuzz would prove nothing. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { BadEventError, RetryableAwsError } from '#shared/errors.ts';
import { installAwsDouble } from './aws-double.ts';
import { judgeInvocation, RecordingLog } from './handler-targets.ts';

const aws = installAwsDouble();
afterAll(() => aws.restore());

const events = new EventBridgeClient({ region: 'eu-central-1', credentials: { accessKeyId: 'fuzz', secretAccessKey: 'fuzz' } });
const log = new RecordingLog();

function judge(invoke: () => Promise<unknown>) {
  aws.reset();
  return judgeInvocation(aws, { what: 'handler', invoke, log });
}

describe('the judge of one invocation', () => {
  it('passes a result, a one-line rejection saying what was expected, and a retryable failure', async () => {
    await expect(judge(async () => 'done')).resolves.toBeUndefined();
    await expect(judge(async () => Promise.reject(new BadEventError('not a firing (job: expected string)')))).resolves.toBeUndefined();
    await expect(judge(async () => Promise.reject(new RetryableAwsError('throttled')))).resolves.toBeUndefined();
  });

  it('fails an error that is not one of the project’s, naming its class', async () => {
    await expect(
      judge(async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'job')");
      }),
    ).resolves.toMatch(/^handler failed with TypeError/);
  });

  it('fails a rejection made after a write to AWS', async () => {
    const problem = await judge(async () => {
      await events.send(new PutEventsCommand({ Entries: [{ Source: 'ecs-autopilot', DetailType: 'Job Run Launched', Detail: '{}' }] }));
      throw new BadEventError('not a firing (job: expected string)');
    });
    expect(problem).toBe('handler rejected the input after writing to AWS — EventBridge PutEvents');
  });

  it('fails a rejection over several lines, or one that does not say what was expected', async () => {
    await expect(judge(async () => Promise.reject(new BadEventError('bad\nevent: expected string')))).resolves.toMatch(/several lines/);
    await expect(judge(async () => Promise.reject(new BadEventError('oops')))).resolves.toMatch(/does not say what was expected/);
  });

  it('fails an invocation that does not settle, and stops its AWS calls', async () => {
    let calls = 0;
    const problem = await judge(async () => {
      for (;;) {
        await events.send(new PutEventsCommand({ Entries: [] }));
        calls++;
      }
    });
    expect(problem).toMatch(/^handler did not settle within 5 s/);
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(after);
  }, 10_000);
});
