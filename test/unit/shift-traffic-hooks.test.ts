/**
 * Test before traffic in the blue/green state machine: the test listener set once the new colour is
 * ready and put back at the end (rolled back, failed or succeeded), the hooks at each stage, and what a
 * hook's pass, failure or timeout does. The verdicts of a hook task and of a Lambda answer are unit-tested
 * beside them (hooks.ts).
 */
import { describe, expect, it } from 'vitest';
import { transition } from '../../shared/blue-green/decide.ts';
import { firstRoute, splitsFor, weightsFor } from '../../shared/blue-green/forward.ts';
import { type HookRun, type HookTaskFacts, lambdaVerdict, taskVerdict } from '../../shared/blue-green/hooks.ts';
import type { Action, AppSpec, Deployment, DeploymentEvent, ForwardSnapshot } from '../../shared/blue-green/model.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-central-1:123456789012';
const TG_BLUE = `${ARN}:targetgroup/shop-blue/0000000000000001`;
const TG_GREEN = `${ARN}:targetgroup/shop-green/0000000000000002`;
const TASK_DEFINITION = 'arn:aws:ecs:eu-central-1:123456789012:task-definition/shop:42';
const LOG_URL = 'https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#logsV2:log-groups/log-group/smoke';

const plain: AppSpec = {
  name: 'shop',
  cluster: 'web',
  listener: `${ARN}:listener/app/shop/0000000000000003/0000000000000004`,
  colours: { blue: { service: 'shop-blue', targetGroup: TG_BLUE }, green: { service: 'shop-green', targetGroup: TG_GREEN } },
  routes: [
    {
      listener: `${ARN}:listener/app/shop/0000000000000003/0000000000000004`,
      targetGroups: { blue: TG_BLUE, green: TG_GREEN },
      shift: 'weighted',
    },
  ],
  strategy: 'canary',
  steps: [
    { weight: 10, pause: { kind: 'for', seconds: 300 } },
    { weight: 100, pause: { kind: 'for', seconds: 600 } },
  ],
  gates: { alarms: ['shop-5xx'], minHealthyTargets: 1, metrics: [] },
  bakeSeconds: 600,
  rollbackWindowSeconds: 1_800,
  timeouts: { readySeconds: 900, promoteSeconds: 86_400 },
  allowed: { families: ['shop'], images: undefined, roles: [] },
};

const TEST_LISTENER = `${ARN}:listener/app/shop/0000000000000003/0000000000000005`;
const smoke = { kind: 'task', taskDefinition: 'shop-smoke', launch: { clusterDefault: true }, timeoutSeconds: 600 } as const;
const check = { kind: 'lambda', function: 'arn:aws:lambda:eu-central-1:123456789012:function:shop-check', timeoutSeconds: 30 } as const;

const app: AppSpec = {
  ...plain,
  test: { listener: TEST_LISTENER, url: 'https://shop.example.com:8443' },
  hooks: { beforeTraffic: smoke, afterStep: check, afterTraffic: check, beforeScaleDown: smoke },
};

const NOW = new Date('2026-11-23T12:00:00Z');
const iso = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();
const split = (percent: number) => splitsFor(app, 'blue', 'green', percent);

const ORIGINAL: ForwardSnapshot = {
  targetGroups: weightsFor(firstRoute(app), 'blue', 'green', 0),
  raw: '[{"Type":"forward","prod":true}]',
};
const TEST_ORIGINAL = { targetGroups: [{ arn: TG_BLUE, weight: 1 }], raw: '[{"Type":"forward","test":true}]' };
const ON_GREEN = [{ arn: TG_GREEN, weight: 1 }];

