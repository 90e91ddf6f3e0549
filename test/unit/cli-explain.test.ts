import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { stoppedTaskEvent, type TaskEvent, taskEvent } from '../fixtures/task-events.ts';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

function tempFile(name: string, text: string): string {
  const file = join(tmpdir(), `${name}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return file;
}

const CONFIG = tempFile(
  'automation.yml',
  `
defaults:
  launchType: FARGATE
  network: { subnets: [subnet-0a1b2c3d] }
jobs:
  nightly-report:
    cluster: batch
    schedule: cron(0 2 * * ? *)
    taskDefinition: nightly-report
    retry: { attempts: 3, backoff: 2m, evaluateOnExit: [{ onCategory: [out-of-memory], action: exit }] }
watchedTasks:
  queue-worker:
    cluster: workers
    taskDefinition: queue-worker
services:
  web:
    cluster: web-prod
    crashLoop: { stops: 4, window: 5m }
`,
);

async function explain(event: TaskEvent) {
  const { code, out, err } = await run('explain', '--event', tempFile('event.json', JSON.stringify(event)), '--config', CONFIG, '--json');
  expect(err).toEqual([]);
  expect(code).toBe(0);
  return JSON.parse(out.join('\n'));
}

describe('ecs-autopilot explain', () => {
  it("prints the category, the facts it used and the job's retry, as one JSON object", async () => {
    const explanation = await explain(stoppedTaskEvent({ containers: [{ name: 'report', exitCode: 3 }] }));

    expect(explanation).toMatchObject({
      category: 'app-error',
      facts: {
        cluster: 'batch',
        stopCode: 'EssentialContainerExited',
        startedBy: 'ecs-autopilot/nightly-report',
        containers: [{ name: 'report', exitCode: 3 }],
      },
      subject: { kind: 'job', name: 'nightly-report' },
    });
    expect(explanation.actions).toEqual([
      'record run of nightly-report as failed (app-error)',
      expect.stringMatching(/^if this was attempt 1: launch attempt 2 of 3 in 2m/),
      'alert only when the last attempt (3) fails',
      'publish Job Run Failed',
    ]);
  });

  it('says an out-of-memory run is not retried when a rule says exit, and alerts', async () => {
    const explanation = await explain(
      stoppedTaskEvent({
        containers: [{ name: 'report', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }],
      }),
    );

    expect(explanation.category).toBe('out-of-memory');
    expect(explanation.actions).toContain('no retry: evaluateOnExit rule 1 (onCategory out-of-memory) says exit');
    expect(explanation.actions.some((a: string) => a.startsWith('alert: job nightly-report failed'))).toBe(true);
    expect(explanation.nextSteps[0]).toMatch(/memory limit/);
  });

  it("describes a watched task's restart back-off and crash-loop budget", async () => {
    const event = stoppedTaskEvent({
      cluster: 'workers',
      taskDefinition: 'queue-worker:4',
      group: 'family:queue-worker',
      startedBy: 'ops',
      containers: [{ name: 'worker', exitCode: 1 }],
    });

    const explanation = await explain(event);

    expect(explanation.subject).toEqual({ kind: 'watched-task', name: 'queue-worker' });
    expect(explanation.actions[0]).toMatch(/^restart queue-worker in 10s/);
    expect(explanation.actions[1]).toBe('after 5 restarts within 15m: pause restarts and alert once');
  });

  it('alerts at once on a service task that cannot pull its image, and ignores a scale-in', async () => {
    const pull = taskEvent('image-pull-failed');
    pull.detail.clusterArn = 'arn:aws:ecs:eu-west-1:111122223333:cluster/web-prod';
    pull.detail.group = 'service:web';
    const scaleIn = taskEvent('scaled-in-deployment-137');
    scaleIn.detail.clusterArn = 'arn:aws:ecs:eu-west-1:111122223333:cluster/web-prod';
    scaleIn.detail.group = 'service:web';

    const pulled = await explain(pull);
    const scaled = await explain(scaleIn);

    expect(pulled).toMatchObject({ category: 'failed-to-start', subKind: 'image-pull', subject: { kind: 'service', name: 'web' } });
    expect(pulled.actions).toContain('alert now: a task that cannot start will not heal by itself');
    expect(scaled.category).toBe('scaled-in');
    expect(scaled.actions[0]).toBe('ignore: scaled-in is in services.web.ignore');
  });

  it('says why nothing happens to a task nobody configured', async () => {
    const explanation = await explain(stoppedTaskEvent({ cluster: 'elsewhere', startedBy: 'someone', group: 'family:x' }));

    expect(explanation.subject.kind).toBe('none');
    expect(explanation.actions).toEqual(["nothing: task group family:x in cluster elsewhere is neither a job's nor a watched task's"]);
  });

  it('prints readable lines without --json', async () => {
    const { code, out } = await run('explain', '--event', 'test/fixtures/task-events/out-of-memory.json', '--config', CONFIG);

    expect(code).toBe(0);
    expect(out[0]).toBe('category:   out-of-memory');
    expect(out).toContain('actions:');
  });

  it('exits 1 with the problem for an event that is not a task state change, and 2 without --event', async () => {
    const bad = await run('explain', '--event', tempFile('bad.json', '{"source":"aws.ec2"}'), '--config', CONFIG);
    const usage = await run('explain', '--config', CONFIG);

    expect(bad.code).toBe(1);
    expect(bad.err.join('\n')).toMatch(/not an ECS Task State Change/);
    expect(usage.code).toBe(2);
  });
});
