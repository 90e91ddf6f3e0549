import { describe, expect, it } from 'vitest';
import { capacityOfTry, type LaunchTry, runTaskRequest } from '../../shared/jobs/run-task-request.ts';
import { FARGATE_NETWORK, JOB_NAME, jobSpec, SCHEDULED_TIME, spotJobSpec } from './fixtures.ts';

function launchTry(fields: Partial<LaunchTry> = {}): LaunchTry {
  return { scheduledTime: SCHEDULED_TIME, attempt: 1, providerIndex: 0, count: 1, clientToken: 'token-0', ...fields };
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

  it('sends no overrides when the job has none', () => {
    expect(runTaskRequest(jobSpec(), launchTry()).overrides).toBeUndefined();
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