const deploying: Deployment = {
  app: 'shop',
  id: 'shop-1',
  version: 3,
  stage: 'deploying',
  requestedAt: iso(-600),
  taskDefinition: TASK_DEFINITION,
  from: 'blue',
  to: 'green',
  original: ORIGINAL,
  toBefore: { desiredCount: 0, taskDefinition: 'shop:41' },
  desiredCount: 3,
  step: -1,
  newPercent: 0,
  stageSince: iso(-120),
  stageDeadline: iso(600),
  weights: [],
  test: { original: TEST_ORIGINAL, state: 'original' },
  outbox: [],
  updatedAt: iso(-60),
};

const testSet = { original: TEST_ORIGINAL, state: 'set' } as const;
const running = (run: Partial<HookRun> = {}): HookRun => ({
  id: 'beforeTraffic',
  stage: 'beforeTraffic',
  runs: 'task shop-smoke',
  startedAt: iso(-60),
  deadline: iso(540),
  status: 'running',
  taskArn: 'arn:aws:ecs:eu-central-1:123456789012:task/web/0123456789abcdef',
  essential: ['smoke'],
  logs: [{ container: 'smoke', logGroup: 'smoke', logStream: 'smoke/smoke/0123456789abcdef', url: LOG_URL }],
  ...run,
});
const inHook = (run: Partial<HookRun> = {}, d: Partial<Deployment> = {}): Deployment => ({
  ...deploying,
  test: testSet,
  stage: 'hook',
  stageSince: iso(-60),
  stageDeadline: iso(540),
  hooks: [running(run)],
  ...d,
});

const kinds = (actions: Action[]) => actions.map((a) => (a.kind === 'publish' ? `publish ${a.detailType}` : a.kind));
const step = (d: Deployment | undefined, event: DeploymentEvent, now = NOW, on = app) => transition(d, event, on, now);
const exited = (exitCode: number, reason?: string): HookTaskFacts => ({
  status: 'stopped',
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'smoke', exitCode, reason }],
});

