/**
 * The CLI's operator controls (issue 14 §4) without AWS: promote --full, retry, undo, status --limit and
 * deploy --dry-run's judgement, over a fake bus and store.
 */
import { describe, expect, it } from 'vitest';
import { type DeploymentDeps, promoteCommand, statusCommand } from '../../cli/deploy.ts';
import { type DryRunFacts, dryRunChecks, dryRunPlan, planLines } from '../../cli/dry-run.ts';
import { redeployCommand } from '../../cli/redeploy.ts';
import { firstRoute, weightsFor } from '../../shared/blue-green/forward.ts';
import { type Deployment, routeKey } from '../../shared/blue-green/model.ts';
import { parseAutomationText } from '../../shared/config/load.ts';
import type { AutopilotEvent } from '../../shared/events/bus.ts';
import { runCliText } from '../helpers/cli.ts';

const ELB = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333';
const TD = (revision: number) => `arn:aws:ecs:eu-west-1:111122223333:task-definition/shop:${revision}`;
const automation = parseAutomationText(`
apps:
  shop:
    cluster: web
    listener: ${ELB}:listener/app/shop/0123456789abcdef/0123456789abcdef
    blue: { service: shop-blue, targetGroup: ${ELB}:targetgroup/shop-blue/0123456789abcdef }
    green: { service: shop-green, targetGroup: ${ELB}:targetgroup/shop-green/0123456789abcdef }
    strategy: { linear: { step: 25, interval: 2m } }
    gates: { alarms: [shop-5xx], minHealthyTargets: 2 }
    bakeTime: 10m
    taskRoles: [arn:aws:iam::111122223333:role/shop-task]
`);
const app = automation.apps.shop;
if (!app) throw new Error('the test config names shop');

