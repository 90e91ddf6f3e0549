import { describe, expect, it } from 'vitest';
import { TRUNCATED } from '../../shared/alerts/cut.ts';
import type { AlertDetail, AlertGroup } from '../../shared/alerts/decide.ts';
import { CHATBOT_DESCRIPTION_MAX_CHARACTERS, chatbotMessage, humanMessage, SUBJECT_MAX_LENGTH } from '../../shared/alerts/render.ts';
import { alertGroupKey } from '../../shared/events/alert.ts';
import {
  crashLoop,
  deploymentRolledBack,
  jobRunFailed,
  oomStop,
  serviceAlert,
  serviceTaskStopped,
  watchedTaskStopped,
} from '../helpers/alert-events.ts';

/** A group of 40 events since 02:00:05 whose newest is `detail`; one message went out at 02:00:35. */
function groupOf(detailType: string, detail: object, fields: Partial<AlertGroup> = {}): AlertGroup {
  const alertDetail = detail as AlertDetail;
  return {
    groupKey: alertGroupKey(alertDetail.alert),
    pending: 12,
    total: 40,
    firstEventAt: '2026-11-22T02:00:05.000Z',
    lastEventAt: '2026-11-22T02:14:33.000Z',
    latest: { id: 'e-40', detailType, time: '2026-11-22T02:14:33.000Z', detail: alertDetail },
    messagesSent: 1,
    lastSentAt: '2026-11-22T02:00:35.000Z',
    flushAt: '2026-11-22T06:00:35.000Z',
    resolveAt: '2026-11-22T02:44:33.000Z',
    ...fields,
  };
}

const serviceGroup = (fields: Partial<AlertGroup> = {}) => groupOf('Service Task Stopped', serviceTaskStopped(), fields);

