import { describe, expect, it } from 'vitest';
import { foreignOrigin, routeShiftInput } from '../../shared/blue-green/trigger.ts';
import { validateAutomation } from '../../shared/config/validate.ts';
import { BadEventError } from '../../shared/errors.ts';

const HEAD = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const app = (name: string, alarms: string[]) => ({
  cluster: 'web',
  listener: `${HEAD}:listener/app/${name}/0000000000000001/000000000000000${name.length}`,
  blue: { service: `${name}-blue`, targetGroup: `${HEAD}:targetgroup/${name}-blue/0000000000000002` },
  green: { service: `${name}-green`, targetGroup: `${HEAD}:targetgroup/${name}-green/0000000000000003` },
  gates: { alarms },
});
const automation = validateAutomation({ apps: { shop: app('shop', ['5xx', 'latency']), search: app('search', ['5xx']) } });

const envelope = (source: string, detailType: string, detail: unknown, resources: string[] = []) => ({
  version: '0',
  id: 'evt-1',
  source,
  'detail-type': detailType,
  account: '123456789012',
  region: 'eu-west-1',
  time: '2026-11-23T10:00:00Z',
  resources,
  detail,
});

describe('routeShiftInput', () => {
  it('routes a deployment request to its app, with the request id (or the event id without one)', () => {
    expect(
      routeShiftInput(
        envelope('ecs-autopilot', 'Deployment Requested', { app: 'shop', id: 'shop-1', images: { app: 'img:2' }, requestedBy: 'ci' }),
        automation,
      ),
    ).toEqual([
      {
        app: 'shop',
        event: { kind: 'requested', id: 'shop-1', sentAt: '2026-11-23T10:00:00.000Z', images: { app: 'img:2' }, requestedBy: 'ci' },
      },
    ]);
    expect(
      routeShiftInput(envelope('ecs-autopilot', 'Deployment Requested', { app: 'shop', taskDefinition: 'shop:3' }), automation),
    ).toEqual([{ app: 'shop', event: { kind: 'requested', id: 'evt-1', sentAt: '2026-11-23T10:00:00.000Z', taskDefinition: 'shop:3' } }]);
  });

  it('takes a request without a readable time as sent when it arrives (issue 12: its time decides whether it is stale)', () => {
    for (const time of [undefined, 'yesterday', '']) {
      const [routed] = routeShiftInput(
        { ...envelope('ecs-autopilot', 'Deployment Requested', { app: 'shop', id: 'shop-1', taskDefinition: 'shop:3' }), time },
        automation,
      );
      expect(routed?.event).toMatchObject({ kind: 'requested', id: 'shop-1', sentAt: undefined });
    }
  });

  it('routes promote and abort with the deployment (detail.id), the step and the event id that names the request', () => {
    expect(
      routeShiftInput(
        envelope('ecs-autopilot', 'Deployment Promotion Requested', { app: 'shop', id: 'shop-1', step: 2, by: 'ana' }),
        automation,
      ),
    ).toEqual([{ app: 'shop', event: { kind: 'promote', requestId: 'evt-1', deploymentId: 'shop-1', step: 2, by: 'ana' } }]);
    expect(
      routeShiftInput(
        envelope('ecs-autopilot', 'Deployment Abort Requested', { app: 'search', id: 'search-1', reason: 'bad build' }),
        automation,
      ),
    ).toEqual([{ app: 'search', event: { kind: 'abort', requestId: 'evt-1', deploymentId: 'search-1', reason: 'bad build' } }]);
  });

  it('routes a promote or abort from an older pipeline, without deployment or step', () => {
    expect(routeShiftInput(envelope('ecs-autopilot', 'Deployment Promotion Requested', { app: 'shop', by: 'ana' }), automation)).toEqual([
      { app: 'shop', event: { kind: 'promote', requestId: 'evt-1', by: 'ana' } },
    ]);
  });

  it('names a request without an event id by what it asks', () => {
    const { id: _id, ...withoutId } = envelope('ecs-autopilot', 'Deployment Promotion Requested', { app: 'shop', id: 'shop-1', step: 1 });
    expect(routeShiftInput(withoutId, automation)).toEqual([
      { app: 'shop', event: { kind: 'promote', requestId: 'promote:shop-1:1', deploymentId: 'shop-1', step: 1 } },
    ]);
  });

  it('refuses a step that is not a whole number from 1', () => {
    for (const step of [0, 1.5, '2']) {
      expect(() =>
        routeShiftInput(envelope('ecs-autopilot', 'Deployment Promotion Requested', { app: 'shop', id: 'shop-1', step }), automation),
      ).toThrow(BadEventError);
    }
  });

  it('routes an alarm to every app that gates on it, and to none that does not', () => {
    const alarm = (name: string) =>
      envelope('aws.cloudwatch', 'CloudWatch Alarm State Change', {
        alarmName: name,
        state: { value: 'ALARM', reason: 'Threshold Crossed' },
      });
    expect(routeShiftInput(alarm('5xx'), automation).map((r) => r.app)).toEqual(['shop', 'search']);
    expect(routeShiftInput(alarm('latency'), automation)).toEqual([
      { app: 'shop', event: { kind: 'alarm', alarmName: 'latency', state: 'ALARM', reason: 'Threshold Crossed' } },
    ]);
    expect(routeShiftInput(alarm('billing'), automation)).toEqual([]);
  });

  it('routes an ECS deployment event by the service ARN (new and old ARN formats)', () => {
    const ecs = (arn: string) =>
      envelope('aws.ecs', 'ECS Deployment State Change', { eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: 'ecs-svc/1' }, [arn]);
    expect(routeShiftInput(ecs('arn:aws:ecs:eu-west-1:123456789012:service/web/shop-green'), automation)).toEqual([
      { app: 'shop', event: { kind: 'service-changed', service: 'shop-green', eventName: 'SERVICE_DEPLOYMENT_COMPLETED' } },
    ]);
    expect(routeShiftInput(ecs('arn:aws:ecs:eu-west-1:123456789012:service/search-blue'), automation).map((r) => r.app)).toEqual([
      'search',
    ]);
    expect(routeShiftInput(ecs('arn:aws:ecs:eu-west-1:123456789012:service/other-cluster/shop-green'), automation)).toEqual([]);
  });

  it('turns the watchdog tick into a tick for every app', () => {
    expect(routeShiftInput({ tick: true }, automation)).toEqual([
      { app: 'shop', event: { kind: 'tick' } },
      { app: 'search', event: { kind: 'tick' } },
    ]);
  });

  it('refuses what it does not handle, saying what it takes', () => {
    expect(() => routeShiftInput({ hello: 1 }, automation)).toThrow(BadEventError);
    expect(() => routeShiftInput({ hello: 1 }, automation)).toThrow(/takes a Deployment Requested/);
    expect(() => routeShiftInput(envelope('aws.ecs', 'ECS Task State Change', {}), automation)).toThrow(
      'shift-traffic does not handle aws.ecs "ECS Task State Change" events',
    );
    expect(() => routeShiftInput(envelope('ecs-autopilot', 'Deployment Requested', { id: 'x' }), automation)).toThrow(/needs detail.app/);
    expect(() => routeShiftInput(envelope('aws.cloudwatch', 'CloudWatch Alarm State Change', { alarmName: 'x' }), automation)).toThrow(
      /without detail.alarmName and detail.state.value/,
    );
  });
});

