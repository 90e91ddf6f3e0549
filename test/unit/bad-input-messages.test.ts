/** What run-batch-job, scale-service and on-task-stopped say of a bad field of their input: what was expected, not "Invalid input". */
import { describe, expect, it } from 'vitest';
import { BadEventError } from '../../shared/errors.ts';
import { parseFiring } from '../../shared/jobs/trigger.ts';
import { parseScalingInput } from '../../shared/scaling/trigger.ts';
import { classifyInput } from '../../shared/stopped-tasks/trigger.ts';

function problemsOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(BadEventError);
    const message = (error as Error).message;
    const end = message.indexOf('): ');
    return message.slice(message.lastIndexOf(' (', end) + 2, end);
  }
  throw new Error('the input was taken');
}

describe('a bad field of a function input says what was expected', () => {
  it.each<[string, () => unknown, string]>([
    [
      'a firing',
      () => parseFiring({ job: '', scheduledTime: 'soon', attempt: 0, capacityProvider: '' }),
      'job: expected the name of a job in automation.yml; scheduledTime: expected an ISO 8601 time, e.g. 2026-11-22T02:00:00Z; attempt: expected a whole number from 1; capacityProvider: expected a capacity provider name',
    ],
    [
      'a scaling firing',
      () => parseScalingInput({ service: 7, scheduledTime: 'soon' }),
      'service: expected the key of a service in automation.yml; scheduledTime: expected an ISO 8601 time, e.g. 2026-11-22T02:00:00Z',
    ],
    [
      'a scaling retry timer',
      () => parseScalingInput({ timer: 'scaling-retry', service: 'web', attempt: 1.5, since: 'then' }),
      'attempt: expected a whole number from 1; since: expected an ISO 8601 time, e.g. 2026-11-22T02:00:00Z',
    ],
    [
      'a restart timer',
      () => classifyInput({ timer: 'restart-watched-task', watchedTask: '', replacing: 3, try: 0, taskDefinitionArn: '' }),
      'watchedTask: expected the name of a watched task in automation.yml; replacing: expected the ARN of the task replaced; try: expected a whole number from 1; taskDefinitionArn: expected a task definition ARN',
    ],
  ])('%s', (_what, parse, problems) => {
    expect(problemsOf(parse)).toBe(problems);
  });
});