describe('humanMessage: a firing message', () => {
  it('says what, where, how often, what each container said, the likely cause, the next steps and the links', () => {
    const { subject, text } = humanMessage({ status: 'firing', group: serviceGroup(), count: 12 });
    const stop = oomStop();

    expect(subject).toBe('[CRITICAL] A task of service web stopped on prod: out-of-memory (12x)');
    expect(text).toContain('CRITICAL: A task of service web stopped on cluster prod (out-of-memory).');
    expect(text).toContain('\nContainer app was killed for using more memory than its limit (exit code 137)\n');
    expect(text).toContain('What: Service Task Stopped, service web, category out-of-memory');
    expect(text).toContain('Where: cluster prod, task definition web:42, eu-west-1b');
    expect(text).toContain(
      'How often: 12 times since the last message (2026-11-22 02:00:35 UTC); 40 in all since 2026-11-22 02:00:05 UTC, the last at 2026-11-22 02:14:33 UTC',
    );
    expect(text).toContain('Stops of the service in its crash-loop window: 3');
    expect(text).toContain('ECS says: EssentialContainerExited: Essential container in task exited');
    expect(text).toContain('  - app: exit code 137, OutOfMemoryError: Container killed due to memory usage');
    expect(text).toContain('  - log-router: exit code 0');
    expect(text).toContain(`Likely cause: ${stop.advice.likelyCause}`);
    expect(text).toContain(`  1. ${stop.advice.nextSteps[0]}`);
    expect(text).toContain(`  2. ${stop.advice.nextSteps[1]}`);
    expect(text).toContain(`Task ${stop.taskId} in the ECS console: ${stop.consoleUrl}`);
    expect(text).toContain(`Logs of app: ${stop.logs[0]?.url}`);
    expect(text).toContain('alert group prod|service:web|out-of-memory');
  });

  it('counts the first message from the first event, and says "once" for one', () => {
    const first = serviceGroup({ pending: 1, total: 1, messagesSent: 0, lastSentAt: undefined, lastEventAt: '2026-11-22T02:00:05.000Z' });
    const { subject, text } = humanMessage({ status: 'firing', group: first, count: 1 });

    expect(subject).toBe('[CRITICAL] A task of service web stopped on prod: out-of-memory');
    expect(text).toContain('How often: once since 2026-11-22 02:00:05 UTC, the last at 2026-11-22 02:00:05 UTC');
  });

  it('says "no exit code" for a container that never ran', () => {
    const stop = oomStop({
      containers: [
        {
          name: 'app',
          exitCode: undefined,
          reason: 'CannotPullContainerError: pull access denied',
          lastStatus: 'STOPPED',
          image: 'web:nope',
        },
      ],
    });
    const { text } = humanMessage({ status: 'firing', group: groupOf('Service Task Stopped', serviceTaskStopped({ stop })), count: 1 });

    expect(text).toContain('  - app: no exit code (it did not run), CannotPullContainerError: pull access denied');
  });

  it('renders a failed job run with its run, its retry and the stopped task', () => {
    const { subject, text } = humanMessage({ status: 'firing', group: groupOf('Job Run Failed', jobRunFailed()), count: 1 });

    // The group is the job's (job-failing, one for every cause); the message names what stopped this run.
    expect(subject).toBe('[CRITICAL] Job nightly-report failed on batch: out-of-memory');
    expect(text).toContain('CRITICAL: Job nightly-report failed on cluster batch (out-of-memory).');
    expect(text).toContain('What: Job Run Failed, job nightly-report, category out-of-memory');
    expect(text).toContain('alert group batch|job:nightly-report|job-failing');
    expect(text).toContain('Where: cluster batch, task definition nightly-report:7, eu-west-1b');
    expect(text).toContain('Run: scheduled for 2026-11-22 02:00:00 UTC, attempt 3, ran 9m58s');
    expect(text).toContain('No retry: attempt 3 of 3: no attempts left');
    expect(text).toContain('  - app: exit code 137');
    const retried = jobRunFailed({
      retry: { willRetry: true, nextAttempt: 4, retryAt: '2026-11-22T02:11:00.000Z', because: 'attempts: 5' },
    });
    expect(humanMessage({ status: 'firing', group: groupOf('Job Run Failed', retried), count: 1 }).text).toContain(
      'Retry: attempt 4 at 2026-11-22 02:11:00 UTC (attempts: 5)',
    );
  });

  it('renders a job whose launch failed from the run record alone', () => {
    const launchFailed = jobRunFailed({
      reason: 'RunTask failed: ClientException: TaskDefinition is inactive',
      stop: undefined,
      retry: undefined,
      runtime: undefined,
      taskArns: [],
      category: undefined,
    });
    const { subject, text } = humanMessage({ status: 'firing', group: groupOf('Job Run Failed', launchFailed), count: 1 });

    expect(subject).toBe('[CRITICAL] Job nightly-report failed on batch: launch-failed');
    expect(text).toContain('RunTask failed: ClientException: TaskDefinition is inactive');
    expect(text).toContain('Where: cluster batch, task definition nightly-report:7');
    expect(text).toContain('Likely cause: ECS did not start the task');
    expect(text).toContain('ecs-autopilot runs nightly-report');
    expect(text).not.toContain('Containers:');
    expect(text).not.toContain('Links:');
  });

  it('renders a missed firing with its reason and what to look at', () => {
    const missed = jobRunFailed({
      status: 'missed',
      reason: 'delivered 15m after its scheduled time, past the startingDeadline of 10m',
      stop: undefined,
      retry: undefined,
      runtime: undefined,
      category: undefined,
      taskArns: [],
    });
    const { subject, text } = humanMessage({ status: 'firing', group: groupOf('Job Run Missed', missed), count: 1 });

    expect(subject).toBe('[CRITICAL] Job nightly-report missed a firing on batch: missed');
    expect(text).toContain('Delivered 15m after its scheduled time, past the startingDeadline of 10m');
    expect(text).toContain('Likely cause: Scheduler delivered the firing after its startingDeadline');
  });

  it('renders a skipped firing with how many in a row, the run still running, and what to do about a hung run', () => {
    const skipped = jobRunFailed({
      status: 'skipped',
      reason: 'concurrency is forbid and the run scheduled at 2026-11-21T02:00:00.000Z (task 0f1e2d) is still running',
      consecutiveSkips: 11,
      stop: undefined,
      retry: undefined,
      runtime: undefined,
      category: undefined,
      taskArns: [],
    });
    const { subject, text } = humanMessage({ status: 'firing', group: groupOf('Job Run Skipped', skipped), count: 1 });

    expect(subject).toBe('[CRITICAL] Job nightly-report skipped 11 firings in a row on batch: skipped');
    expect(text).toContain('the run scheduled at 2026-11-21T02:00:00.000Z (task 0f1e2d) is still running');
    expect(text).toContain('not launched (the 11th skip in a row)');
    expect(text).toContain('set maxRuntime on the job');
  });

  it('renders a timed-out run with the advice for a run past its maxRuntime', () => {
    const timedOut = jobRunFailed({ status: 'timed-out', stop: undefined, retry: undefined, reason: 'exceeded maxRuntime 2h' });
    const { subject, text } = humanMessage({ status: 'firing', group: groupOf('Job Run Timed Out', timedOut), count: 1 });

    expect(subject).toBe('[CRITICAL] Job nightly-report timed out on batch: timeout');
    expect(text).toContain('Likely cause: The run took longer than its maxRuntime and was stopped.');
  });

  it('renders a crash loop whose restarts are paused, with how to resume them', () => {
    const { subject, text } = humanMessage({ status: 'firing', group: groupOf('Crash Loop Detected', crashLoop()), count: 1 });

    expect(subject).toBe('[CRITICAL] Watched task ingest is crash-looping on prod: crash-loop');
    expect(text).toContain(
      '6 stops within 15m, mostly out-of-memory (out-of-memory 5, app-error 1). The last one: container app was killed',
    );
    expect(text).toContain(
      'Restarts are paused since 2026-11-22 02:00:06 UTC: `npx ecs-autopilot resume ingest` or a new task definition revision resumes them',
    );
    expect(text).toContain('  3. Once fixed, run `npx ecs-autopilot resume ingest` or deploy a new task definition revision');
  });

  it('renders a crash loop of a service as alert-only', () => {
    const loop = crashLoop({
      subject: { kind: 'service', name: 'web' },
      action: 'alert-only',
      alert: serviceAlert({ category: 'crash-loop' }),
    });
    const { text } = humanMessage({ status: 'firing', group: groupOf('Crash Loop Detected', loop), count: 1 });

    expect(text).toContain('ECS keeps replacing the tasks; ecs-autopilot only alerts');
    expect(text).not.toContain('ecs-autopilot resume');
  });

  it('renders a watched task with what ecs-autopilot does about it', () => {
    const { subject, text } = humanMessage({ status: 'firing', group: groupOf('Watched Task Stopped', watchedTaskStopped()), count: 1 });

    expect(subject).toBe('[WARNING] Watched task ingest stopped on prod: out-of-memory');
    expect(text).toContain('Restart: in 20s, at 2026-11-22 02:00:25 UTC');
    const paused = watchedTaskStopped({ decision: { kind: 'paused', reason: 'crash-loop budget spent' } });
    expect(humanMessage({ status: 'firing', group: groupOf('Watched Task Stopped', paused), count: 1 }).text).toContain(
      'Restarts paused: crash-loop budget spent',
    );
  });

  it('renders any other event with an alert from its alert block and reason', () => {
    const detail = {
      service: 'web',
      reason: 'the scalable target of web could not be registered',
      alert: serviceAlert({ category: 'scaling-failed' }),
    };
    const { subject, text } = humanMessage({ status: 'firing', group: groupOf('Service Scaling Failed', detail), count: 1 });

    expect(subject).toBe('[CRITICAL] Service Scaling Failed: service web on prod: scaling-failed');
    expect(text).toContain('The scalable target of web could not be registered');
    expect(text).toContain('Where: cluster prod');
  });

  it("gives any other event's next step when it names one (a restart that cannot launch, a scaling change that failed)", () => {
    const detail = {
      watchedTask: 'queue-worker',
      reason: 'RunTask was refused: AccessDeniedException: not authorized to perform ecs:RunTask',
      nextStep: 'Allow ecs:RunTask on queue-worker in the on-task-stopped role, then run npx ecs-autopilot resume queue-worker',
      alert: { cluster: 'prod', subject: { kind: 'watched-task', name: 'queue-worker' }, category: 'restart-failed', severity: 'critical' },
    };
    const { text } = humanMessage({ status: 'firing', group: groupOf('Watched Task Restart Failed', detail), count: 1 });

    expect(text).toContain(
      'Next steps:\n  1. Allow ecs:RunTask on queue-worker in the on-task-stopped role, then run npx ecs-autopilot resume queue-worker',
    );
  });

  it('says why a failed deployment failed without claiming a cause the reason does not give', () => {
    const detail = {
      app: 'shop',
      deploymentId: 'shop-20261122T020000-ab12',
      reason: 'the listener changed by someone else: shop-blue 100% / shop-green 0% instead of shop-blue 90% / shop-green 10%',
      alert: { cluster: 'web', subject: { kind: 'app', name: 'shop' }, category: 'deployment-failed', severity: 'critical' },
    };
    const { text } = humanMessage({ status: 'firing', group: groupOf('Deployment Failed', detail), count: 1 });

    expect(text).toContain('The listener changed by someone else');
    expect(text).not.toContain('could not start, or its rollback could not complete');
    expect(text).toContain('ended without a rollback');
  });

  it('renders a rolled-back deployment with its reason, colours, the weights it reached and what to do', () => {
    const detail = deploymentRolledBack();
    const { subject, text } = humanMessage({
      status: 'firing',
      group: groupOf('Deployment Rolled Back', detail, { pending: 1, total: 1, messagesSent: 0, lastSentAt: undefined }),
      count: 1,
    });

    expect(subject).toBe('[WARNING] Deployment of shop rolled back on web: deployment-rolled-back');
    expect(text).toContain('Alarm shop-5xx entered ALARM (Threshold Crossed)');
    expect(text).toContain('Colours: shop-blue (blue, live) → shop-green (green)');
    expect(text).toContain(
      'Weights on the new colour: 10% at 2026-11-22 02:04:00 UTC (step 1 of 2), 0% at 2026-11-22 02:06:00 UTC (rolled back)',
    );
    expect(text).toContain('took at most 10% of the traffic');
    expect(text).toContain('npx ecs-autopilot status shop');
  });

  it('keeps the subject to printable ASCII under 100 characters', () => {
    const long = serviceTaskStopped({ service: `web-${'x'.repeat(120)}`, alert: serviceAlert({ category: 'out-of-memory ✗\nagain' }) });
    const { subject } = humanMessage({ status: 'firing', group: groupOf('Service Task Stopped', long), count: 3 });

    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(subject).toMatch(/^[\x20-\x7e]+\.\.\.$/);
  });
});

