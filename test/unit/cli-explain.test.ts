import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { taskStateChangeOf } from '../../cli/explain-input.ts';
import { loadAutomationFile } from '../../shared/config/load.ts';
import type { RunRecord } from '../../shared/jobs/run-record.ts';
import { decideJobStop } from '../../shared/stopped-tasks/decide-job-stop.ts';
import { essentialContainersOf } from '../../shared/stopped-tasks/links.ts';
import { summarize } from '../../shared/stopped-tasks/load.ts';
import { parseTaskStateChange } from '../../shared/stopped-tasks/task-event.ts';
import { isStoppedOrReclaimNotice } from '../../shared/stopped-tasks/trigger.ts';
import { stoppedTaskEvent, type TaskEvent, taskEvent, taskEventNames } from '../fixtures/task-events.ts';
import { runCli as run } from '../helpers/cli.ts';

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
    retry: { attempts: 3, backoff: 2m, evaluateOnExit: [{ onCategory: [out-of-memory], action: exit }, { onExitCode: '1', action: exit }] }
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

  it('says the same of a Spot notice without a stop code as the rule and the handler do: not delivered, the stop that follows is', async () => {
    // Reported by users: RUNNING, desired STOPPED, the Spot reason only.
    const notice = stoppedTaskEvent({
      lastStatus: 'RUNNING',
      desiredStatus: 'STOPPED',
      stopCode: undefined,
      stoppedReason: 'Your Spot Task was interrupted.',
      capacityProviderName: 'FARGATE_SPOT',
      containers: [{ name: 'report' }],
    });

    const explanation = await explain(notice);

    expect(isStoppedOrReclaimNotice(parseTaskStateChange(notice))).toBe(false);
    expect(explanation.category).toBe('spot-interruption');
    expect(explanation.actions).toEqual([
      'nothing yet: the rule delivers a Spot notice only with its stop code (SpotInterruption or TerminationNotice); the STOPPED event that follows is acted on',
    ]);
    expect(explanation.likelyCause).toMatch(/is reclaiming the Spot capacity this task runs on; it stops in about two minutes/);
  });

  it('counts a service task whose EC2 host an Auto Scaling scale-in terminated as a lost host, not toward the crash loop', async () => {
    const terminated = taskEvent('host-terminated-scale-in');
    terminated.detail.clusterArn = 'arn:aws:ecs:eu-west-1:111122223333:cluster/web-prod';
    terminated.detail.group = 'service:web';

    const explanation = await explain(terminated);

    expect(explanation).toMatchObject({ category: 'host-lost', subject: { kind: 'service', name: 'web' } });
    expect(explanation.actions[0]).toBe(
      'count toward "the cluster is losing hosts", not the crash loop: alert at 10 host-lost or spot-interruption stops within 5m',
    );
    expect(explanation.nextSteps.join(' ')).not.toMatch(/on-demand/);
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

/** The task of an event as `aws ecs describe-tasks` prints it: no updatedAt, times as epoch seconds (CLI v1) or with +00:00 (v2). */
function describedTask(event: TaskEvent, times: 'epoch-seconds' | 'cli-v2' = 'epoch-seconds'): TaskEvent {
  const { updatedAt: _onlyInEvents, ...task } = structuredClone(event.detail);
  for (const field of ['createdAt', 'startedAt', 'stoppingAt', 'stoppedAt', 'connectivityAt', 'pullStartedAt', 'pullStoppedAt']) {
    if (typeof task[field] !== 'string') continue;
    const millis = Date.parse(task[field]);
    task[field] = times === 'epoch-seconds' ? millis / 1000 : new Date(millis).toISOString().replace('Z', '000+00:00');
  }
  return task;
}

function describeTasksOutput(tasks: TaskEvent[], failures: { arn: string; reason: string }[] = []) {
  return { tasks, failures };
}

/** explain --json of some JSON, as a file; the exit code and stderr checked by the caller. */
async function explainJson(json: unknown, ...more: string[]) {
  return run('explain', '--event', tempFile('stopped.json', JSON.stringify(json)), '--config', CONFIG, '--json', ...more);
}

/** A task definition in the shape `aws ecs describe-task-definition` prints, for the event's task definition. */
function taskDefinitionOutput(event: TaskEvent, essential: Record<string, boolean>) {
  const containerDefinitions: ContainerDefinition[] = event.detail.containers.map((c: { name: string; image: string }) => ({
    name: c.name,
    image: c.image,
    essential: essential[c.name] ?? true,
    logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': `/ecs/${c.name}`, 'awslogs-stream-prefix': 'ecs' } },
  }));
  return { taskDefinition: { taskDefinitionArn: event.detail.taskDefinitionArn, containerDefinitions, status: 'ACTIVE' }, tags: [] };
}

/** A batch job's task whose log-router sidecar (not essential) exited 1 while the report itself exited 0. */
const sidecarFailedReportDone = () =>
  stoppedTaskEvent({
    containers: [
      { name: 'log-router', exitCode: 1 },
      { name: 'report', exitCode: 0 },
    ],
  });

describe('explain reads what an operator has', () => {
  it('explains the bare detail, the describe-tasks output and its task list exactly as the event, for every fixture', async () => {
    for (const name of taskEventNames()) {
      const event = taskEvent(name);
      const fromEvent = await explainJson(event);
      const fromDetail = await explainJson(event.detail);
      const fromDescribeTasks = await explainJson(describeTasksOutput([describedTask(event)]));
      const fromTaskList = await explainJson([describedTask(event, 'cli-v2')]);

      expect(fromEvent.code, name).toBe(0);
      const explanation = JSON.parse(fromEvent.out.join('\n'));
      expect(JSON.parse(fromDetail.out.join('\n')), name).toEqual(explanation);
      expect(JSON.parse(fromDescribeTasks.out.join('\n')), name).toEqual([explanation]);
      expect(JSON.parse(fromTaskList.out.join('\n')), name).toEqual([explanation]);
    }
  });

  it('reads times as epoch seconds, as the aws CLI v2 prints them and as the SDK gives them, into the event detail ISO text', () => {
    const event = stoppedTaskEvent();
    const { detail } = event;
    const asSdkGivesIt = { ...detail, createdAt: new Date(detail.createdAt), stoppedAt: new Date(detail.stoppedAt) };

    for (const task of [describedTask(event, 'epoch-seconds'), describedTask(event, 'cli-v2'), asSdkGivesIt]) {
      const facts = parseTaskStateChange(taskStateChangeOf(task));

      expect(facts).toMatchObject({
        createdAt: '2026-11-22T02:00:01.482Z',
        startedAt: '2026-11-22T02:00:28.782Z',
        stoppingAt: '2026-11-22T02:41:17.382Z',
        stoppedAt: '2026-11-22T02:41:48.882Z',
        eventTime: '2026-11-22T02:41:48.882Z',
      });
    }
    expect(describedTask(event).createdAt).toBe(1795312801.482);
  });

  it('explains a task without detail.version, as some emulators describe it', async () => {
    const { version: _, ...task } = describedTask(taskEvent('out-of-memory'));

    const { code, out } = await explainJson(describeTasksOutput([task]));

    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))[0].category).toBe('out-of-memory');
  });

  it('explains every task of a describe-tasks output, or the one --task names by id or ARN', async () => {
    const oom = taskEvent('out-of-memory');
    const pull = taskEvent('image-pull-failed');
    const output = describeTasksOutput([describedTask(oom), describedTask(pull)]);

    const every = await explainJson(output);
    const byId = await explainJson(output, '--task', pull.detail.taskArn.split('/').pop());
    const byArn = await explainJson(output, '--task', oom.detail.taskArn);
    const lines = await run('explain', '--event', tempFile('two.json', JSON.stringify(output)), '--config', CONFIG);

    expect(JSON.parse(every.out.join('\n')).map((e: { category: string }) => e.category)).toEqual(['out-of-memory', 'failed-to-start']);
    expect(JSON.parse(byId.out.join('\n'))).toMatchObject({ category: 'failed-to-start', subKind: 'image-pull' });
    expect(JSON.parse(byArn.out.join('\n')).category).toBe('out-of-memory');
    expect(lines.out.filter((line) => line.startsWith('category:'))).toEqual([
      'category:   out-of-memory',
      'category:   failed-to-start (image-pull)',
    ]);
    expect(lines.out).toContain('');
  });

  it('says which tasks ECS did not describe, explains the others, and exits 1', async () => {
    const missing = 'arn:aws:ecs:eu-west-1:111122223333:task/batch/0123456789abcdef0123456789abcdef';
    const output = describeTasksOutput([describedTask(taskEvent('out-of-memory'))], [{ arn: missing, reason: 'MISSING' }]);

    const { code, out, err } = await explainJson(output);
    const picked = await explainJson(output, '--task', '0123456789abcdef0123456789abcdef');

    expect(code).toBe(1);
    expect(JSON.parse(out.join('\n'))).toHaveLength(1);
    expect(err).toEqual([
      `not explained, ECS did not describe it: ${missing}: MISSING (ECS does not know it: it forgets a stopped task about an hour after it stops)`,
    ]);
    expect(picked.code).toBe(1);
    expect(picked.err.join('\n')).toMatch(/ECS did not describe task 0123456789abcdef0123456789abcdef: .*MISSING.*about an hour/);
  });

  it('names the tasks there are when --task names another', async () => {
    const { code, err } = await explainJson(describeTasksOutput([describedTask(taskEvent('out-of-memory'))]), '--task', 'nope');

    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/no task nope in the input; it has arn:aws:ecs:eu-west-1:111122223333:task\/workers\//);
  });

  it('lists the accepted shapes for JSON it does not recognise, and points a task definition to its option', async () => {
    const unknown = await explainJson({ taskArns: ['arn:aws:ecs:eu-west-1:111122223333:task/batch/1'] });
    const definition = await explainJson(taskDefinitionOutput(taskEvent('out-of-memory'), {}));
    const scalar = await explainJson(42);
    const empty = await explainJson(describeTasksOutput([]));

    expect(unknown.code).toBe(1);
    expect(unknown.err.join('\n')).toContain('not a stopped task: got an object with taskArns; explain reads');
    for (const shape of ['"ECS Task State Change"', 'its detail, one task', 'aws ecs describe-tasks']) {
      expect(unknown.err.join('\n')).toContain(shape);
    }
    expect(definition.err.join('\n')).toMatch(/this is a task definition .* give it with --task-definition-file/);
    expect(scalar.err.join('\n')).toMatch(/not a stopped task: got 42/);
    expect(empty.code).toBe(1);
    expect(empty.err).toEqual(['error: the describe-tasks output lists no task and no failure']);
  });

  it('reads the stopped task from standard input with --event -', () => {
    const bin = fileURLToPath(new URL('../../bin/ecs-autopilot.mjs', import.meta.url));
    const child = spawnSync(process.execPath, [bin, 'explain', '--event', '-', '--config', CONFIG, '--json'], {
      input: JSON.stringify(describeTasksOutput([describedTask(taskEvent('out-of-memory'))])),
      encoding: 'utf8',
    });

    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)[0].category).toBe('out-of-memory');
  });

  it('is a usage error without a task, and with --cluster beside --event', async () => {
    const nothing = await run('explain', '--config', CONFIG);
    const both = await run('explain', '--event', 'test/fixtures/task-events/out-of-memory.json', '--cluster', 'batch', '--config', CONFIG);

    expect(nothing.code).toBe(2);
    expect(nothing.err.join('\n')).toMatch(/--event FILE .* or --task ARN --cluster NAME/);
    expect(both.code).toBe(2);
    expect(both.err.join('\n')).toMatch(/--cluster goes with --task alone/);
  });
});