describe('the test listener', () => {
  const inspected = (testForward: ForwardSnapshot | undefined): DeploymentEvent => ({
    kind: 'inspected',
    forward: { [app.listener]: ORIGINAL },
    services: {
      blue: { desiredCount: 3, taskDefinition: 'shop:41', primaryTaskDefinition: 'shop:41', steady: true, runningCount: 3 },
      green: { desiredCount: 0, taskDefinition: 'shop:40', primaryTaskDefinition: 'shop:40', steady: true, runningCount: 0 },
    },
    alarmsInAlarm: [],
    requested: { name: 'task definition shop:42', family: 'shop', images: {} },
    testForward,
  });
  const starting: Deployment = { ...deploying, stage: 'starting', from: undefined, to: undefined, original: undefined, test: undefined };

  it('is read with the production listener when the deployment starts, and kept as it was', () => {
    const result = step(starting, inspected(TEST_ORIGINAL));
    expect(result.deployment).toMatchObject({ stage: 'deploying', test: { original: TEST_ORIGINAL, state: 'original' } });
  });

  it('that does not forward fails the deployment before anything changes', () => {
    const result = step(starting, inspected({ targetGroups: [], raw: '[{"Type":"fixed-response"}]' }));
    expect(result.deployment?.outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^the test listener .* does not forward/),
    });
  });

  it('is pointed at the new colour once it is ready, before any production weight', () => {
    const result = step(deploying, {
      kind: 'ready-checked',
      steady: true,
      health: { healthy: 3, unhealthy: 0 },
      runs: TASK_DEFINITION,
      forward: split(0),
    });
    expect(result.deployment).toMatchObject({
      stage: 'deploying',
      newPercent: 0,
      waitingFor: expect.stringMatching(/test listener .* to point at shop-green/),
    });
    expect(result.actions).toEqual([{ kind: 'set-test-forward', colour: 'green' }]);
  });

  it('once set, the beforeTraffic hook starts (no hook: the first step)', () => {
    const withHook = step(deploying, { kind: 'test-forward-set', observed: ON_GREEN, matches: true });
    expect(withHook.deployment).toMatchObject({
      stage: 'hook',
      test: { state: 'set' },
      hooks: [{ id: 'beforeTraffic', status: 'running' }],
    });
    expect(kinds(withHook.actions)).toEqual(['publish Deployment Hook Started', 'start-hook']);
    expect(withHook.actions[1]).toEqual({ kind: 'start-hook', hook: 'beforeTraffic' });

    const noHook = step(deploying, { kind: 'test-forward-set', observed: ON_GREEN, matches: true }, NOW, { ...app, hooks: undefined });
    expect(noHook.deployment).toMatchObject({ stage: 'shifting', shiftingTo: 0, test: { state: 'set' } });
  });

  it('changed by someone else before it was set rolls back without writing it', () => {
    const result = step(deploying, {
      kind: 'test-forward-changed',
      observed: [
        { arn: TG_GREEN, weight: 50 },
        { arn: TG_BLUE, weight: 50 },
      ],
    });
    expect(result.deployment).toMatchObject({
      stage: 'rolling-back',
      rollbackReason: expect.stringMatching(/test listener .* was changed outside ecs-autopilot/),
    });
    expect(kinds(result.actions)).toEqual(['restore-forward']);
  });

  it('is put back on a rollback, with the production listener', () => {
    const result = step(inHook({}, { stage: 'hook' }), { kind: 'alarm', alarmName: 'shop-5xx', state: 'ALARM' });
    expect(kinds(result.actions)).toEqual(['restore-forward', 'restore-test-forward']);
  });

  it('is put back when the deployment succeeds, before the old colour scales to 0', () => {
    const passed = step(inHook({ id: 'beforeScaleDown', stage: 'beforeScaleDown' }, { newPercent: 100, step: 1 }), {
      kind: 'hook-checked',
      hook: 'beforeScaleDown',
      facts: exited(0),
    });
    expect(passed.deployment?.stage).toBe('finishing');
    expect(kinds(passed.actions)).toEqual(['publish Deployment Hook Passed', 'restore-test-forward', 'scale-colour']);
  });

  it('put back is recorded; found changed by someone else it is left as it is and said so', () => {
    const finishing: Deployment = { ...deploying, test: testSet, stage: 'finishing', newPercent: 100, step: 1 };
    expect(
      step(finishing, { kind: 'test-forward-restored', observed: TEST_ORIGINAL.targetGroups, matches: true }).deployment?.test,
    ).toMatchObject({ state: 'restored' });
    const left = step(finishing, {
      kind: 'test-forward-changed',
      observed: [
        { arn: TG_BLUE, weight: 1 },
        { arn: TG_GREEN, weight: 1 },
      ],
    });
    expect(left.deployment?.test).toMatchObject({
      state: 'left',
      note: expect.stringMatching(/changed outside ecs-autopilot.*left as it is/),
    });
    expect(left.actions).toEqual([]);
  });

  it('is put back by a deployment that ends failed while it points at the new colour, and recorded once it ended', () => {
    const stuck: Deployment = { ...deploying, test: testSet, stage: 'rolling-back', rollbackReason: 'x', stageDeadline: iso(-1) };
    const failed = step(stuck, { kind: 'tick' });
    expect(failed.deployment?.stage).toBe('failed');
    expect(kinds(failed.actions)).toEqual(['restore-test-forward', 'lock-services', 'publish Deployment Failed']);
    const recorded = step(failed.deployment, { kind: 'test-forward-restored', observed: TEST_ORIGINAL.targetGroups, matches: true });
    expect(recorded.deployment?.test?.state).toBe('restored');
  });

  it('the rolling-back and finishing ticks retry it until it is back', () => {
    const rolling: Deployment = { ...deploying, test: testSet, stage: 'rolling-back', rollbackReason: 'x', forwardRestored: true };
    expect(kinds(step(rolling, { kind: 'tick' }).actions)).toEqual(['scale-colour', 'restore-test-forward']);
    const back: Deployment = { ...rolling, test: { ...testSet, state: 'restored' } };
    expect(kinds(step(back, { kind: 'tick' }).actions)).toEqual(['scale-colour']);
  });
});

