/** The fault injector the trust tests stand on: it must hit exactly the call it names, and only inside an invocation. */
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, emulatorClientConfig, startEmulator } from '../../sandbox/emulator.ts';
import { callName, InvocationCrashed, installFaults, invoke } from '../helpers/faults.ts';

describe('the fault injector', () => {
  let emulator: Emulator;
  let ecs: ECSClient;
  const faults = installFaults();
  beforeAll(async () => {
    emulator = await startEmulator();
    ecs = new ECSClient(emulatorClientConfig(emulator.endpoint));
  });
  afterAll(async () => {
    faults.uninstall();
    await emulator?.stop();
  });

  const handler = async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'one' }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'two' }));
    return (await ecs.send(new ListClustersCommand({}))).clusterArns?.length;
  };

  it('records the calls of an invocation, and only those', async () => {
    await ecs.send(new ListClustersCommand({}));
    const clean = await invoke(handler);
    expect(clean.calls.map(callName)).toEqual(['ECS CreateCluster', 'ECS CreateCluster', 'ECS ListClusters']);
    expect(clean.result).toBe(2);
  });

  it('fails the named call before it reaches AWS', async () => {
    const failed = await invoke(handler, [{ kind: 'fail', at: { command: 'CreateCluster', occurrence: 2 } }]);
    expect(failed.error).toMatchObject({ name: 'ThrottlingException' });
    expect(failed.calls.map(callName)).toEqual(['ECS CreateCluster', 'ECS CreateCluster']);
  });

  it('kills the invocation right after the named call succeeded', async () => {
    const crashed = await invoke(async () => {
      await ecs.send(new CreateClusterCommand({ clusterName: 'three' }));
      await ecs.send(new CreateClusterCommand({ clusterName: 'four' }));
    }, [{ kind: 'crash-after', at: { index: 0 } }]);
    expect(crashed.error).toBeInstanceOf(InvocationCrashed);
    const { clusterArns = [] } = await ecs.send(new ListClustersCommand({}));
    expect(clusterArns.some((arn) => arn.endsWith('/three'))).toBe(true);
    expect(clusterArns.some((arn) => arn.endsWith('/four'))).toBe(false);
  });

  it('keeps a killed invocation dead: a handler that catches the crash reaches AWS no more, and still counts as failed', async () => {
    const crashed = await invoke(async () => {
      try {
        await ecs.send(new CreateClusterCommand({ clusterName: 'five' }));
      } catch {
        // as a handler that records a failed call and goes on would
      }
      await ecs.send(new CreateClusterCommand({ clusterName: 'six' })).catch(() => undefined);
      return 'went on';
    }, [{ kind: 'crash-after', at: { command: 'CreateCluster' } }]);
    expect(crashed.error).toBeInstanceOf(InvocationCrashed);
    expect(crashed.result).toBeUndefined();
    expect(crashed.calls.map(callName)).toEqual(['ECS CreateCluster']);
    const { clusterArns = [] } = await ecs.send(new ListClustersCommand({}));
    expect(clusterArns.some((arn) => arn.endsWith('/five'))).toBe(true);
    expect(clusterArns.some((arn) => arn.endsWith('/six'))).toBe(false);
  });

  it('tells which faults hit: one aimed at a call the invocation never made did not', async () => {
    const missed = await invoke(handler, [{ kind: 'fail', at: { command: 'CreateCluster', occurrence: 3 } }]);
    expect(missed.error).toBeUndefined();
    expect(missed.hit).toEqual([]);
    const hit = await invoke(handler, [{ kind: 'fail', at: { index: 2 } }]);
    expect(hit.hit).toEqual([{ kind: 'fail', at: { index: 2 } }]);
  });
});