const T0 = new Date('2026-11-23T12:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000).toISOString();

const last = (overrides: Partial<Deployment>): Deployment => ({
  app: 'shop',
  id: 'shop-20261123T110000-aaaa',
  version: 9,
  stage: 'rolled-back',
  requestedAt: at(-3600),
  taskDefinition: TD(7),
  liveBefore: TD(6),
  from: 'blue',
  to: 'green',
  step: 0,
  newPercent: 0,
  stageSince: at(-3000),
  weights: [],
  outbox: [],
  updatedAt: at(-3000),
  outcome: { status: 'rolled-back', reason: 'alarm shop-5xx entered ALARM', at: at(-3000) },
  ...overrides,
});

function fakes(current: Deployment | undefined, script: Deployment[] = []) {
  const events: AutopilotEvent[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const state = { current, past: [] as Deployment[], sleeps: 0 };
  const deps: DeploymentDeps = {
    bus: { publish: async (published) => void events.push(...published) },
    store: { get: async () => state.current, history: async (_app, limit) => state.past.slice(0, limit) },
    rejections: { get: async () => undefined },
    io: { out: (line) => out.push(line), err: (line) => err.push(line) },
    now: () => T0,
    sleep: async () => {
      state.current = script[state.sleeps++] ?? state.current;
    },
    caller: 'cli:ana',
    randomHex: () => '0b0b',
  };
  return { deps, events, out, err, state };
}

const NEW_ID = 'shop-20261123T120000-0b0b';

describe('promote --full', () => {
  const paused = last({ stage: 'paused', step: 0, newPercent: 25, outcome: undefined, pauseEndsAt: at(60) });

  it('puts the promote with full: true, for the deployment and step it read', async () => {
    const f = fakes(paused);
    expect(await promoteCommand({ app: 'shop', automation, full: true, json: true }, f.deps)).toBe(0);
    expect(f.events).toEqual([
      {
        detailType: 'Deployment Promotion Requested',
        detail: { app: 'shop', id: paused.id, step: 1, full: true, by: 'cli:ana' },
        time: T0,
      },
    ]);
    expect(JSON.parse(f.out[0] ?? '')).toMatchObject({ type: 'promote-requested', id: paused.id, step: 1, full: true });
  });

  it('puts nothing while baking: no step is left to skip', async () => {
    const f = fakes({ ...paused, stage: 'baking', step: 4, newPercent: 100 });
    expect(await promoteCommand({ app: 'shop', automation, full: true }, f.deps)).toBe(1);
    expect(f.err[0]).toMatch(/is baking at 100%: no step is left to skip/);
    expect(f.events).toEqual([]);
  });
});

describe('retry and undo', () => {
  it('retry puts Deployment Retry Requested naming the rolled-back deployment and the new id, and prints the new id', async () => {
    const f = fakes(last({}));
    expect(await redeployCommand({ kind: 'retry', app: 'shop', automation }, f.deps)).toBe(0);
    expect(f.events).toEqual([
      {
        detailType: 'Deployment Retry Requested',
        detail: { app: 'shop', id: 'shop-20261123T110000-aaaa', newId: NEW_ID, by: 'cli:ana' },
        time: T0,
      },
    ]);
    expect(f.out).toEqual([NEW_ID]);
  });

  it('undo --json says what it deploys: the revision live before the succeeded deployment', async () => {
    const f = fakes(last({ stage: 'succeeded', outcome: { status: 'succeeded', reason: 'done', at: at(-3000) } }));
    expect(await redeployCommand({ kind: 'undo', app: 'shop', automation, json: true }, f.deps)).toBe(0);
    expect(f.events[0]?.detailType).toBe('Deployment Undo Requested');
    expect(JSON.parse(f.out[0] ?? '')).toEqual({
      type: 'undo-requested',
      at: T0.toISOString(),
      app: 'shop',
      id: NEW_ID,
      undoOf: 'shop-20261123T110000-aaaa',
      taskDefinition: TD(6),
      by: 'cli:ana',
    });
  });

  it('retry --wait follows the new deployment and exits with its outcome', async () => {
    const retried = last({
      id: NEW_ID,
      stage: 'succeeded',
      retryOf: 'shop-20261123T110000-aaaa',
      outcome: { status: 'succeeded', reason: 'done', at: at(600) },
    });
    const f = fakes(last({}), [retried]);
    expect(await redeployCommand({ kind: 'retry', app: 'shop', automation, wait: true }, f.deps)).toBe(0);
    expect(f.out[0]).toBe(`12:00:00 shop retry of shop-20261123T110000-aaaa requested as ${NEW_ID} by cli:ana: task definition shop:7`);
    expect(f.out.at(-1)).toMatch(new RegExp(`^shop: ${NEW_ID} succeeded`));
  });

  const refused: [string, 'retry' | 'undo', Deployment | undefined, RegExp][] = [
    ['no deployment', 'retry', undefined, /no deployment to retry: none recorded/],
    [
      'a running deployment',
      'retry',
      last({ stage: 'paused', outcome: undefined }),
      /is still paused: retry follows a deployment that ended/,
    ],
    ['a succeeded one', 'retry', last({ stage: 'succeeded' }), /succeeded: nothing to retry \(undo deploys/],
    ['a rolled-back one', 'undo', last({}), /rolled back: the revision before it is still live, nothing to undo/],
    [
      'one without the revision before',
      'undo',
      last({ stage: 'succeeded', liveBefore: undefined }),
      /does not record the revision live before it/,
    ],
  ];
  it.each(refused)('refuses %s (%s), putting nothing, exit 1', async (_, kind, current, message) => {
    const f = fakes(current);
    expect(await redeployCommand({ kind, app: 'shop', automation }, f.deps)).toBe(1);
    expect(f.err[0]).toMatch(message);
    expect(f.events).toEqual([]);
  });
});

describe('status --limit', () => {
  it('lists as many earlier deployments as asked, in text and --json', async () => {
    const past = [1, 2, 3, 4].map((n) => last({ id: `shop-old-${n}`, requestedAt: at(-n * 7200) }));
    const f = fakes(last({ id: 'shop-now' }));
    f.state.past = past;
    expect(await statusCommand({ app: 'shop', automation, json: true, historyLimit: 2 }, f.deps)).toBe(0);
    expect(JSON.parse(f.out.join('\n')).history.map((d: Deployment) => d.id)).toEqual(['shop-old-1', 'shop-old-2']);
  });

  it('is a usage error without an app, or outside 1 to 100', async () => {
    expect(await runCliText('status', '--limit', '3')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--limit lists the deployments of one app/),
    });
    expect(await runCliText('status', 'shop', '--limit', '0')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--limit must be a positive number/),
    });
    expect(await runCliText('status', 'shop', '--limit', '500')).toMatchObject({ code: 2, err: expect.stringMatching(/from 1 to 100/) });
  });
});