describe('foreignOrigin: AWS events from another account or region are not this stack’s (issue 12)', () => {
  const home = { account: '123456789012', region: 'eu-west-1' };
  const alarm = (account: string, region: string) => ({
    ...envelope('aws.cloudwatch', 'CloudWatch Alarm State Change', { alarmName: '5xx', state: { value: 'ALARM' } }),
    account,
    region,
  });
  const rollout = (account: string, region: string) => ({
    ...envelope('aws.ecs', 'ECS Deployment State Change', { eventName: 'SERVICE_DEPLOYMENT_FAILED' }, [
      `arn:aws:ecs:${region}:${account}:service/web/shop-green`,
    ]),
    account,
    region,
  });

  it.each([
    ['an alarm from another account', alarm('999988887777', 'eu-west-1'), /from account 999988887777, region eu-west-1/],
    ['an alarm from another region', alarm('123456789012', 'us-east-1'), /from account 123456789012, region us-east-1/],
    ['an ECS rollout from another account', rollout('999988887777', 'eu-west-1'), /from account 999988887777/],
    ['an ECS rollout from another region', rollout('123456789012', 'us-east-1'), /region us-east-1/],
  ])('names %s', (_, event, reason) => {
    expect(foreignOrigin(event, home)).toMatch(reason);
  });

  it('takes the stack’s own AWS events, the requests from its account or a deployer’s, and the tick', () => {
    expect(foreignOrigin(alarm('123456789012', 'eu-west-1'), home)).toBeUndefined();
    expect(foreignOrigin(rollout('123456789012', 'eu-west-1'), home)).toBeUndefined();
    const request = { ...envelope('ecs-autopilot', 'Deployment Requested', { app: 'shop', id: 'shop-1' }), account: '444455556666' };
    expect(foreignOrigin(request, home, ['arn:aws:iam::444455556666:role/ci'])).toBeUndefined();
    expect(foreignOrigin({ ...request, account: '123456789012' }, home)).toBeUndefined();
    expect(foreignOrigin({ tick: true }, home)).toBeUndefined();
  });

  it('names a request from an account that is neither the stack’s nor a deployer’s, or from another region', () => {
    const request = { ...envelope('ecs-autopilot', 'Deployment Requested', { app: 'shop', id: 'shop-1' }), account: '444455556666' };
    expect(foreignOrigin(request, home, ['arn:aws:iam::210987654321:role/ci'])).toMatch(
      /^a request from account 444455556666, neither this stack's 123456789012 nor one of deployers' \(210987654321\)$/,
    );
    expect(foreignOrigin({ ...request, account: '123456789012', region: 'us-east-1' }, home)).toMatch(/region us-east-1/);
  });

  it('takes anything when the stack’s account and region are not known (the sandbox, tests)', () => {
    expect(foreignOrigin(alarm('999988887777', 'us-east-1'), {})).toBeUndefined();
  });
});

