import { describe, expect, it } from 'vitest';
import { capacityOfTry, type LaunchTry, runTaskRequest } from '../../shared/jobs/run-task-request.ts';
import { FARGATE_NETWORK, JOB_NAME, jobSpec, SCHEDULED_TIME, spotJobSpec } from './fixtures.ts';

function launchTry(fields: Partial<LaunchTry> = {}): LaunchTry {
  return {
    scheduledTime: SCHEDULED_TIME,
    attempt: 1,
    providerIndex: 0,
    count: 1,
    clientToken: 'token-0',
    taskIndex: 0,
    taskCount: 1,
    essentialContainers: [],
    ...fields,
  };
}

describe('runTaskRequest', () => {
  it('builds the whole request of a minimal job on the cluster default capacity', () => {
    const request = runTaskRequest(jobSpec(), launchTry());

    expect(request).toEqual({
      cluster: 'batch',
      taskDefinition: 'nightly-report:7',
      count: 1,
      startedBy: 'ecs-autopilot/nightly-report',
      clientToken: 'token-0',
      propagateTags: 'TASK_DEFINITION',
      enableECSManagedTags: true,
      tags: [
        { key: 'ecs-autopilot:job', value: JOB_NAME },
        { key: 'ecs-autopilot:scheduled-time', value: SCHEDULED_TIME },
        { key: 'ecs-autopilot:attempt', value: '1' },
      ],
    });
  });

  it('uses one capacity provider per try, chosen by the provider index', () => {
    const job = spotJobSpec();

    const first = runTaskRequest(job, launchTry({ providerIndex: 0 }));
    const fallback = runTaskRequest(job, launchTry({ providerIndex: 1 }));

    expect(first.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    expect(fallback.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE', weight: 1 }]);
    expect(first.launchType).toBeUndefined();
  });

  it('refuses a provider index the job does not have', () => {
    expect(() => runTaskRequest(spotJobSpec(), launchTry({ providerIndex: 2 }))).toThrow(RangeError);
  });

  it('sets the launch type and no capacity provider strategy for a launch-type job', () => {
    const request = runTaskRequest(jobSpec({ launchType: 'EC2' }), launchTry());

    expect(request.launchType).toBe('EC2');
    expect(request.capacityProviderStrategy).toBeUndefined();
  });

  it('passes the awsvpc network with the public IP switched off by default', () => {
    const request = runTaskRequest(spotJobSpec(), launchTry());

    expect(request.networkConfiguration).toEqual({
      awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0e1f2a3b'], assignPublicIp: 'DISABLED' },
    });
  });

  it('enables the public IP when the network asks for it', () => {
    const request = runTaskRequest(jobSpec({ launchType: 'FARGATE', network: { ...FARGATE_NETWORK, assignPublicIp: true } }), launchTry());

    expect(request.networkConfiguration?.awsvpcConfiguration?.assignPublicIp).toBe('ENABLED');
  });

  it('passes the platform version when set', () => {
    expect(runTaskRequest(spotJobSpec({ platformVersion: '1.4.0' }), launchTry()).platformVersion).toBe('1.4.0');
    expect(runTaskRequest(spotJobSpec(), launchTry()).platformVersion).toBeUndefined();
  });

  it('writes task cpu and memory as strings and each container override', () => {
    const job = jobSpec({
      overrides: {
        cpu: 1024,
        memory: 2048,
        containers: {
          report: { command: ['node', 'report.js', '--full'], environment: { REPORT_DAY: 'yesterday', LOG_LEVEL: 'debug' } },
          sidecar: { environment: { MODE: 'batch' } },
        },
      },
    });

    const request = runTaskRequest(job, launchTry());

    expect(request.overrides).toEqual({
      cpu: '1024',
      memory: '2048',
      containerOverrides: [
        {
          name: 'report',
          command: ['node', 'report.js', '--full'],
          environment: [
            { name: 'REPORT_DAY', value: 'yesterday' },
            { name: 'LOG_LEVEL', value: 'debug' },
          ],
        },
        { name: 'sidecar', environment: [{ name: 'MODE', value: 'batch' }] },
      ],
    });
  });

  it('sends no overrides when the job has none and no container is essential', () => {
    expect(runTaskRequest(jobSpec(), launchTry()).overrides).toBeUndefined();
  });

  it("gives each essential container the run's environment, after the job's own, and none to the others", () => {
    const job = jobSpec({
      overrides: { containers: { report: { environment: { REPORT_DAY: 'yesterday' } }, sidecar: { environment: { MODE: 'batch' } } } },
    });

    const request = runTaskRequest(job, launchTry({ attempt: 2, essentialContainers: ['report', 'migrate'] }));

    const run = [
      { name: 'ECS_AUTOPILOT_SCHEDULED_TIME', value: SCHEDULED_TIME },
      { name: 'ECS_AUTOPILOT_ATTEMPT', value: '2' },
      { name: 'ECS_AUTOPILOT_RUN_ID', value: `${JOB_NAME}:${SCHEDULED_TIME}:2` },
      { name: 'ECS_AUTOPILOT_JOB', value: JOB_NAME },
    ];
    expect(request.overrides?.containerOverrides).toEqual([
      { name: 'report', environment: [{ name: 'REPORT_DAY', value: 'yesterday' }, ...run] },
      { name: 'sidecar', environment: [{ name: 'MODE', value: 'batch' }] },
      { name: 'migrate', environment: run },
    ]);
  });

  it('gives a task of a run of several its index and the count', () => {
    const request = runTaskRequest(jobSpec({ count: 3 }), launchTry({ taskIndex: 2, taskCount: 3, essentialContainers: ['report'] }));

    expect(request.overrides?.containerOverrides?.[0]?.environment).toEqual(
      expect.arrayContaining([
        { name: 'ECS_AUTOPILOT_TASK_INDEX', value: '2' },
        { name: 'ECS_AUTOPILOT_TASK_COUNT', value: '3' },
      ]),
    );
  });

  it("fills the placeholders of the job's commands with the task's values", () => {
    const job = jobSpec({
      count: 2,
      overrides: { containers: { report: { command: ['sync', '--since', '{{scheduledTime}}', '--shard={{ taskIndex }}/{{taskCount}}'] } } },
    });

    const request = runTaskRequest(job, launchTry({ taskIndex: 1, taskCount: 2 }));

    expect(request.overrides?.containerOverrides).toEqual([
      { name: 'report', command: ['sync', '--since', SCHEDULED_TIME, '--shard=1/2'] },
    ]);
  });

  it('requests the count of the try, not of the job', () => {
    expect(runTaskRequest(jobSpec({ count: 5 }), launchTry({ count: 2 })).count).toBe(2);
  });

  it("puts the job's own tags before the ecs-autopilot tags of this firing and attempt", () => {
    const request = runTaskRequest(
      jobSpec({ tags: { team: 'finance', 'cost-center': '4711' } }),
      launchTry({ attempt: 3, scheduledTime: '2026-11-23T02:00:00.000Z', clientToken: 'token-7' }),
    );

    expect(request.tags).toEqual([
      { key: 'team', value: 'finance' },
      { key: 'cost-center', value: '4711' },
      { key: 'ecs-autopilot:job', value: JOB_NAME },
      { key: 'ecs-autopilot:scheduled-time', value: '2026-11-23T02:00:00.000Z' },
      { key: 'ecs-autopilot:attempt', value: '3' },
    ]);
    expect(request.clientToken).toBe('token-7');
  });
});

describe('capacityOfTry', () => {
  it('names the provider, the launch type or the cluster default', () => {
    expect(capacityOfTry(spotJobSpec(), 1)).toBe('FARGATE');
    expect(capacityOfTry(spotJobSpec(), 5)).toBe('unknown');
    expect(capacityOfTry(jobSpec({ launchType: 'EC2' }), 0)).toBe('EC2');
    expect(capacityOfTry(jobSpec(), 0)).toBe('cluster default');
  });
});