describe('explain knows the essential containers as the Lambda does', () => {
  it('offline, says the essential flags are not known and what it assumed', async () => {
    const { out } = await explainJson(sidecarFailedReportDone());

    const explanation = JSON.parse(out.join('\n'));
    expect(explanation.essentialContainers.names).toBeNull();
    expect(explanation.essentialContainers.source).toMatch(
      /^not known, the task definition was not read \(give --task-definition-file FILE/,
    );
    expect(explanation.essentialContainers.source).toContain("every container's exit code counts, as if all were essential");
    expect(explanation).toMatchObject({
      category: 'app-error',
      because: 'container "log-router" exited 1 (stop code EssentialContainerExited)',
    });
  });

  it('with --task-definition-file, a sidecar that exits 1 does not fail a job whose essential container exited 0', async () => {
    const event = sidecarFailedReportDone();
    const definition = tempFile('td.json', JSON.stringify(taskDefinitionOutput(event, { 'log-router': false })));

    const { code, out } = await explainJson(event, '--task-definition-file', definition);

    expect(code).toBe(0);
    const explanation = JSON.parse(out.join('\n'));
    expect(explanation).toMatchObject({
      category: 'completed',
      because: 'container "report" exited 0 (stop code EssentialContainerExited)',
      essentialContainers: { names: ['report'], source: `from --task-definition-file ${definition}` },
      actions: ['record run of nightly-report as succeeded', 'publish Job Run Succeeded'],
    });
    expect(explanation.logs.map((link: { container: string }) => link.container)).toEqual(['log-router', 'report']);
  });

  it('refuses a task definition file of another revision, and one that is not a task definition', async () => {
    const event = sidecarFailedReportDone();
    const other = taskDefinitionOutput(event, {});
    other.taskDefinition.taskDefinitionArn = event.detail.taskDefinitionArn.replace(/:7$/, ':6');

    const wrongRevision = await explainJson(event, '--task-definition-file', tempFile('td6.json', JSON.stringify(other)));
    const notOne = await explainJson(event, '--task-definition-file', tempFile('td.json', '{"family": "nightly-report"}'));

    expect(wrongRevision.code).toBe(2);
    expect(wrongRevision.err.join('\n')).toMatch(/is arn:.*nightly-report:6, but the task ran arn:.*nightly-report:7/);
    expect(notOne.code).toBe(1);
    expect(notOne.err.join('\n')).toMatch(/not a task definition: expected the output of aws ecs describe-task-definition/);
  });

  /**
   * The Lambda's path for a stopped task: its parser, summarize (which reads the task definition through
   * rt.containerDefinitions and classifies with the essential flags), then for a job's run decideJobStop
   * with the same flags (load.ts). explain must answer the same for the same task and definition.
   */
  async function lambdaAnswer(event: TaskEvent, definitions: ContainerDefinition[]) {
    const stop = await summarize(parseTaskStateChange(event), { containerDefinitions: async () => definitions });
    const automation = loadAutomationFile(CONFIG);
    const job = automation.jobs['nightly-report'];
    const time = stop.createdAt ?? stop.eventTime;
    const run: RunRecord = {
      job: 'nightly-report',
      scheduledTime: time,
      attempt: 1,
      status: 'launched',
      cluster: 'batch',
      taskDefinition: `${stop.family}:${stop.revision}`,
      taskArns: [stop.taskArn],
      receivedAt: time,
      updatedAt: time,
      launchedAt: time,
      outbox: [],
      eventPublished: true,
      version: 1,
    };
    // handleTaskEvent acts on a STOPPED task (or a Spot notice, which a job's run waits past); onJobTaskStopped decides.
    const decision =
      job && stop.startedBy === 'ecs-autopilot/nightly-report' && isStoppedOrReclaimNotice(stop) && !stop.isSpotNotice
        ? decideJobStop({ run, job, stop, essentialContainers: essentialContainersOf(definitions), now: new Date() })
        : undefined;
    const settled = decision?.kind === 'settle' ? decision.run : undefined;
    return { stop, runStatus: settled?.status, willRetry: settled?.retry?.willRetry };
  }

  const cases: [string, TaskEvent, Record<string, boolean>][] = [
    ['a sidecar exits 1, the essential container 0', sidecarFailedReportDone(), { 'log-router': false }],
    [
      'the essential container exits 2, a sidecar 0',
      stoppedTaskEvent({
        containers: [
          { name: 'log-router', exitCode: 0 },
          { name: 'report', exitCode: 2 },
        ],
      }),
      { 'log-router': false },
    ],
    [
      'a sidecar exits 1 (a rule says exit on 1), the essential container 2: only the essential exit code meets the rules',
      stoppedTaskEvent({
        containers: [
          { name: 'log-router', exitCode: 1 },
          { name: 'report', exitCode: 2 },
        ],
      }),
      { 'log-router': false },
    ],
    [
      'a sidecar runs out of memory, the essential container exits 0',
      stoppedTaskEvent({
        containers: [
          { name: 'envoy', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
          { name: 'report', exitCode: 0 },
        ],
      }),
      { envoy: false },
    ],
    ...taskEventNames().map((name): [string, TaskEvent, Record<string, boolean>] => {
      const event = taskEvent(name);
      // The first of several containers is a sidecar: the flags must matter wherever they can.
      const first = event.detail.containers.length > 1 ? event.detail.containers[0].name : undefined;
      return [`fixture ${name}`, event, first ? { [first]: false } : {}];
    }),
  ];

  it.each(cases)('gives the answer the Lambda gives: %s', async (_name, event, essential) => {
    const output = taskDefinitionOutput(event, essential);
    const lambda = await lambdaAnswer(event, output.taskDefinition.containerDefinitions);

    const { code, out, err } = await explainJson(event, '--task-definition-file', tempFile('td.json', JSON.stringify(output)));

    expect(err).toEqual([]);
    expect(code).toBe(0);
    const explanation = JSON.parse(out.join('\n'));
    // As JSON, like explain's output: a classification without a sub-kind has none there either.
    const { classification, advice, logs } = JSON.parse(JSON.stringify(lambda.stop));
    expect(explanation).toMatchObject({ ...classification, ...advice, logs });
    expect(explanation.subKind).toBe(classification.subKind);
    if (lambda.runStatus) expect(explanation.actions[0]).toMatch(new RegExp(`^record run of nightly-report as ${lambda.runStatus}\\b`));
    else expect(explanation.actions[0]).not.toMatch(/^record run/);
    const retries = explanation.actions.some((action: string) => action.startsWith('if this was attempt 1: launch attempt 2'));
    expect(retries).toBe(lambda.willRetry === true);
  });

  it('differs from the offline answer exactly where the essential flags decide', async () => {
    const event = sidecarFailedReportDone();
    const output = taskDefinitionOutput(event, { 'log-router': false });
    const lambda = await lambdaAnswer(event, output.taskDefinition.containerDefinitions);

    const offline = JSON.parse((await explainJson(event)).out.join('\n'));

    expect(lambda.stop.classification.category).toBe('completed');
    expect(lambda.runStatus).toBe('succeeded');
    expect(offline.category).toBe('app-error');
    expect(offline.actions[0]).toBe('record run of nightly-report as failed (app-error)');
  });
});

describe('the README example', () => {
  it('names files that exist and explains the nightly report with the repository automation.yml', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /npx ecs-autopilot (explain --event \S+(?: --task-definition-file \S+)?)/.exec(readme)?.[1];

    expect(example).toBeDefined();
    const argv = (example ?? '').split(' ');
    const { code, out } = await run(...argv, '--json');

    expect(code).toBe(0);
    const [explanation] = JSON.parse(out.join('\n'));
    expect(explanation).toMatchObject({ category: 'completed', subject: { kind: 'job', name: 'nightly-report' } });
  });
});

const REAL_EVENTS = '/work/shared/real-events';

/** Events captured from real AWS accounts; they are not the project's to copy, so they are read where they are. */
describe.runIf(existsSync(REAL_EVENTS))('real events captured from AWS (present on the development machine only)', () => {
  const files = existsSync(REAL_EVENTS) ? readdirSync(REAL_EVENTS).filter((file) => file.endsWith('.json')) : [];

  it.each(files)('%s explains the same as an event, a detail and describe-tasks output', async (file) => {
    const event = JSON.parse(readFileSync(join(REAL_EVENTS, file), 'utf8'));

    const fromEvent = await explainJson(event);
    const fromDetail = await explainJson(event.detail);
    const fromDescribeTasks = await explainJson(describeTasksOutput([describedTask(event, 'epoch-seconds')]));

    expect(fromEvent.err).toEqual([]);
    const explanation = JSON.parse(fromEvent.out.join('\n'));
    expect(explanation.category).not.toBe('unknown');
    expect(JSON.parse(fromDetail.out.join('\n'))).toEqual(explanation);
    expect(JSON.parse(fromDescribeTasks.out.join('\n'))).toEqual([explanation]);
  });
});
