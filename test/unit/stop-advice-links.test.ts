import { describe, expect, it } from 'vitest';
import { adviceFor } from '../../shared/stopped-tasks/advice.ts';
import { type ClassifyContext, classifyStop } from '../../shared/stopped-tasks/classify.ts';
import { type ContainerLogSettings, consoleTaskUrl, essentialContainersOf, logLinksOf } from '../../shared/stopped-tasks/links.ts';
import type { Advice, TaskStopFacts } from '../../shared/stopped-tasks/stop-facts.ts';
import { parseTaskStateChange } from '../../shared/stopped-tasks/task-event.ts';
import { type StoppedTaskOverrides, stoppedTaskEvent, taskEvent, taskEventNames } from '../fixtures/task-events.ts';

function adviceOf(facts: TaskStopFacts, context?: ClassifyContext): Advice {
  return adviceFor(classifyStop(facts, context), facts);
}

function adviceForFixture(name: string): Advice {
  return adviceOf(parseTaskStateChange(taskEvent(name)));
}

function adviceForBuilt(overrides: StoppedTaskOverrides): Advice {
  return adviceOf(parseTaskStateChange(stoppedTaskEvent(overrides)));
}

function text(advice: Advice): string {
  return [advice.likelyCause, ...advice.nextSteps].join('\n');
}

describe('adviceFor', () => {
  it.each(taskEventNames())('gives %s a likely cause and next steps', (name) => {
    const advice = adviceForFixture(name);

    expect(advice.likelyCause).toMatch(/^\S.+[.)]$/s);
    expect(advice.nextSteps.length).toBeGreaterThan(0);
    for (const step of advice.nextSteps) expect(step).toMatch(/^[A-Z].+[.?]$/s);
  });

  it('out of memory: names the container and the task definition to raise the limit in, or the leak to find', () => {
    const advice = adviceForFixture('out-of-memory');

    expect(advice.likelyCause).toContain('"worker"');
    expect(advice.nextSteps[0]).toMatch(/Raise the memory limit of container "worker" .* queue-worker:18/);
    expect(text(advice)).toMatch(/leak/);
  });

  it('image pull: the image, the tag, the execution role, the way to the registry', () => {
    const advice = adviceForFixture('image-pull-failed');

    expect(advice.likelyCause).toContain('111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:v2.3.1');
    expect(advice.likelyCause).toContain('"app"');
    expect(text(advice)).toMatch(/tag exists/);
    expect(text(advice)).toMatch(/execution role/);
    expect(text(advice)).toMatch(/NAT gateway/);
    expect(text(advice)).toMatch(/VPC endpoints/);
  });

  it('resource initialization: secrets and parameters, log group, VPC endpoints, quoting the reason', () => {
    const advice = adviceForFixture('resource-initialization-failed');

    expect(advice.likelyCause).toContain('ResourceInitializationError: unable to pull secrets');
    expect(text(advice)).toMatch(/execution role of api:42 can read the secrets/);
    expect(text(advice)).toMatch(/ssm:GetParameters/);
    expect(text(advice)).toMatch(/log group/);
    expect(text(advice)).toMatch(/VPC endpoints/);
  });

  it.each([
    ['container-start-failed', /entrypoint and command/],
    ['volume-creation-failed', /EFS/],
    ['capacity-no-free-addresses', /free IP addresses/],
    ['failed-to-start-other', /TagPolicyViolation/],
  ])('%s: says what to check', (name, expected) => {
    expect(text(adviceForFixture(name))).toMatch(expected);
  });

  it("ELB health checks: the target group, its path and port, the service's grace period", () => {
    const advice = adviceForFixture('elb-health-check-failed');

    expect(advice.likelyCause).toContain('arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/api-tg/6d0ecf831eec9f09');
    expect(text(advice)).toMatch(/health check path, port/);
    expect(text(advice)).toMatch(/grace period of service api/);
  });

  it("container health checks: the command and the check's timing", () => {
    expect(text(adviceForFixture('container-health-check-failed'))).toMatch(/startPeriod/);
  });

  it('Spot: nothing to fix, an on-demand fallback', () => {
    const advice = adviceForFixture('spot-interruption-stopped');

    expect(advice.nextSteps[0]).toMatch(/^Nothing to fix/);
    expect(text(advice)).toMatch(/FARGATE after FARGATE_SPOT/);
    expect(adviceForFixture('spot-interruption-notice').likelyCause).toMatch(/two minutes/);
  });

  it('app error: names the container and its exit code, and sends you to its logs', () => {
    const advice = adviceForFixture('service-sidecar-ok-app-exit-2');

    expect(advice.likelyCause).toContain('container "app" exited 2');
    expect(advice.nextSteps[0]).toBe('Read the logs of container "app" just before it stopped.');
    expect(text(advice)).toContain('111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:9f3e2c1');
  });

  it('app error: follows the essential container the classification named, not a sidecar listed first', () => {
    const facts = parseTaskStateChange(
      stoppedTaskEvent({
        containers: [
          { name: 'log-router', exitCode: 1 },
          { name: 'app', exitCode: 2 },
        ],
      }),
    );

    expect(adviceOf(facts, { essentialContainers: ['app'] }).nextSteps[0]).toBe('Read the logs of container "app" just before it stopped.');
  });

  it('out of memory: follows the essential container, not a sidecar killed for memory too', () => {
    const oom = 'OutOfMemoryError: Container killed due to memory usage';
    const facts = parseTaskStateChange(
      stoppedTaskEvent({
        containers: [
          { name: 'log-router', exitCode: 137, reason: oom },
          { name: 'app', exitCode: 137, reason: oom },
        ],
      }),
    );

    expect(adviceOf(facts, { essentialContainers: ['app'] }).likelyCause).toMatch(/^Container "app"/);
  });

  it.each([
    [137, /SIGKILL/],
    [143, /SIGTERM/],
    [127, /not found/],
    [139, /segmentation fault/],
  ])('app error: explains exit code %i', (exitCode, meaning) => {
    expect(adviceForBuilt({ containers: [{ name: 'report', exitCode }] }).likelyCause).toMatch(meaning);
  });

  it('host lost: a service replaces the task, a standalone task needs a rerun', () => {
    expect(text(adviceForFixture('host-lost-ec2'))).toMatch(/Service billing starts a replacement/);
    expect(text(adviceForFixture('host-lost-ec2'))).toMatch(/Auto Scaling group/);
    expect(text(adviceForBuilt({ stopCode: undefined, stoppedReason: 'Host EC2 (instance i-0a1b2c3d4e5f60789) terminated.' }))).toMatch(
      /standalone task is not replaced/,
    );
    expect(adviceForFixture('host-maintenance-fargate').likelyCause).toMatch(/maintain or retire/);
  });

  it.each([
    ['ecs-autopilot-timeout', /maxRuntime/],
    ['ecs-autopilot-replaced', /concurrency: forbid/],
    ['user-stopped', /CloudTrail/],
    ['scaled-in-deployment-137', /SIGTERM/],
  ])('%s: says what to do', (name, expected) => {
    expect(text(adviceForFixture(name))).toMatch(expected);
  });

  it('completed: nothing to do for a job, a question for a service', () => {
    expect(adviceForFixture('batch-job-completed').nextSteps).toEqual(['Nothing to do.']);
    expect(adviceForBuilt({ group: 'service:api' }).nextSteps[0]).toMatch(/service api should keep running/);
  });

  it('unknown: repeats what was seen and points at the console within the hour', () => {
    const advice = adviceForFixture('unknown');

    expect(advice.likelyCause).toContain('no exit code');
    expect(advice.nextSteps[0]).toMatch(/within the hour/);
  });
});