describe('hooks', () => {
  it('a hook task started is recorded; each tick reads it, or starts it again under its clientToken if its start was not recorded', () => {
    const noTask = inHook({ taskArn: undefined, essential: undefined, logs: undefined });
    expect(step(noTask, { kind: 'tick' }).actions).toEqual([{ kind: 'start-hook', hook: 'beforeTraffic' }]);
    const started = step(noTask, {
      kind: 'hook-started',
      hook: 'beforeTraffic',
      taskArn: running().taskArn ?? '',
      essential: ['smoke'],
      logs: [],
    });
    expect(started.deployment?.hooks?.[0]).toMatchObject({ taskArn: running().taskArn, essential: ['smoke'] });
    expect(started.deployment?.waitingFor).toMatch(/task 0123456789abcdef/);
    expect(step(started.deployment, { kind: 'tick' }).actions).toEqual([{ kind: 'check-hook', hook: 'beforeTraffic' }]);
  });

  it('a task still running changes nothing; every essential container exiting 0 passes: the first step follows', () => {
    expect(
      step(inHook(), { kind: 'hook-checked', hook: 'beforeTraffic', facts: { status: 'running', lastStatus: 'RUNNING' } }).actions,
    ).toEqual([]);
    const passed = step(inHook(), { kind: 'hook-checked', hook: 'beforeTraffic', facts: exited(0) });
    expect(passed.deployment).toMatchObject({
      stage: 'shifting',
      shiftingTo: 0,
      hooks: [{ status: 'passed', output: 'container smoke exited 0' }],
    });
    expect(kinds(passed.actions)).toEqual(['publish Deployment Hook Passed', 'set-weights']);
  });

  it('a container exiting 1 rolls back, with its output and the log link in the reason and the events', () => {
    const failed = step(inHook(), { kind: 'hook-checked', hook: 'beforeTraffic', facts: exited(1, 'smoke test: GET /health 503') });
    const reason =
      'hook beforeTraffic (task shop-smoke) failed: container smoke exited 1 (smoke test: GET /health 503); task stopped: ' +
      `EssentialContainerExited: Essential container in task exited; logs: ${LOG_URL}`;
    expect(failed.deployment).toMatchObject({ stage: 'rolling-back', rollbackReason: reason, hooks: [{ status: 'failed' }] });
    expect(kinds(failed.actions)).toEqual(['publish Deployment Hook Failed', 'restore-forward', 'restore-test-forward']);
    const told = failed.actions[0] as Action & { kind: 'publish' };
    expect(told.id).toBe('shop-1:hook:beforeTraffic:failed');
    expect(told.detail.hook).toMatchObject({ status: 'failed', output: expect.stringMatching(/exited 1/), logs: [{ url: LOG_URL }] });
  });

  it('past its timeout, the hook fails and the deployment rolls back (nothing shifted yet: failed in the end)', () => {
    const late = step(inHook(), { kind: 'tick' }, new Date(NOW.getTime() + 541_000));
    expect(late.deployment).toMatchObject({
      stage: 'rolling-back',
      rollbackReason: expect.stringMatching(/no verdict within its timeout of 600s/),
    });
  });

  it('an observation of another hook, or of a hook already ended, changes nothing', () => {
    expect(step(inHook(), { kind: 'hook-checked', hook: 'afterStep:1', facts: exited(1) }).actions).toEqual([]);
    const ended = inHook({ status: 'passed' });
    expect(step(ended, { kind: 'hook-checked', hook: 'beforeTraffic', facts: exited(1) }).actions).toEqual([]);
  });

  it('afterStep runs once a step below 100% is read back, before its pause; its pass starts the pause', () => {
    const shifting: Deployment = { ...deploying, test: testSet, stage: 'shifting', shiftingTo: 0, stageDeadline: iso(300) };
    const reached = step(shifting, { kind: 'weights-set', expected: split(10), observed: split(10) });
    expect(reached.deployment).toMatchObject({
      stage: 'hook',
      newPercent: 10,
      hooks: [{ id: 'afterStep:1', stage: 'afterStep', step: 1 }],
    });
    expect(kinds(reached.actions)).toEqual(['publish Deployment Step Completed', 'publish Deployment Hook Started', 'start-hook']);
    const later = new Date(NOW.getTime() + 20_000);
    const passed = step(reached.deployment, { kind: 'hook-answered', hook: 'afterStep:1', answer: { payload: '{"pass":true}' } }, later);
    expect(passed.deployment).toMatchObject({ stage: 'paused', pauseEndsAt: new Date(later.getTime() + 300_000).toISOString() });
  });

  it('while a hook runs with traffic on the new colour, each tick checks the gates too; a failing gate rolls back at once', () => {
    const withTraffic = inHook(
      { id: 'afterStep:1', stage: 'afterStep', step: 1 },
      { stage: 'hook', step: 0, newPercent: 10, weights: [{ at: iso(-60), newPercent: 10, why: 'step 1 of 2' }] },
    );
    const ticked = transition(withTraffic, { kind: 'tick' }, app, NOW);
    // afterStep is a Lambda here, answered within its invocation: the tick checks only the gates.
    expect(kinds(ticked.actions)).toEqual(['check-gates']);
    const taskHook = { ...app, hooks: { ...app.hooks, afterStep: smoke } };
    expect(kinds(transition(withTraffic, { kind: 'tick' }, taskHook, NOW).actions)).toEqual(['check-hook', 'check-gates']);
    const gates = {
      kind: 'gates-checked',
      alarmsInAlarm: ['shop-5xx'],
      health: { healthy: 3, unhealthy: 0 },
      metrics: [],
      runs: TASK_DEFINITION,
      forward: split(10),
    } as const;
    const failed = step(withTraffic, gates as unknown as DeploymentEvent);
    expect(failed.deployment).toMatchObject({ stage: 'rolling-back' });
    expect(failed.deployment?.rollbackReason).toMatch(/gate failed at 10%.*shop-5xx/);
    // Passing gates leave the hook running; before any traffic (beforeTraffic) only the hook is read.
    const passing = step(withTraffic, { ...gates, alarmsInAlarm: [] } as unknown as DeploymentEvent);
    expect(passing.deployment?.stage ?? withTraffic.stage).toBe('hook');
    expect(kinds(transition(inHook(), { kind: 'tick' }, app, NOW).actions)).toEqual(['check-hook']);
  });

  it('afterTraffic runs at 100%, before the bake; a Lambda answering pass: false rolls back with its reason', () => {
    const shifting: Deployment = { ...deploying, ...{ step: 0, newPercent: 10 }, test: testSet, stage: 'shifting', shiftingTo: 1 };
    const reached = step(shifting, { kind: 'weights-set', expected: split(100), observed: split(100) });
    expect(reached.deployment?.hooks?.at(-1)).toMatchObject({ id: 'afterTraffic', runs: 'lambda shop-check' });
    const failed = step(reached.deployment, {
      kind: 'hook-answered',
      hook: 'afterTraffic',
      answer: { payload: '{"pass":false,"reason":"checkout returned 500"}' },
    });
    expect(failed.deployment?.rollbackReason).toBe(
      'hook afterTraffic (lambda shop-check) failed: the function answered: checkout returned 500',
    );
    const passed = step(reached.deployment, { kind: 'hook-answered', hook: 'afterTraffic', answer: { payload: '{"pass":true}' } });
    expect(passed.deployment?.stage).toBe('baking');
  });

  it('beforeScaleDown runs when the rollback window ends; an abort while it runs still rolls back (the old colour runs)', () => {
    const window: Deployment = {
      ...deploying,
      step: 1,
      newPercent: 100,
      test: testSet,
      stage: 'rollback-window',
      pauseEndsAt: iso(0),
      stageDeadline: undefined,
    };
    const gates: DeploymentEvent = {
      kind: 'gates-checked',
      alarmsInAlarm: [],
      health: { healthy: 3, unhealthy: 0 },
      metrics: [],
      runs: TASK_DEFINITION,
      forward: split(100),
    };
    const over = step(window, gates);
    expect(over.deployment).toMatchObject({ stage: 'hook', hooks: [{ id: 'beforeScaleDown' }] });
    const aborted = step(over.deployment, { kind: 'abort', requestId: 'r1', deploymentId: 'shop-1', by: 'ana' });
    expect(aborted.deployment?.stage).toBe('rolling-back');
  });

  it('the rolled-back event carries the failed hook, the hooks run and the test listener', () => {
    const rolling: Deployment = {
      ...inHook({ status: 'failed', output: 'container smoke exited 1' }),
      stage: 'rolling-back',
      rollbackReason: 'hook failed',
      forwardRestored: true,
      newPercent: 0,
      weights: [{ at: iso(-10), newPercent: 10, why: 'step 1 of 2' }],
      test: { ...testSet, state: 'restored' },
    };
    const ended = step(rolling, { kind: 'colour-scaled', colour: 'green', desiredCount: 0 });
    const told = ended.actions.find((a) => a.kind === 'publish') as Action & { kind: 'publish' };
    expect(told.detailType).toBe('Deployment Rolled Back');
    expect(told.detail).toMatchObject({
      failedHook: { id: 'beforeTraffic', output: 'container smoke exited 1' },
      testListener: { state: 'restored' },
    });
  });
});