describe('deploy --dry-run', () => {
  const facts: DryRunFacts = {
    forward: { ok: { [routeKey(firstRoute(app))]: { targetGroups: weightsFor(firstRoute(app), 'blue', 'green', 0), raw: '[]' } } },
    targetGroups: { blue: { ok: true }, green: { ok: true } },
    services: {
      blue: { ok: { status: 'ACTIVE', desiredCount: 2, taskDefinition: TD(6) } },
      green: { ok: { status: 'ACTIVE', desiredCount: 0, taskDefinition: TD(5) } },
    },
    alarms: { ok: { 'shop-5xx': 'OK' } },
    revision: { ok: { name: 'task definition shop:7', family: 'shop', taskRole: 'arn:aws:iam::111122223333:role/shop-task', images: {} } },
    deployment: { ok: undefined },
    bus: { ok: true },
  };
  const problems = (found: DryRunFacts, request = { taskDefinition: TD(7) }) =>
    dryRunChecks(app, request, found)
      .filter((check) => check.status === 'problem')
      .map((check) => `${check.name}: ${check.detail}`);

  it('finds nothing wrong when everything is as a deployment needs it', () => {
    expect(problems(facts)).toEqual([]);
    expect(dryRunChecks(app, {}, { ...facts, revision: undefined }).find((c) => c.name === 'revision')?.status).toBe('skipped');
  });

  it('checks every listener of an app that names several: each read, all on the same colour', () => {
    const internal = {
      listener: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/shop-int/0123456789abcdef/0123456789abcdef',
      targetGroups: {
        blue: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/shop-blue-int/0123456789abcdef',
        green: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/shop-green-int/0123456789abcdef',
      },
      shift: 'weighted' as const,
    };
    const twoListeners = { ...app, routes: [firstRoute(app), internal] };
    const forward = (internalPercent: number) => ({
      ok: {
        [routeKey(firstRoute(app))]: { targetGroups: weightsFor(firstRoute(app), 'blue', 'green', 0), raw: '[]' },
        [routeKey(internal)]: { targetGroups: weightsFor(internal, 'blue', 'green', internalPercent), raw: '[]' },
      },
    });
    const checks = (found: DryRunFacts) => dryRunChecks(twoListeners, { taskDefinition: TD(7) }, found);
    expect(checks({ ...facts, forward: forward(0) }).filter((check) => check.status === 'problem')).toEqual([]);
    expect(checks({ ...facts, forward: forward(0) }).find((check) => check.name === 'target group green')?.detail).toContain(
      'shop-green-int',
    );
    expect(checks({ ...facts, forward: forward(100) }).filter((check) => check.status === 'problem')).toEqual([
      expect.objectContaining({ name: 'listeners', detail: expect.stringMatching(/to blue but .*shop-int.* to green/) }),
    ]);
  });

  it('names each problem: a split, a missing target group, an idle live service, an alarm missing or firing, a role, a running deployment', () => {
    const found = problems({
      ...facts,
      forward: { ok: { [routeKey(firstRoute(app))]: { targetGroups: weightsFor(firstRoute(app), 'blue', 'green', 30), raw: '[]' } } },
      targetGroups: { blue: { ok: true }, green: { error: 'reading the green target group failed: TargetGroupNotFoundException: gone' } },
      services: { ...facts.services, green: { error: 'ECS service shop-green (green) does not exist in cluster web (MISSING)' } },
      alarms: { ok: {} },
      revision: { ok: { name: 'task definition shop:8', family: 'shop', taskRole: 'arn:aws:iam::111122223333:role/admin', images: {} } },
      deployment: { ok: last({ stage: 'baking', outcome: undefined }) },
      bus: { error: 'reading event bus ecs-autopilot-dev failed: AccessDeniedException: no (the credentials in use lack this permission)' },
    });
    expect(found).toEqual([
      expect.stringMatching(/^listener: .*splits the traffic \(blue 70, green 30\)/),
      expect.stringMatching(/^target group green: .*TargetGroupNotFoundException/),
      'service green: ECS service shop-green (green) does not exist in cluster web (MISSING)',
      'alarm shop-5xx: does not exist in CloudWatch; create it, or remove it from apps.shop.gates.alarms',
      expect.stringMatching(/^revision: task definition shop:8 has the task role arn:aws:iam::111122223333:role\/admin/),
      expect.stringMatching(/^deployment: shop-20261123T110000-aaaa is baking: a request now would be rejected/),
      expect.stringMatching(/^bus: .*lack this permission/),
    ]);
    expect(problems({ ...facts, alarms: { ok: { 'shop-5xx': 'ALARM' } } })).toEqual([
      'alarm shop-5xx: is in ALARM: a deployment would not start until it resolves',
    ]);
    expect(problems(facts, { taskDefinition: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/report:1' })).toEqual([
      expect.stringMatching(/^revision: task definition .*report:1 is not one of the app's/),
    ]);
  });

  it('is a usage error with --wait, or with both a task definition and images', async () => {
    expect(await runCliText('deploy', 'shop', '--dry-run', '--wait')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/requests nothing to wait for/),
    });
    expect(await runCliText('deploy', 'shop', '--dry-run', '--task-definition', TD(7), '--image', 'app=repo/shop:1')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/at most one of --task-definition/),
    });
  });

  it('prints the steps, gates, hooks and timings from automation.yml', () => {
    expect(planLines(app)).toEqual([
      '  strategy  linear',
      '  steps     1. 25% for 2m; 2. 50% for 2m; 3. 75% for 2m; 4. 100%, baked for 10m',
      '  gates     alarms shop-5xx (one in ALARM rolls back); at least 2 healthy targets, none unhealthy',
      '  hooks     none configured',
      expect.stringMatching(/^ {2}timings {3}ready within 15m; each weight change within 5m; rollback window 30m; at most \S+ in all$/),
    ]);
    expect(dryRunPlan(app)).toMatchObject({
      strategy: 'linear',
      steps: [{ step: 1, weight: 25, pause: { seconds: 120 } }, {}, {}, { step: 4, weight: 100 }],
    });
  });
});
