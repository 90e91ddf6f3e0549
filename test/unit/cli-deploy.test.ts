import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  abortCommand,
  type DeployIo,
  type DeploymentDeps,
  type DeploymentReader,
  deployCommand,
  deploymentId,
  followOutcome,
  parseImages,
  progressBar,
  progressLine,
  promoteCommand,
  statusCommand,
} from '../../cli/deploy.ts';
import { main } from '../../cli/main.ts';
import { UsageError } from '../../cli/output.ts';
import type { Deployment } from '../../shared/blue-green/model.ts';
import { parseAutomationText } from '../../shared/config/load.ts';
import type { AutopilotEvent } from '../../shared/events/bus.ts';
import type { Rejection } from '../../shared/state/deployment-rejections.ts';

const ELB = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333';
const CONFIG = `
apps:
  shop:
    cluster: web
    listener: ${ELB}:listener/app/shop/0123456789abcdef/0123456789abcdef
    blue: { service: shop-blue, targetGroup: ${ELB}:targetgroup/shop-blue/0123456789abcdef }
    green: { service: shop-green, targetGroup: ${ELB}:targetgroup/shop-green/0123456789abcdef }
    strategy: { canary: { percent: 10, bake: 5m } }
    bakeTime: 10m
  admin:
    cluster: web
    listener: ${ELB}:listener/app/admin/0123456789abcdef/0123456789abcdef
    blue: { service: admin-blue, targetGroup: ${ELB}:targetgroup/admin-blue/0123456789abcdef }
    green: { service: admin-green, targetGroup: ${ELB}:targetgroup/admin-green/0123456789abcdef }
    strategy: { steps: [{ weight: 50, pause: until-promoted }] }
`;
const automation = parseAutomationText(CONFIG);
const shop = automation.apps.shop;
if (!shop) throw new Error('the test config names shop');

const TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/shop-web:42';
const T0 = new Date('2026-11-23T12:00:00Z');
const ID = 'shop-20261123T120000-0a1b';
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000).toISOString();

function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    app: 'shop',
    id: ID,
    version: 1,
    stage: 'starting',
    requestedAt: at(0),
    requestedBy: 'cli:tester',
    taskDefinition: TASK_DEFINITION,
    step: -1,
    newPercent: 0,
    stageSince: at(0),
    weights: [],
    outbox: [],
    updatedAt: at(0),
    ...overrides,
  };
}

/** The shop deployment stage by stage, as shift-traffic would store it (blue live, green new). */
const live = { from: 'blue', to: 'green' } as const;
const progression: Deployment[] = [
  deployment({ stage: 'starting' }),
  deployment({ ...live, stage: 'deploying', stageSince: at(31), waitingFor: 'shop-green to reach steady state' }),
  deployment({ ...live, stage: 'shifting', shiftingTo: 0, stageSince: at(240) }),
  deployment({
    ...live,
    stage: 'paused',
    step: 0,
    newPercent: 10,
    stageSince: at(242),
    pauseEndsAt: at(542),
    weights: [{ at: at(242), newPercent: 10, why: 'step 1 of 2' }],
  }),
  deployment({ ...live, stage: 'shifting', step: 0, shiftingTo: 1, newPercent: 10, stageSince: at(545) }),
  deployment({
    ...live,
    stage: 'baking',
    step: 1,
    newPercent: 100,
    stageSince: at(547),
    pauseEndsAt: at(1147),
    weights: [
      { at: at(242), newPercent: 10, why: 'step 1 of 2' },
      { at: at(547), newPercent: 100, why: 'step 2 of 2' },
    ],
  }),
];
const succeeded = deployment({
  ...live,
  stage: 'succeeded',
  step: 1,
  newPercent: 100,
  stageSince: at(1500),
  outcome: { status: 'succeeded', reason: 'shop-green takes all the traffic; shop-blue scaled to 0', at: at(1500) },
});
const rolledBack = deployment({
  ...live,
  stage: 'rolled-back',
  step: 0,
  newPercent: 0,
  stageSince: at(400),
  outcome: { status: 'rolled-back', reason: 'alarm shop-5xx entered ALARM', at: at(400) },
});