describe('humanMessage: a resolved message', () => {
  it('says what resolved, how long it lasted, and what was not reported before', () => {
    const ended = serviceGroup({ pending: 3 });
    const { subject, text } = humanMessage({ status: 'resolved', group: ended, now: new Date('2026-11-22T02:44:33.000Z') });

    expect(subject).toBe('[RESOLVED] Service web on prod: out-of-memory');
    expect(text).toContain('RESOLVED: Service web on cluster prod: no out-of-memory alert for 30m.');
    expect(text).toContain('It lasted 14m28s, from 2026-11-22 02:00:05 UTC to 2026-11-22 02:14:33 UTC: 40 times in all.');
    expect(text).toContain('3 times since the last message, not reported before.');
    expect(text).toContain('Last seen: a task of service web stopped, cluster prod, task definition web:42, eu-west-1b');
  });
});

describe('humanMessage: a crash loop resolved by its resume', () => {
  it('says the condition is over, not that it was quiet', () => {
    const paused = crashLoop({ alert: { ...crashLoop().alert, resolvedBy: 'resolving-event' } });
    const { text } = humanMessage({
      status: 'resolved',
      group: groupOf('Crash Loop Detected', paused),
      now: new Date('2026-11-22T05:00:00.000Z'),
    });

    expect(text).toContain('the crash-loop is over (restarts resumed).');
    expect(text).not.toContain('no crash-loop alert for');
  });
});

