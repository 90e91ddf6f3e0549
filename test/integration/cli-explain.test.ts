/**
 * `explain` against moto: the task read live with DescribeTasks, the task definition read with
 * DescribeTaskDefinition as the Lambda reads it, and the answer compared with what the real
 * on-task-stopped handler publishes for the same task.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { onTaskStopped } from '../../functions/on-task-stopped.ts';
import { stopTaskAs } from '../../sandbox/emulator.ts';
import { eventOfTask, taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { runCli as cli } from '../helpers/cli.ts';
import { useEmulatorWorld } from './world.ts';

const CLUSTER = 'explain-it';
const network = { subnets: ['subnet-0a1b2c3d4e5f60011'], securityGroups: ['sg-0a1b2c3d4e5f60011'] };
const config = {
  defaults: { launchType: 'FARGATE', network },
  watchedTasks: { 'queue-worker': { cluster: CLUSTER, taskDefinition: 'queue-worker', restart: 'on-failure' } },
};
const CONFIG_FILE = join(tmpdir(), `automation-explain-${process.pid}.yml`);
writeFileSync(CONFIG_FILE, stringify(config));

describe('ecs-autopilot explain against moto', () => {
  const t = useEmulatorWorld(config, new Date('2026-11-22T21:00:00Z'));
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const useEmulator = () => Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });

  /** A queue worker started by hand, from the given task definition. */
  async function startWorker(taskDefinition = 'queue-worker'): Promise<string> {
    const { tasks = [] } = await t.ecs.send(
      new RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition,
        launchType: 'FARGATE',
        group: 'family:queue-worker',
        startedBy: 'deploy-pipeline',
        networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets, securityGroups: network.securityGroups } },
      }),
    );
    return tasks[0]?.taskArn ?? '';
  }

  /** What the Lambda published about the stop: its summary and its decision. */
  async function lambdaSaid(event: unknown) {
    await onTaskStopped(event, t.stopRuntime);
    const stopped = (await t.events()).find((e) => e['detail-type'] === 'Watched Task Stopped');
    return stopped?.detail as { stop: { classification: { category: string; because: string } }; decision: { kind: string } };
  }

  it('reads a stopped task live and gives the answer the Lambda gives', async () => {
    useEmulator();
    const taskArn = await startWorker();
    await stopTaskAs(t.emulator, taskArn, { exitCode: 1 });
    const lambda = await lambdaSaid(await taskStateChangeEvent(t.ecs, CLUSTER, taskArn, { at: t.clock.now(), version: 2 }));

    const { code, out, err } = await cli(
      'explain',
      '--task',
      taskArn,
      '--cluster',
      CLUSTER,
      '--config',
      CONFIG_FILE,
      '--endpoint',
      t.emulator.endpoint,
      '--json',
    );

    expect(err).toEqual([]);
    expect(code).toBe(0);
    const explanation = JSON.parse(out.join('\n'));
    expect(lambda.stop.classification).toMatchObject({ category: 'app-error' });
    expect(explanation).toMatchObject({
      ...lambda.stop.classification,
      essentialContainers: { names: ['app'], source: 'read with DescribeTaskDefinition, as the Lambda reads them' },
      subject: { kind: 'watched-task', name: 'queue-worker' },
    });
    expect(lambda.decision.kind).toBe('restart');
    expect(explanation.actions[0]).toMatch(/^restart queue-worker in 10s/);
  });

  it('reads the essential flags from AWS for a describe-tasks file: a sidecar exiting 1 does not make the task fail', async () => {
    useEmulator();
    const { taskDefinition } = await t.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'queue-worker',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          { name: 'app', image: 'busybox', essential: true, memory: 256 },
          { name: 'log-router', image: 'fluent-bit', essential: false, memory: 256 },
        ],
      }),
    );
    const taskArn = await startWorker(taskDefinition?.taskDefinitionArn);
    await stopTaskAs(t.emulator, taskArn, { exitCode: 0 });
    const { tasks = [] } = await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }));
    // moto gives a task one container (the first definition's); ECS reports the sidecar too, here exiting 1.
    const [app] = tasks[0]?.containers ?? [];
    const task: Task = {
      ...tasks[0],
      containers: [
        { ...app, exitCode: 0 },
        { ...app, name: 'log-router', exitCode: 1 },
      ],
    };
    const lambda = await lambdaSaid(eventOfTask(task, { at: t.clock.now(), version: 2 }));
    // As `aws ecs describe-tasks` prints it (CLI v1): times in epoch seconds.
    const describeTasksOutput = JSON.stringify({ tasks: [task], failures: [] }, function (key, value) {
      const raw = (this as Record<string, unknown>)[key];
      return raw instanceof Date ? raw.getTime() / 1000 : value;
    });
    const file = join(tmpdir(), `describe-tasks-${process.pid}.json`);
    writeFileSync(file, describeTasksOutput);

    const withAws = await cli('explain', '--event', file, '--config', CONFIG_FILE, '--endpoint', t.emulator.endpoint, '--json');
    const offline = await cli('explain', '--event', file, '--config', CONFIG_FILE, '--json');

    expect(withAws.err).toEqual([]);
    const [explanation] = JSON.parse(withAws.out.join('\n'));
    expect(lambda.stop.classification).toMatchObject({
      category: 'completed',
      because: 'container "app" exited 0 (stop code EssentialContainerExited)',
    });
    expect(lambda.decision.kind).toBe('no-restart');
    expect(explanation).toMatchObject({ ...lambda.stop.classification, essentialContainers: { names: ['app'] } });
    expect(explanation.actions[0]).toMatch(/^no restart:/);
    const [guess] = JSON.parse(offline.out.join('\n'));
    expect(guess).toMatchObject({ category: 'app-error', essentialContainers: { names: null } });
    expect(guess.actions[0]).toMatch(/^restart queue-worker in 10s/);
  });

  it('says ECS does not know a task it has forgotten, and that it forgets stopped tasks after about an hour', async () => {
    useEmulator();
    const forgotten = `arn:aws:ecs:us-east-1:123456789012:task/${CLUSTER}/0123456789abcdef0123456789abcdef`;

    const { code, err } = await cli('explain', '--task', forgotten, '--config', CONFIG_FILE, '--endpoint', t.emulator.endpoint);

    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(
      new RegExp(
        `^error: ECS does not know task ${forgotten} in cluster ${CLUSTER} in us-east-1.*: ECS forgets a stopped task about an hour after it stops`,
      ),
    );
  });

  it('names the cluster that does not exist, and needs --cluster when the task ARN does not name one', async () => {
    useEmulator();
    const taskArn = await startWorker();

    const noCluster = await cli(
      'explain',
      '--task',
      taskArn,
      '--cluster',
      'no-such-cluster',
      '--config',
      CONFIG_FILE,
      '--endpoint',
      t.emulator.endpoint,
    );
    const idOnly = await cli(
      'explain',
      '--task',
      taskArn.split('/').pop() ?? '',
      '--config',
      CONFIG_FILE,
      '--endpoint',
      t.emulator.endpoint,
    );

    expect(noCluster.code).toBe(1);
    expect(noCluster.err.join('\n')).toMatch(
      /cluster no-such-cluster does not exist in us-east-1 \(ClusterNotFoundException\): check --cluster/,
    );
    expect(idOnly.code).toBe(2);
    expect(idOnly.err.join('\n')).toMatch(/needs --cluster NAME/);
  });

  it('says why the essential flags are not known when AWS cannot give the task definition', async () => {
    useEmulator();
    const file = join(tmpdir(), `unknown-definition-${process.pid}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        tasks: [{ ...(await describedWorker()), taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/gone:9' }],
      }),
    );

    const { code, out } = await cli('explain', '--event', file, '--config', CONFIG_FILE, '--endpoint', t.emulator.endpoint, '--json');

    expect(code).toBe(0);
    const [explanation] = JSON.parse(out.join('\n'));
    expect(explanation.essentialContainers.names).toBeNull();
    expect(explanation.essentialContainers.source).toMatch(
      /^not known: DescribeTaskDefinition of arn:aws:ecs:us-east-1:123456789012:task-definition\/gone:9 failed \(ClientException: .+\), and the Lambda too goes on without it: every container's exit code counts/,
    );
  });

  async function describedWorker(): Promise<Task | undefined> {
    const taskArn = await startWorker();
    await stopTaskAs(t.emulator, taskArn, { exitCode: 1 });
    const { tasks = [] } = await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }));
    return JSON.parse(JSON.stringify(tasks[0]));
  }
});