interface Fakes {
  deps: DeploymentDeps;
  events: AutopilotEvent[];
  out: string[];
  err: string[];
  writes: string[];
  store: { current: Deployment | undefined; past: Deployment[]; reads: number };
  rejections: Map<string, Rejection>;
  sleeps: number[];
}

/**
 * Fake bus, store and clock. Each sleep advances the clock and then runs the next step of `script`
 * (what shift-traffic would have done meanwhile); once the script is over the state stays as it is.
 */
function fakes(script: ((f: Fakes) => void)[] = [], io: Partial<DeployIo> = {}): Fakes {
  let now = T0;
  const f: Fakes = {
    events: [],
    out: [],
    err: [],
    writes: [],
    store: { current: undefined, past: [], reads: 0 },
    rejections: new Map(),
    sleeps: [],
    deps: undefined as unknown as DeploymentDeps,
  };
  const store: DeploymentReader = {
    get: async () => {
      f.store.reads++;
      return f.store.current;
    },
    history: async (_app, limit) => f.store.past.slice(0, limit),
  };
  f.deps = {
    bus: { publish: async (events) => void f.events.push(...events) },
    store,
    rejections: { get: async (_app, id) => f.rejections.get(id) },
    io: { out: (line) => f.out.push(line), err: (line) => f.err.push(line), ...io },
    now: () => now,
    sleep: async (milliseconds) => {
      f.sleeps.push(milliseconds);
      now = new Date(now.getTime() + milliseconds);
      script[f.sleeps.length - 1]?.(f);
    },
    caller: 'cli:tester',
    randomHex: () => '0a1b',
  };
  return f;
}

const become = (d: Deployment | undefined) => (f: Fakes) => {
  f.store.current = d;
};