describe("humanMessage: a job's failures resolved by its next success", () => {
  it('says the job succeeded again, not that it was quiet', () => {
    const message = {
      status: 'resolved',
      group: groupOf('Job Run Failed', jobRunFailed()),
      now: new Date('2026-11-23T03:05:00.000Z'),
    } as const;
    const { subject, text } = humanMessage(message);

    expect(subject).toBe('[RESOLVED] Job nightly-report on batch: job-failing');
    expect(text).toContain('RESOLVED: Job nightly-report on cluster batch: the job succeeded again.');
    expect(text).not.toContain('restarts resumed');
    expect(chatbotMessage(message).content.description).toContain('The job succeeded again.');
  });
});

describe('chatbotMessage', () => {
  it('is an AWS Chatbot custom notification, threaded by alert group', () => {
    const group = serviceGroup();
    const message = chatbotMessage({ status: 'firing', group, count: 12 });
    const stop = oomStop();

    expect(JSON.parse(JSON.stringify(message))).toEqual(message);
    expect(message).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: '🔴 A task of service web stopped on prod: out-of-memory',
        // The advice quotes outside text, so it is escaped as such: its parentheses too.
        nextSteps: [
          'Raise the memory limit of container app \\(or of the task\\) in a new task definition revision',
          stop.advice.nextSteps[1],
        ],
        keywords: ['critical', 'out-of-memory', 'prod', 'web'],
      },
      metadata: {
        threadId: 'prod|service:web|out-of-memory',
        summary: '[CRITICAL] A task of service web stopped on prod: out-of-memory (12x)',
        eventType: 'Service Task Stopped',
        relatedResources: [stop.taskArn, stop.taskDefinitionArn, stop.clusterArn],
        additionalContext: {
          cluster: 'prod',
          subject: 'service web',
          category: 'out-of-memory',
          status: 'firing',
          count: '12',
          total: '40',
        },
      },
    });
    expect(Object.values(message.metadata.additionalContext).every((value) => typeof value === 'string')).toBe(true);
    expect(message.content.description).toContain('*How often:* 12 times since the last message');
    expect(message.content.description).toContain('• `app` exit code 137, OutOfMemoryError: Container killed due to memory usage');
    expect(message.content.description).toContain(stop.consoleUrl);
    expect(message.content.description).toContain(stop.logs[0]?.url);
  });

  it('marks a warning in its title', () => {
    expect(
      chatbotMessage({ status: 'firing', group: groupOf('Watched Task Stopped', watchedTaskStopped()), count: 1 }).content.title,
    ).toMatch(/^🟠 /);
  });

  it('announces a resolution in the same thread, without next steps', () => {
    const message = chatbotMessage({ status: 'resolved', group: serviceGroup({ pending: 0 }), now: new Date('2026-11-22T02:44:33.000Z') });

    expect(message.content.title).toBe('✅ Resolved: service web on prod: out-of-memory');
    expect(message.content.nextSteps).toBeUndefined();
    expect(message.content.description).toContain('No out-of-memory alert for 30m.');
    expect(message.metadata).toMatchObject({ threadId: 'prod|service:web|out-of-memory', eventType: 'Alert Resolved' });
    expect(message.metadata.additionalContext.count).toBeUndefined();
  });
});

