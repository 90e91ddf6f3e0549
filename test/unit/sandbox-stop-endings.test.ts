import type { Task } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { describeEnding, endingOf, exitEnding, SCENARIO_STOP_CATEGORIES, type StopEnding } from '../../sandbox/stop-endings.ts';
import { eventOfTask } from '../../sandbox/task-events.ts';
import { STOP_CATEGORIES } from '../../shared/stopped-tasks/categories.ts';
import { classifyStop } from '../../shared/stopped-tasks/classify.ts';
import { parseTaskStateChange } from '../../shared/stopped-tasks/task-event.ts';

const ARN = 'arn:aws:ecs:us-east-1:123456789012';

/** The task as DescribeTasks shows it once the bridge has stopped it this way. */
function stoppedTask(ending: StopEnding): Task {
  return {
    taskArn: `${ARN}:task/batch-prod/1a2b3c4d5e6f47118000000000000001`,
    clusterArn: `${ARN}:cluster/batch-prod`,
    taskDefinitionArn: `${ARN}:task-definition/queue-worker:1`,
    group: 'family:queue-worker',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: ending.stopCode as Task['stopCode'],
    stoppedReason: ending.stoppedReason,
    containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: ending.exitCode, reason: ending.containerReason }],
  };
}

/** What on-task-stopped makes of it: the event EventBridge delivers, parsed and classified. */
function classified(ending: StopEnding, essentialContainers?: string[]) {
  const event = eventOfTask(stoppedTask(ending), { at: new Date('2026-11-23T20:00:30Z'), version: 3 });
  return classifyStop(parseTaskStateChange(event), { essentialContainers });
}

describe('stopping a task with a category', () => {
  it.each(STOP_CATEGORIES)('reports %s so that on-task-stopped classifies it back as the same category', (category) => {
    const ending = endingOf(category);

    expect(classified(ending).category).toBe(category);
    expect(classified(ending, ['app']).category).toBe(category);
  });

  it('offers every category to scenarios but those only ecs-autopilot itself causes', () => {
    expect(SCENARIO_STOP_CATEGORIES).toEqual(STOP_CATEGORIES.filter((c) => c !== 'timeout' && c !== 'replaced'));
  });

  it('reports an image pull failure as ECS does: no exit code, the image named, the kind told apart', () => {
    const ending = endingOf('failed-to-start', '111122223333.dkr.ecr.eu-west-1.amazonaws.com/worker:v2');

    expect(ending).toMatchObject({ stopCode: 'TaskFailedToStart', exitCode: undefined });
    expect(ending.stoppedReason).toMatch(/^CannotPullContainerError: .*worker:v2: not found$/);
    expect(classified(ending)).toMatchObject({ category: 'failed-to-start', subKind: 'image-pull' });
  });

  it('turns a bare exit code into the essential container exiting with it', () => {
    expect(classified(exitEnding(0)).category).toBe('completed');
    expect(classified(exitEnding(2)).category).toBe('app-error');
    expect(classified(exitEnding(137, 'OutOfMemoryError: Container killed due to memory usage')).category).toBe('out-of-memory');
  });

  it('names an ending for a timeline line', () => {
    expect(describeEnding({ exitCode: 1 })).toBe('exit 1');
    expect(describeEnding({ category: 'app-error' })).toBe('app-error, exit 1');
    expect(describeEnding({ category: 'failed-to-start' })).toBe('failed-to-start');
  });
});