describe('hook verdicts', () => {
  it('a task passes only when every essential container exits 0; a sidecar does not count', () => {
    const facts: HookTaskFacts = {
      status: 'stopped',
      containers: [
        { name: 'smoke', exitCode: 0 },
        { name: 'xray', exitCode: 137 },
      ],
    };
    expect(taskVerdict(facts, ['smoke'])).toEqual({ pass: true, output: 'container smoke exited 0' });
    expect(taskVerdict(facts, ['smoke', 'xray'])).toMatchObject({ pass: false, output: 'container xray exited 137' });
    expect(
      taskVerdict(
        { status: 'stopped', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError', containers: [{ name: 'smoke' }] },
        ['smoke'],
      ),
    ).toEqual({
      pass: false,
      output: 'container smoke has no exit code; task stopped: TaskFailedToStart: CannotPullContainerError',
    });
    expect(taskVerdict({ status: 'not-started', reason: 'its task could not start: RESOURCE:MEMORY' }, ['smoke'])).toMatchObject({
      pass: false,
    });
    expect(taskVerdict({ status: 'running', lastStatus: 'PENDING' }, ['smoke'])).toBeUndefined();
  });

  it('a Lambda passes only on {"pass": true}; an error, another shape or no answer in time fails', () => {
    expect(lambdaVerdict({ payload: '{"pass":true,"reason":"12 checks ok"}' }, 30)).toEqual({ pass: true, output: '12 checks ok' });
    expect(lambdaVerdict({ payload: '{"pass":false}' }, 30)).toMatchObject({
      pass: false,
      output: expect.stringMatching(/without a reason/),
    });
    expect(lambdaVerdict({ payload: '{"errorMessage":"boom","errorType":"Error"}', functionError: 'Unhandled' }, 30)).toEqual({
      pass: false,
      output: 'the function failed (Unhandled): boom',
    });
    expect(lambdaVerdict({ payload: '"ok"' }, 30)).toMatchObject({
      pass: false,
      output: expect.stringMatching(/instead of \{"pass": true\}/),
    });
    expect(lambdaVerdict({ payload: '{"pass":"yes"}' }, 30)).toMatchObject({ pass: false });
    expect(lambdaVerdict({ payload: '', timedOut: true }, 30)).toEqual({ pass: false, output: 'the function did not answer within 30s' });
  });
});