describe('consoleTaskUrl', () => {
  it("links the task's configuration page in the ECS console", () => {
    const facts = parseTaskStateChange(stoppedTaskEvent({ cluster: 'web', taskId: '0123456789abcdef0123456789abcdef' }));

    expect(consoleTaskUrl(facts)).toBe(
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/web/tasks/0123456789abcdef0123456789abcdef/configuration?region=eu-west-1',
    );
  });
});

describe('logLinksOf', () => {
  const facts = parseTaskStateChange(stoppedTaskEvent({ cluster: 'web', taskId: '0123456789abcdef0123456789abcdef' }));
  const awslogs = (options: Record<string, string>): ContainerLogSettings['logConfiguration'] => ({ logDriver: 'awslogs', options });

  it('links the stream awslogs writes: <prefix>/<container>/<task id>, encoded as the console expects', () => {
    const links = logLinksOf(facts, [
      {
        name: 'app',
        logConfiguration: awslogs({ 'awslogs-group': '/ecs/api', 'awslogs-stream-prefix': 'ecs', 'awslogs-region': 'eu-west-1' }),
      },
    ]);

    expect(links).toEqual([
      {
        container: 'app',
        logGroup: '/ecs/api',
        logStream: 'ecs/app/0123456789abcdef0123456789abcdef',
        url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fapi/log-events/ecs$252Fapp$252F0123456789abcdef0123456789abcdef',
      },
    ]);
  });

  it('links the log group only when no stream prefix is set (the stream name cannot be known)', () => {
    const [link] = logLinksOf(facts, [{ name: 'app', logConfiguration: awslogs({ 'awslogs-group': 'api' }) }]);

    expect(link).toEqual({
      container: 'app',
      logGroup: 'api',
      logStream: '',
      url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/api',
    });
  });

  it("uses the log group's own region when it differs from the task's", () => {
    const [link] = logLinksOf(facts, [
      { name: 'app', logConfiguration: awslogs({ 'awslogs-group': 'api', 'awslogs-region': 'us-east-1' }) },
    ]);

    expect(link?.url).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=us-east-1#/);
  });

  it('encodes characters the console would misread', () => {
    const [link] = logLinksOf(facts, [
      { name: 'app', logConfiguration: awslogs({ 'awslogs-group': '/aws/ecs/my app#1', 'awslogs-stream-prefix': 'a b' }) },
    ]);

    expect(link?.url).toContain('log-group/$252Faws$252Fecs$252Fmy$2520app$25231/log-events/a$2520b$252Fapp$252F');
  });

  it('skips containers that do not log with awslogs, or name no log group', () => {
    const links = logLinksOf(facts, [
      { name: 'log-router', essential: false, logConfiguration: { logDriver: 'awsfirelens', options: {} } },
      { name: 'app', logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'cloudwatch' } } },
      { name: 'worker', logConfiguration: awslogs({ 'awslogs-stream-prefix': 'ecs' }) },
      { name: 'silent' },
    ]);

    expect(links).toEqual([]);
  });
});

describe('essentialContainersOf', () => {
  it('takes a container as essential unless it says essential: false', () => {
    expect(
      essentialContainersOf([{ name: 'app' }, { name: 'log-router', essential: false }, { name: 'migrations', essential: true }]),
    ).toEqual(['app', 'migrations']);
  });

  it('tells classifyStop which exit codes decide', () => {
    const facts = parseTaskStateChange(
      stoppedTaskEvent({
        containers: [
          { name: 'log-router', exitCode: 1 },
          { name: 'app', exitCode: 0 },
        ],
      }),
    );
    const essentialContainers = essentialContainersOf([{ name: 'log-router', essential: false }, { name: 'app' }]);

    expect(classifyStop(facts, { essentialContainers }).category).toBe('completed');
  });
});