describe('inputs found by the fuzz (issue 12): a clear one-line BadEventError, never a TypeError', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('an ecs-autopilot event with detail-type %s', (detailType) => {
    expect(() => routeShiftInput({ source: 'ecs-autopilot', 'detail-type': detailType, detail: { app: 'shop' } }, automation)).toThrow(
      new BadEventError(`shift-traffic does not handle ecs-autopilot "${detailType}" events`),
    );
  });

  it('an ECS event whose eventName is not a string is read by its detail-type', () => {
    const event = envelope('aws.ecs', 'ECS Service Action', { eventName: { toString: [] } }, [
      'arn:aws:ecs:eu-west-1:123456789012:service/web/shop-green',
    ]);
    expect(routeShiftInput(event, automation)).toEqual([
      { app: 'shop', event: { kind: 'service-changed', service: 'shop-green', eventName: 'ECS Service Action' } },
    ]);
  });

  it('echoes a huge or multi-line detail-type or field name cut, on one line', () => {
    for (const input of [
      { source: 'aws.ecs', 'detail-type': 'x'.repeat(10_000), detail: {} },
      { source: 'ecs-autopilot', 'detail-type': 'a\nb', detail: {} },
      envelope('ecs-autopilot', 'Deployment Abort Requested', { app: 'shop', id: 'shop-1', ['y'.repeat(5_000)]: 1, 'c\nd': 2 }),
    ]) {
      const error = (() => {
        try {
          routeShiftInput(input, automation);
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error).toBeInstanceOf(BadEventError);
      expect(error?.message).not.toMatch(/\n/);
      expect(error?.message.length).toBeLessThan(400);
    }
  });
});