describe('text from outside, rendered inert', () => {
  const ZWSP = '\u200b';
  /** What a container could write as its stop reason: a link that hides its target, a mention, a screen clear, a bell, a bidi override. */
  const HOSTILE = '[click](https://evil.example/x) @channel \u001b[2J\u0007line\rbreak \u202Eexe.txt';
  /** Control characters but the line break, and bidi embeddings and overrides, as code points. */
  const controlCharactersIn = (text: string) =>
    Array.from(text)
      .map((character) => character.codePointAt(0) ?? 0)
      .filter((code) => (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e));
  const hostileStop = () =>
    serviceTaskStopped({
      stop: oomStop({
        stoppedReason: HOSTILE,
        containers: [{ name: 'app', exitCode: 137, reason: HOSTILE, lastStatus: 'STOPPED', image: 'web:1.4.2' }],
        classification: { category: 'out-of-memory', because: `container "app" ran out of memory: ${HOSTILE}` },
      }),
    });

  it('shows a hostile stop reason in Chatbot as escaped text: no link, no mention, no control character', () => {
    const { description } = chatbotMessage({ status: 'firing', group: groupOf('Service Task Stopped', hostileStop()), count: 1 }).content;

    const inert = `\\[click\\]\\(https:${ZWSP}//evil.example/x\\) @${ZWSP}channel \\[2Jlinebreak exe.txt`;
    expect(description).toContain(`ECS says: EssentialContainerExited: ${inert}`);
    expect(description).toContain(`• \`app\` exit code 137, ${inert}`);
    expect(description).toContain(`Container "app" ran out of memory: ${inert}`);
    expect(description).not.toContain('[click](');
    expect(controlCharactersIn(description)).toEqual([]);
  });

  it('shows a hostile stop reason in email as plain text: its control characters and bidi overrides removed', () => {
    const { text } = humanMessage({ status: 'firing', group: groupOf('Service Task Stopped', hostileStop()), count: 1 });

    expect(text).toContain('  - app: exit code 137, [click](https://evil.example/x) @channel [2Jlinebreak exe.txt');
    expect(controlCharactersIn(text)).toEqual([]);
  });

  it("escapes who requested a deployment and why it was aborted, not ecs-autopilot's own formatting", () => {
    const detail = {
      app: 'shop',
      deploymentId: 'shop-1',
      requestedBy: '*admin* <!here>',
      reason: 'aborted by ana: [see runbook](https://evil.example)\n# all clear',
      alert: { cluster: 'web', subject: { kind: 'app', name: 'shop' }, category: 'deployment-rolled-back', severity: 'warning' },
    };
    const message = chatbotMessage({ status: 'firing', group: groupOf('Deployment Rolled Back', detail), count: 1 });

    expect(message.content.description).toContain('Deployment: shop-1, requested by \\*admin\\* \\<!here\\>');
    expect(message.content.description).toContain(`Aborted by ana: \\[see runbook\\]\\(https:${ZWSP}//evil.example\\)\n\\# all clear`);
    expect(message.content.description).toContain('*How often:* ');
    expect(message.content.nextSteps).toContain('See the whole deployment: npx ecs-autopilot status shop');
  });

  it("keeps ecs-autopilot's own links as links, and shows anything else in their place as text", () => {
    const stop = oomStop({ consoleUrl: 'javascript:alert(1)' });
    const { description } = chatbotMessage({
      status: 'firing',
      group: groupOf('Service Task Stopped', serviceTaskStopped({ stop })),
      count: 1,
    }).content;

    expect(description).toContain(`in the ECS console: javascript:alert\\(1\\)`);
    expect(description).toContain(`Logs of app: ${oomStop().logs[0]?.url.replace(oomStop().taskId, stop.taskId)}`);
  });

  it(`cuts the Chatbot description to ${CHATBOT_DESCRIPTION_MAX_CHARACTERS} characters, saying so`, () => {
    const long = serviceTaskStopped({ stop: oomStop({ stoppedReason: '完'.repeat(20_000) }) });

    const { description } = chatbotMessage({ status: 'firing', group: groupOf('Service Task Stopped', long), count: 1 }).content;

    expect(Array.from(description)).toHaveLength(CHATBOT_DESCRIPTION_MAX_CHARACTERS);
    expect(description.endsWith(`完${TRUNCATED}`)).toBe(true);
  });

  it('renders a detail it cannot read from the alert block, rather than failing the whole group', () => {
    const malformed = { reason: 42, weights: 'none', alert: serviceAlert({ category: 'deployment-rolled-back' }) };
    const group = groupOf('Deployment Rolled Back', malformed);

    const { subject, text } = humanMessage({ status: 'firing', group, count: 1 });

    expect(subject).toBe('[CRITICAL] Deployment Rolled Back: service web on prod: deployment-rolled-back');
    expect(text).toMatch(/\(its detail could not be read: TypeError: /);
    expect(chatbotMessage({ status: 'firing', group, count: 1 }).content.title).toBe(
      '🔴 Deployment Rolled Back: service web on prod: deployment-rolled-back',
    );
  });
});