describe('deploy', () => {
  it('puts exactly one Deployment Requested with the app, the id, the task definition and who asked, and prints the id', async () => {
    const f = fakes();

    const code = await deployCommand({ app: 'shop', automation, taskDefinition: TASK_DEFINITION }, f.deps);

    expect(code).toBe(0);
    expect(f.events).toEqual([
      {
        detailType: 'Deployment Requested',
        detail: { app: 'shop', id: ID, taskDefinition: TASK_DEFINITION, requestedBy: 'cli:tester' },
        time: T0,
      },
    ]);
    expect(f.out).toEqual([ID]);
    expect(f.store.reads).toBe(0);
  });

  it('puts the images per container instead of a task definition', async () => {
    const f = fakes();
    const images = parseImages(['web=repo/web:1.4.2', 'worker=repo/worker:1.4.2']);

    await deployCommand({ app: 'shop', automation, images }, f.deps);

    expect(f.events[0]?.detail).toEqual({
      app: 'shop',
      id: ID,
      images: { web: 'repo/web:1.4.2', worker: 'repo/worker:1.4.2' },
      requestedBy: 'cli:tester',
    });
  });

  it('makes ids of the app, the UTC time and 4 hex digits', () => {
    expect(deploymentId('shop', new Date('2026-01-02T03:04:05.678Z'), 'beef')).toBe('shop-20260102T030405-beef');
  });

  it('refuses wrong usage before putting anything', async () => {
    const f = fakes();
    const usage = (options: Partial<Parameters<typeof deployCommand>[0]>) =>
      expect(deployCommand({ app: 'shop', automation, ...options }, f.deps)).rejects.toThrow(UsageError);

    await usage({});
    await usage({ taskDefinition: TASK_DEFINITION, images: { web: 'repo/web:1' } });
    await usage({ taskDefinition: 'shop-web:42' });
    await expect(deployCommand({ app: 'shpo', automation, taskDefinition: TASK_DEFINITION }, f.deps)).rejects.toThrow(
      'unknown app "shpo"; the apps in automation.yml: shop, admin',
    );
    expect(() => parseImages(['web'])).toThrow(UsageError);
    expect(() => parseImages(['web=a', 'web=b'])).toThrow('twice');
    expect(f.events).toEqual([]);
  });

  describe('--wait', () => {
    const follow = (f: Fakes, timeoutSeconds = 7200) =>
      deployCommand({ app: 'shop', automation, taskDefinition: TASK_DEFINITION, wait: true, timeoutSeconds }, f.deps);

    it('prints one plain line per change of stage or weight, never an unchanged one, and exits 0 on success', async () => {
      const [starting, deploying, shifting1, paused, shifting2, baking] = progression;
      const f = fakes([
        become(starting),
        become(starting),
        become(deploying),
        become(shifting1),
        become(paused),
        become(paused),
        become(shifting2),
        become(baking),
        become(baking),
        become(succeeded),
      ]);

      const code = await follow(f);

      expect(code).toBe(0);
      expect(f.out).toEqual([
        '12:00:00 shop requested shop-20261123T120000-0a1b by cli:tester',
        '12:00:05 shop starting: reading the listener, the services and the alarms',
        '12:00:15 shop deploying: green (shop-green) starts task definition shop-web:42',
        '12:00:20 shop shifting: blue 90% / green 10% (step 1 of 2)',
        '12:00:25 shop paused: blue 90% / green 10% (step 1 of 2) until 12:09:02',
        '12:00:35 shop shifting: blue 0% / green 100% (step 2 of 2)',
        '12:00:40 shop baking: blue 0% / green 100% (step 2 of 2) until 12:19:07',
        'shop: shop-20261123T120000-0a1b succeeded after 25m: shop-green takes all the traffic; shop-blue scaled to 0',
      ]);
      expect(f.err).toEqual([]);
      expect(f.sleeps.every((ms) => ms === 5000)).toBe(true);
    });

    it('exits 1 with the reason when the deployment rolls back', async () => {
      const f = fakes([become(progression[3]), become(rolledBack)]);

      expect(await follow(f)).toBe(1);
      expect(f.err).toEqual(['shop: shop-20261123T120000-0a1b rolled back after 6m40s: alarm shop-5xx entered ALARM']);
    });

    it('exits 1 with the reason when shift-traffic rejected the request, waiting while another deployment runs', async () => {
      const other = deployment({
        ...live,
        id: 'shop-20261123T113000-ffff',
        stage: 'paused',
        step: 0,
        newPercent: 10,
        pauseEndsAt: at(600),
      });
      const script = Array.from({ length: 14 }, () => become(other));
      script.push((f) => {
        f.rejections.set(ID, {
          app: 'shop',
          id: ID,
          reason: `deployment ${other.id} of shop is paused; one deployment runs at a time`,
          at: at(70),
        });
      });
      const f = fakes(script);

      expect(await follow(f)).toBe(1);
      // The other deployment is no verdict: one note after the grace period, then the rejection.
      expect(f.out).toEqual([
        '12:00:00 shop requested shop-20261123T120000-0a1b by cli:tester',
        `12:01:00 shop ${ID} has not started: ${other.id} is paused; waiting for shift-traffic to start or reject ${ID}`,
      ]);
      expect(f.err).toEqual([`shop: ${ID} was rejected: deployment ${other.id} of shop is paused; one deployment runs at a time`]);
    });

    it('exits 1 on timeout, saying the deployment keeps running', async () => {
      const f = fakes([become(progression[3])]);

      expect(await follow(f, 600)).toBe(1);
      expect(f.err).toEqual([`shop: ${ID} still paused after 10m (blue 90% | green 10%); it keeps running: \`ecs-autopilot status shop\``]);
      expect(f.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(600_000);
    });

    it('finds its deployment in the history when it ended and another started between two polls', async () => {
      const next = deployment({ id: 'shop-20261123T122600-cafe', stage: 'starting' });
      const f = fakes([
        become(progression[5]),
        (fk) => {
          fk.store.current = next;
          fk.store.past = [succeeded];
        },
      ]);

      expect(await follow(f)).toBe(0);
      expect(f.out.at(-1)).toMatch(/^shop: shop-20261123T120000-0a1b succeeded/);
    });

    it('draws a progress bar redrawn in place on a terminal', async () => {
      const f = fakes([become(progression[1]), become(progression[3]), become(progression[3]), become(succeeded)], {
        isTTY: true,
        write: (text) => void f.writes.push(text),
      });

      expect(await follow(f)).toBe(0);
      expect(f.writes).toContain('\r\x1b[2Kshop [░░░░░░░░░░░░░░░░░░░░] waiting for shift-traffic to start shop-20261123T120000-0a1b');
      expect(f.writes).toContain('\r\x1b[2Kshop [██░░░░░░░░░░░░░░░░░░] blue 90% | green 10%  paused · step 1 of 2 · 8m52s left');
      expect(f.writes.at(-1)).toBe('\r\x1b[2K');
      expect(f.out.at(-1)).toMatch(/succeeded after 25m/);
    });

    it('prints one JSON object per change and a final one with --json', async () => {
      const f = fakes([become(progression[3]), become(progression[3]), become(succeeded)]);

      await deployCommand({ app: 'shop', automation, taskDefinition: TASK_DEFINITION, wait: true, json: true }, f.deps);

      const records = f.out.map((line) => JSON.parse(line));
      expect(records.map((r) => r.type)).toEqual(['requested', 'progress', 'result']);
      expect(records[1]).toMatchObject({ stage: 'paused', weights: { blue: 90, green: 10 }, step: 1, steps: 2, pauseEndsAt: at(542) });
      expect(records[2]).toMatchObject({ id: ID, status: 'succeeded', exit: 0, weights: [] });
    });
  });
});

describe('rendering', () => {
  it('shows the pause end, or how to promote, in the plain line', () => {
    const now = new Date(at(300));
    expect(
      progressLine(deployment({ ...live, stage: 'rolling-back', newPercent: 10, rollbackReason: 'aborted by cli:tester' }), shop, now),
    ).toBe('12:05:00 shop rolling back: blue 90% / green 10%; aborted by cli:tester');
    const admin = automation.apps.admin;
    if (!admin) throw new Error('admin');
    const held = deployment({ ...live, app: 'admin', stage: 'paused', step: 0, newPercent: 50, stageDeadline: at(86_400) });
    expect(progressLine(held, admin, now)).toBe(
      '12:05:00 admin paused: blue 50% / green 50% (step 1 of 2) until promoted (ecs-autopilot promote admin); rolls back at 12:00:00 without',
    );
  });

  it('fills the bar with the new colour share and names what the stage waits for', () => {
    expect(progressBar(progression[1], shop, new Date(at(91)), ID)).toBe(
      'shop [░░░░░░░░░░░░░░░░░░░░] blue 100% | green 0%  deploying · for 1m · waiting for shop-green to reach steady state',
    );
  });

  it('decides the end of a wait from the deployment with the id or its rejection only', () => {
    expect(followOutcome(progression[3], undefined, ID)).toBe('waiting');
    expect(followOutcome({ ...succeeded, id: 'other' }, undefined, ID)).toBe('waiting');
    expect(followOutcome(succeeded, undefined, ID)).toMatchObject({ exit: 0, status: 'succeeded' });
    expect(
      followOutcome(deployment({ stage: 'failed', outcome: { status: 'failed', reason: 'x', at: at(5) } }), undefined, ID),
    ).toMatchObject({
      exit: 1,
      status: 'failed',
      reason: 'x',
    });
    expect(followOutcome(undefined, { app: 'shop', id: ID, reason: 'busy', at: at(1) }, ID)).toMatchObject({ exit: 1, status: 'rejected' });
  });
});

describe('status', () => {
  it('shows the app deployment, its weights, the pause end, the weight history and the recent ones', async () => {
    const f = fakes();
    f.store.current = progression[3];
    f.store.past = [rolledBack, { ...succeeded, id: 'shop-20261120T090000-1111' }];
    f.deps.now = () => new Date(at(300));

    expect(await statusCommand({ app: 'shop', automation }, f.deps)).toBe(0);
    expect(f.out.slice(0, 9)).toEqual([
      `shop: deployment ${ID}`,
      '  stage       paused (step 1 of 2) since 2026-11-23T12:04:02.000Z (58s ago)',
      '  weights     blue 90% | green 10%',
      '  pause ends  2026-11-23T12:09:02.000Z (in 4m2s)',
      '  requested   2026-11-23T12:00:00.000Z by cli:tester',
      '  version     task definition shop-web:42',
      '  weight history:',
      '    2026-11-23T12:04:02.000Z  blue 90% | green 10%  step 1 of 2',
      'recent deployments:',
    ]);
    expect(f.out.slice(9).join('\n')).toContain('shop-20261120T090000-1111  succeeded');
    expect(f.out.slice(9).join('\n')).not.toContain(ID);
  });

  it('shows the promote and abort requests the deployment took or ignored, and why', async () => {
    const f = fakes();
    f.store.current = deployment({
      ...progression[5],
      requests: [
        { kind: 'promote', requestId: 'e-1', at: at(545), by: 'ana', deploymentId: ID, step: 1, outcome: 'taken' },
        {
          kind: 'promote',
          requestId: 'e-2',
          at: at(600),
          by: 'ana',
          deploymentId: ID,
          step: 1,
          outcome: 'ignored',
          reason: `step 1 is already passed: ${ID} is baking at step 2 of 2`,
        },
        {
          kind: 'abort',
          requestId: 'e-3',
          at: at(610),
          by: 'ci',
          outcome: 'ignored',
          deploymentId: 'shop-20261120T090000-1111',
          reason: `the request is for deployment shop-20261120T090000-1111, not ${ID}, the app's current one`,
        },
      ],
    });
    f.deps.now = () => new Date(at(700));

    await statusCommand({ app: 'shop', automation }, f.deps);

    expect(f.out.slice(f.out.indexOf('  requests:'))).toEqual([
      '  requests:',
      '    2026-11-23T12:09:05.000Z  promote step 1 by ana: taken',
      `    2026-11-23T12:10:00.000Z  promote step 1 by ana: ignored: step 1 is already passed: ${ID} is baking at step 2 of 2`,
      `    2026-11-23T12:10:10.000Z  abort of shop-20261120T090000-1111 by ci: ignored: the request is for deployment shop-20261120T090000-1111, not ${ID}, the app's current one`,
    ]);
  });

  it('lists every app of automation.yml without an app', async () => {
    const f = fakes();
    f.deps.store = { get: async (app) => (app === 'shop' ? progression[3] : undefined), history: async () => [] };

    await statusCommand({ automation }, f.deps);

    expect(f.out).toEqual([
      'APP    STAGE                 WEIGHTS               DEPLOYMENT                 SINCE',
      `shop   paused (step 1 of 2)  blue 90% | green 10%  ${ID}  2026-11-23T12:04:02.000Z`,
      'admin  no deployment         -                     -                          -',
    ]);
  });

  it('prints text from outside (who requested, why it was aborted, a request id) without its escape sequences or control characters', async () => {
    const hostile = (text: string) => `\u001b]0;pwned\u0007${text}\u001b[2J\r\n  outcome    succeeded\u202e`;
    const f = fakes();
    f.store.current = deployment({
      id: `${ID}\u001b[1A`,
      stage: 'rolled-back',
      requestedBy: hostile('ana'),
      outcome: { status: 'rolled-back', reason: hostile('aborted by ana: deploy hotfix'), at: at(60) },
      requests: [{ kind: 'abort', requestId: 'e-1', at: at(50), by: hostile('ana'), outcome: 'taken', reason: hostile('hotfix') }],
    });
    f.store.past = [
      { ...rolledBack, id: 'shop-20261120T090000-1111', outcome: { status: 'rolled-back', reason: hostile('old'), at: at(5) } },
    ];

    await statusCommand({ app: 'shop', automation }, f.deps);

    const printed = f.out.join('\n');
    const controls = Array.from(printed)
      .map((character) => character.codePointAt(0) ?? 0)
      .filter((code) => (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e));
    expect(controls).toEqual([]);
    expect(f.out).toContain(`shop: deployment ${ID}`);
    expect(f.out).toContain('  outcome    rolled-back at 2026-11-23T12:01:00.000Z: aborted by ana: deploy hotfix   outcome    succeeded');
    expect(f.out).toContain('  requested  2026-11-23T12:00:00.000Z by ana   outcome    succeeded');
    expect(f.out).toContain('    2026-11-23T12:00:50.000Z  abort by ana   outcome    succeeded: taken: hotfix   outcome    succeeded');
    expect(f.out.at(-1)).toMatch(/old {3}outcome {4}succeeded$/);
  });

  it('says when an app has no deployment, and prints JSON with --json', async () => {
    const f = fakes();
    await statusCommand({ app: 'shop', automation }, f.deps);
    await statusCommand({ app: 'shop', automation, json: true }, f.deps);

    expect(f.out[0]).toBe('shop: no deployment recorded');
    expect(JSON.parse(f.out.slice(1).join('\n'))).toEqual({ app: 'shop', current: null, history: [] });
  });
});

describe('promote and abort', () => {
  it('promotes the paused deployment by its id and the step it read (a late or repeated promote is then ignored)', async () => {
    const f = fakes();
    f.store.current = progression[3];

    expect(await promoteCommand({ app: 'shop', automation }, f.deps)).toBe(0);
    expect(f.events).toEqual([
      { detailType: 'Deployment Promotion Requested', detail: { app: 'shop', id: ID, step: 1, by: 'cli:tester' }, time: T0 },
    ]);
    expect(f.out[0]).toMatch(/^shop: promotion of shop-20261123T120000-0a1b requested \(paused at blue 90% \| green 10% \(step 1 of 2\)\)/);
  });

  it('puts nothing and exits 1 without an active deployment or outside a pause', async () => {
    for (const [current, message] of [
      [undefined, 'shop: no deployment to promote: none recorded'],
      [succeeded, `shop: no active deployment to promote: the last one, ${ID}, succeeded at ${at(1500)}`],
      [progression[1], `shop: ${ID} is deploying, not in a pause: promote ends a pause between steps or the bake`],
    ] as const) {
      const f = fakes();
      f.store.current = current;
      expect(await promoteCommand({ app: 'shop', automation }, f.deps)).toBe(1);
      expect(f.err).toEqual([message]);
      expect(f.events).toEqual([]);
    }
  });

  it('aborts the active deployment with a reason', async () => {
    const f = fakes();
    f.store.current = progression[3];

    expect(await abortCommand({ app: 'shop', automation, reason: 'wrong build' }, f.deps)).toBe(0);
    expect(f.events).toEqual([
      { detailType: 'Deployment Abort Requested', detail: { app: 'shop', id: ID, by: 'cli:tester', reason: 'wrong build' }, time: T0 },
    ]);
  });

  it('refuses to abort nothing or a finishing deployment, and has nothing to do for one rolling back', async () => {
    const none = fakes();
    expect(await abortCommand({ app: 'shop', automation }, none.deps)).toBe(1);
    expect(none.err).toEqual(['shop: no deployment to abort: none recorded']);

    const finishing = fakes();
    finishing.store.current = deployment({ ...live, stage: 'finishing', step: 1, newPercent: 100 });
    expect(await abortCommand({ app: 'shop', automation }, finishing.deps)).toBe(1);
    expect(finishing.err[0]).toMatch(/rollback window is over and shop-blue is being scaled to 0/);

    const rolling = fakes();
    rolling.store.current = deployment({ ...live, stage: 'rolling-back', rollbackReason: 'alarm' });
    expect(await abortCommand({ app: 'shop', automation }, rolling.deps)).toBe(0);
    expect(rolling.out).toEqual([`shop: ${ID} is already rolling back (alarm); nothing to do`]);

    expect([...none.events, ...finishing.events, ...rolling.events]).toEqual([]);
  });
});

describe('the deployment commands through main', () => {
  const file = join(tmpdir(), `automation-deploy-${process.pid}.yml`);
  writeFileSync(file, CONFIG);
  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([...argv, '--config', file, '--region', 'eu-west-1'], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }

  it('exits 2 listing the apps for an unknown app', async () => {
    const { code, err } = await run('deploy', 'shpo', '--task-definition', TASK_DEFINITION);
    expect(code).toBe(2);
    expect(err).toEqual(['unknown app "shpo"; the apps in automation.yml: shop, admin']);
  });

  it('exits 2 for a missing app, both or neither version, a bad image or timeout', async () => {
    expect((await run('deploy', '--wait')).code).toBe(2);
    expect((await run('promote')).code).toBe(2);
    expect((await run('deploy', 'shop')).code).toBe(2);
    expect((await run('deploy', 'shop', '--task-definition', TASK_DEFINITION, '--image', 'web=a')).code).toBe(2);
    expect((await run('deploy', 'shop', '--image', 'web')).code).toBe(2);
    expect((await run('deploy', 'shop', '--task-definition', TASK_DEFINITION, '--wait', '--timeout', 'soon')).code).toBe(2);
    expect((await run('abort', 'nope')).code).toBe(2);
  });
});
