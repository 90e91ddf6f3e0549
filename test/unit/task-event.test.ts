import { describe, expect, it } from 'vitest';
import { BadEventError } from '../../shared/errors.ts';
import { parseTaskStateChange } from '../../shared/stopped-tasks/task-event.ts';
import { stoppedTaskEvent, type TaskEvent, taskEvent, taskEventNames } from '../fixtures/task-events.ts';

function badEventMessage(event: unknown): string {
  try {
    parseTaskStateChange(event);
  } catch (error) {
    expect(error).toBeInstanceOf(BadEventError);
    return (error as Error).message;
  }
  throw new Error('the event was accepted');
}

describe('parseTaskStateChange', () => {
  it('reads a service task that stopped, with the fields derived from its ARNs', () => {
    const facts = parseTaskStateChange(taskEvent('service-sidecar-ok-app-exit-2'));

    expect(facts).toMatchObject({
      account: '111122223333',
      region: 'eu-west-1',
      taskArn: expect.stringMatching(/^arn:aws:ecs:eu-west-1:111122223333:task\/web\/[0-9a-f]{32}$/),
      taskId: expect.stringMatching(/^[0-9a-f]{32}$/),
      clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/web',
      clusterName: 'web',
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/api:42',
      family: 'api',
      revision: 42,
      group: 'service:api',
      service: 'api',
      startedBy: 'ecs-svc/4918826309718265037',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      launchType: 'FARGATE',
      capacityProviderName: 'FARGATE',
      availabilityZone: 'eu-west-1b',
      version: 7,
      isSpotNotice: false,
    });
    expect(facts.taskArn.endsWith(`/${facts.taskId}`)).toBe(true);
    expect(facts.containers).toEqual([
      {
        name: 'log-router',
        exitCode: 0,
        reason: undefined,
        lastStatus: 'STOPPED',
        image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.34.3',
      },
      {
        name: 'app',
        exitCode: 2,
        reason: undefined,
        lastStatus: 'STOPPED',
        image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:9f3e2c1',
      },
    ]);
  });

  it('keeps the envelope and the times as EventBridge wrote them', () => {
    const event = taskEvent('batch-job-completed');

    const facts = parseTaskStateChange(event);

    expect(facts).toMatchObject({
      eventId: event.id,
      eventTime: event.time,
      createdAt: event.detail.createdAt,
      startedAt: event.detail.startedAt,
      stoppingAt: event.detail.stoppingAt,
      stoppedAt: event.detail.stoppedAt,
    });
  });

  it("reads a job's task: a family group, no service, started by ecs-autopilot", () => {
    const facts = parseTaskStateChange(taskEvent('batch-job-failed'));

    expect(facts).toMatchObject({
      group: 'family:nightly-report',
      service: undefined,
      startedBy: 'ecs-autopilot/nightly-report',
      family: 'nightly-report',
      revision: 7,
    });
  });

  it('reads an EC2 task on a capacity provider', () => {
    expect(parseTaskStateChange(taskEvent('host-lost-ec2'))).toMatchObject({
      launchType: 'EC2',
      capacityProviderName: 'legacy-asg',
      stopCode: undefined,
    });
  });

  it('leaves out the exit code of a container that never ran', () => {
    const [app] = parseTaskStateChange(taskEvent('image-pull-failed')).containers;

    expect(app).toMatchObject({ name: 'app', exitCode: undefined, reason: expect.stringMatching(/^CannotPullContainerError: /) });
  });

  it('reads every fixture', () => {
    for (const name of taskEventNames()) expect(() => parseTaskStateChange(taskEvent(name)), name).not.toThrow();
  });

  it('reads what the builder builds', () => {
    expect(parseTaskStateChange(stoppedTaskEvent({ cluster: 'web', group: 'service:api', version: 9 }))).toMatchObject({
      clusterName: 'web',
      service: 'api',
      version: 9,
    });
  });

  describe('a Fargate Spot interruption', () => {
    it('is a notice while the task still runs', () => {
      const notice = parseTaskStateChange(taskEvent('spot-interruption-notice'));

      expect(notice).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'SpotInterruption', isSpotNotice: true });
    });

    it('is no longer a notice once the task stopped, with a higher version of the same task', () => {
      const notice = parseTaskStateChange(taskEvent('spot-interruption-notice'));
      const stopped = parseTaskStateChange(taskEvent('spot-interruption-stopped'));

      expect(stopped).toMatchObject({ taskArn: notice.taskArn, isSpotNotice: false });
      expect(stopped.version).toBeGreaterThan(notice.version);
    });

    it('is a notice with the older TerminationNotice stop code too', () => {
      const facts = parseTaskStateChange(
        stoppedTaskEvent({ lastStatus: 'RUNNING', stopCode: 'TerminationNotice', stoppedReason: 'Your Spot Task was interrupted.' }),
      );

      expect(facts.isSpotNotice).toBe(true);
    });

    it('is not a notice when a running task is stopped for another reason', () => {
      const facts = parseTaskStateChange(
        stoppedTaskEvent({ lastStatus: 'RUNNING', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }),
      );

      expect(facts.isSpotNotice).toBe(false);
    });
  });

  describe('tolerance', () => {
    it('ignores fields it does not know (AWS adds fields)', () => {
      const event = taskEvent('batch-job-completed');
      event.detail.someFieldAwsAddsNextYear = { nested: [1, 2, 3] };
      event.detail.containers[0].gpuIds = ['0'];
      event.newEnvelopeField = true;

      expect(parseTaskStateChange(event).containers[0]?.exitCode).toBe(0);
    });

    it.each<[string, (event: TaskEvent) => void]>([
      ['a stop code that is not text', (e) => (e.detail.stopCode = 42)],
      ['a null stopped reason', (e) => (e.detail.stoppedReason = null)],
      ['a group that is an object', (e) => (e.detail.group = { name: 'x' })],
      ['times that are numbers', (e) => (e.detail.stoppedAt = 1_763_778_108_882)],
    ])('reads %s as absent', (_, spoil) => {
      const event = taskEvent('batch-job-completed');
      spoil(event);

      expect(() => parseTaskStateChange(event)).not.toThrow();
    });

    it('reads odd optional fields as absent', () => {
      const event = taskEvent('batch-job-completed');
      event.detail.stopCode = 42;
      event.detail.group = null;

      expect(parseTaskStateChange(event)).toMatchObject({ stopCode: undefined, group: undefined, service: undefined });
    });

    it('drops a container that is not an object with a name, and reads an odd exit code as absent', () => {
      const event = taskEvent('service-sidecar-ok-app-exit-2');
      event.detail.containers[0] = null;
      event.detail.containers[1].exitCode = '2';
      event.detail.containers.push({ exitCode: 1 });

      expect(parseTaskStateChange(event).containers).toEqual([expect.objectContaining({ name: 'app', exitCode: undefined })]);
    });

    it('reads containers that are not a list as none', () => {
      const event = taskEvent('batch-job-completed');
      event.detail.containers = 'report';

      expect(parseTaskStateChange(event).containers).toEqual([]);
    });

    it('reads an event without containers', () => {
      const event = taskEvent('batch-job-completed');
      delete event.detail.containers;

      expect(parseTaskStateChange(event).containers).toEqual([]);
    });

    it('takes the account and region from the task ARN when the envelope lacks them', () => {
      const event = stoppedTaskEvent({ region: 'us-east-2', account: '444455556666' });
      delete event.account;
      delete event.region;
      delete event.id;
      delete event.time;

      expect(parseTaskStateChange(event)).toMatchObject({
        account: '444455556666',
        region: 'us-east-2',
        eventId: `${event.detail.taskArn}#6`,
        eventTime: event.detail.updatedAt,
      });
    });

    it('reads a time that is not one as absent, as any odd field: the stop is placed by the times that are', () => {
      const event = stoppedTaskEvent({ stoppedAt: 'prototype', stoppingAt: '2026-11-22T02:41:17.382Z', time: '2026-11-22T02:41:48Z' });
      event.detail.createdAt = 'yesterday';

      expect(parseTaskStateChange(event)).toMatchObject({
        stoppedAt: undefined,
        createdAt: undefined,
        stoppingAt: '2026-11-22T02:41:17.382Z',
      });
    });

    it('reads a task ARN of the old format, without the cluster', () => {
      const event = stoppedTaskEvent();
      event.detail.taskArn = 'arn:aws:ecs:eu-west-1:111122223333:task/b99d40b3-5176-4f71-9a52-9dbd6f1cebef';

      expect(parseTaskStateChange(event)).toMatchObject({ taskId: 'b99d40b3-5176-4f71-9a52-9dbd6f1cebef', clusterName: 'batch' });
    });

    it('reads a family with dashes and underscores', () => {
      const event = stoppedTaskEvent({ taskDefinition: 'sin-web_task_def-dev:26' });

      expect(parseTaskStateChange(event)).toMatchObject({ family: 'sin-web_task_def-dev', revision: 26 });
    });
  });

  describe('bad events', () => {
    it('rejects an event with no time at all, in the envelope or the detail, saying where one is read', () => {
      const event = stoppedTaskEvent({
        createdAt: undefined,
        startedAt: undefined,
        stoppingAt: undefined,
        stoppedAt: undefined,
        time: 'soon',
      });
      delete event.detail.updatedAt;

      expect(() => parseTaskStateChange(event)).toThrow(
        /^not an ECS Task State Change \(time: expected an ISO time in time, detail\.updatedAt, detail\.stoppedAt, detail\.stoppingAt or detail\.createdAt\): \{/,
      );
    });

    it.each<[string, (event: TaskEvent) => void, RegExp]>([
      ['another source', (e) => (e.source = 'aws.batch'), /\(source: expected "aws\.ecs"\)/],
      [
        'another detail-type',
        (e) => (e['detail-type'] = 'ECS Deployment State Change'),
        /\(detail-type: expected "ECS Task State Change"\)/,
      ],
      ['no task ARN', (e) => delete e.detail.taskArn, /\(detail\.taskArn: [^)]*\)/],
      ['a task ARN that is not one', (e) => (e.detail.taskArn = 'task-1'), /\(detail\.taskArn: expected a task ARN/],
      ['no cluster ARN', (e) => delete e.detail.clusterArn, /\(detail\.clusterArn: /],
      [
        'a task definition ARN without a revision',
        (e) => (e.detail.taskDefinitionArn = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/api'),
        /detail\.taskDefinitionArn: expected a task definition ARN/,
      ],
      ['no last status', (e) => delete e.detail.lastStatus, /\(detail\.lastStatus: /],
      ['an empty desired status', (e) => (e.detail.desiredStatus = ''), /\(detail\.desiredStatus: /],
      ['a version given as text', (e) => (e.detail.version = '6'), /\(detail\.version: /],
      ['no detail', (e) => delete e.detail, /\(detail: /],
    ])('rejects %s, naming the field', (_, spoil, message) => {
      const event = stoppedTaskEvent();
      spoil(event);

      expect(badEventMessage(event)).toMatch(message);
    });

    it('lists every problem of the event', () => {
      const event = stoppedTaskEvent();
      delete event.detail.taskArn;
      event.detail.version = null;

      expect(badEventMessage(event)).toMatch(/^not an ECS Task State Change \(detail\.taskArn: .+; detail\.version: .+\): \{/);
    });

    it('quotes the event, cut to 500 characters', () => {
      const event = taskEvent('service-sidecar-ok-app-exit-2');
      event.source = 'aws.batch';

      const message = badEventMessage(event);
      const quoted = message.slice(message.indexOf('): ') + 3);

      expect(quoted).toHaveLength(500);
      expect(JSON.stringify(event).startsWith(quoted)).toBe(true);
    });

    it('rejects an event that is not an object, calling the problem "event"', () => {
      expect(badEventMessage(null)).toMatch(/^not an ECS Task State Change \(event: .+\): null$/);
      expect(badEventMessage('STOPPED')).toMatch(/\(event: .+\): "STOPPED"$/);
      expect(badEventMessage(undefined)).toMatch(/\(event: .+\): undefined$/);
    });
  });
});
