import { describe, expect, it } from 'vitest';
import { withScenarioMuteWindows } from '../../sandbox/mute-windows.ts';
import { parseScenarioText, ScenarioError, validateScenario } from '../../sandbox/scenario.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';

const automation = validateAutomation({
  defaults: {
    cluster: 'batch',
    timezone: 'Europe/Berlin',
    capacityProviders: ['FARGATE_SPOT', 'FARGATE'],
    network: { subnets: ['subnet-0a1b2c3d'] },
  },
  jobs: {
    'nightly-report': { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report:2', maxRuntime: '2h', retry: { attempts: 3 } },
    'legacy-export': { schedule: 'cron(0 4 * * ? *)', taskDefinition: 'legacy', suspended: true },
  },
  watchedTasks: { 'queue-worker': { taskDefinition: 'queue-worker', launchType: 'FARGATE' } },
});

/** The problem lines of the ScenarioError that validating `value` throws. */
function problems(value: unknown): string[] {
  try {
    validateScenario(value, automation, 'demo.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).problems;
  }
  throw new Error('the scenario was accepted');
}

describe('scenario files', () => {
  it('reads each kind with its defaults and durations in seconds', () => {
    const scenario = parseScenarioText(
      [
        'description: a night',
        'injections:',
        '  - { kind: task-exits, job: nightly-report, after: 25m, exitCode: 0 }',
        '  - { kind: capacity-outage, capacityProvider: FARGATE_SPOT, at: "02:00" }',
        '  - { kind: late-delivery, job: nightly-report, scheduledAt: "02:00", by: 1h30m }',
        '  - { kind: duplicate-delivery, job: nightly-report }',
      ].join('\n'),
      automation,
    );

    expect(scenario.injections).toEqual([
      { kind: 'task-exits', job: 'nightly-report', after: 1_500, exitCode: 0 },
      { kind: 'capacity-outage', capacityProvider: 'FARGATE_SPOT', launches: 1, at: '02:00' },
      { kind: 'late-delivery', job: 'nightly-report', scheduledAt: '02:00', by: 5_400 },
      { kind: 'duplicate-delivery', job: 'nightly-report', after: 60 },
    ]);
  });

  it('reads task exits by category, by attempt and for every run, and watched-task crashes with their defaults', () => {
    const scenario = parseScenarioText(
      [
        'injections:',
        '  - { kind: task-exits, job: nightly-report, attempt: 1, after: 10m, category: app-error }',
        '  - { kind: task-exits, job: nightly-report, attempt: 2, after: 20m, exitCode: 0 }',
        '  - { kind: task-exits, job: nightly-report, everyRun: true, after: 5m, exitCode: 137, reason: "OutOfMemoryError: Container killed" }',
        '  - { kind: watched-task-crashes, watchedTask: queue-worker, at: "21:00", after: 30s, times: 6, category: failed-to-start }',
        '  - { kind: watched-task-crashes, watchedTask: queue-worker, at: "22:00", after: 1h, exitCode: 2 }',
      ].join('\n'),
      automation,
    );

    expect(scenario.injections).toEqual([
      { kind: 'task-exits', job: 'nightly-report', attempt: 1, after: 600, category: 'app-error' },
      { kind: 'task-exits', job: 'nightly-report', attempt: 2, after: 1_200, exitCode: 0 },
      {
        kind: 'task-exits',
        job: 'nightly-report',
        everyRun: true,
        after: 300,
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed',
      },
      { kind: 'watched-task-crashes', watchedTask: 'queue-worker', at: '21:00', after: 30, times: 6, category: 'failed-to-start' },
      { kind: 'watched-task-crashes', watchedTask: 'queue-worker', at: '22:00', after: 3_600, times: 1, exitCode: 2 },
    ]);
  });

  it('wants exactly one of exitCode and category, a reason only beside an exit code, and no stop only ecs-autopilot makes', () => {
    expect(
      problems({
        injections: [
          { kind: 'task-exits', job: 'nightly-report', after: '5m', exitCode: 1, category: 'app-error' },
          { kind: 'task-exits', job: 'nightly-report', after: '5m', category: 'out-of-memory', reason: 'OOM' },
          { kind: 'task-exits', job: 'nightly-report', after: '5m', category: 'timeout' },
          { kind: 'task-exits', job: 'nightly-report', after: '5m', category: 'replaced' },
          { kind: 'task-exits', job: 'nightly-report', after: '5m', category: 'crashed' },
          { kind: 'watched-task-crashes', watchedTask: 'queue-worker', at: '21:00', after: '30s' },
        ],
      }),
    ).toEqual([
      'injections.0.category: write exitCode or category, not both (a category brings the exit code ECS would report)',
      "injections.1.reason: reason is the container's reason beside an exitCode; a category brings its own",
      'injections.2.category: timeout is what the maxRuntime watchdog does: let the task run longer than its maxRuntime (a long `after`)',
      'injections.3.category: replaced is what concurrency: replace does: let the run still be running at its next firing (a long `after`)',
      'injections.4.category: "crashed" is not a stop category: write one of completed, app-error, out-of-memory, health-check-failed, failed-to-start, spot-interruption, scaled-in, user-stopped, host-lost, unknown',
      'injections.5.exitCode: missing: write exitCode (e.g. 1) or category (e.g. app-error)',
    ]);
  });

  it('checks attempts, everyRun, times and watched task names', () => {
    expect(
      problems({
        injections: [
          { kind: 'task-exits', job: 'nightly-report', attempt: 4, after: '5m', exitCode: 1 },
          { kind: 'task-exits', job: 'nightly-report', attempt: 0, after: '5m', exitCode: 1 },
          { kind: 'task-exits', job: 'nightly-report', everyRun: true, scheduledAt: '02:00', after: '5m', exitCode: 1 },
          { kind: 'task-exits', job: 'nightly-report', everyRun: false, after: '5m', exitCode: 1 },
          { kind: 'watched-task-crashes', watchedTask: 'queue-wroker', at: '21:00', after: '30s', exitCode: 1 },
          { kind: 'watched-task-crashes', watchedTask: 'queue-worker', at: '21:00', after: '30s', exitCode: 1, times: 0 },
        ],
      }),
    ).toEqual([
      'injections.1.attempt: attempt must be a whole number of at least 1',
      'injections.2.everyRun: everyRun or scheduledAt, not both: scheduledAt names one firing',
      'injections.3.everyRun: everyRun is true or left out',
      'injections.5.times: times must be a whole number from 1 to 50',
    ]);
    expect(
      problems({
        injections: [
          { kind: 'task-exits', job: 'nightly-report', attempt: 4, after: '5m', exitCode: 1 },
          { kind: 'watched-task-crashes', watchedTask: 'queue-wroker', at: '21:00', after: '30s', exitCode: 1 },
        ],
      }),
    ).toEqual([
      'injections.0.attempt: nightly-report makes at most 3 attempts (retry.attempts in the automation file), so it has no attempt 4',
      'injections.1.watchedTask: no watched task "queue-wroker" in the automation file (watched tasks: queue-worker)',
    ]);
  });

  it('treats an empty file as a scenario without injections', () => {
    expect(parseScenarioText('', automation)).toEqual({ injections: [] });
  });

  it('names the path of an unknown kind and lists the kinds there are', () => {
    expect(problems({ injections: [{ kind: 'task-crash', job: 'nightly-report' }] })).toEqual([
      'injections.0.kind: kind must be one of task-exits, watched-task-crashes, capacity-outage, late-delivery, duplicate-delivery, deployment, hook-exits, service-event, silence, mute-window, manual-run, suspension, promote, abort, metric-values, target-health, listener-change, circuit-breaker, autoscaling (got "task-crash")',
    ]);
  });

  it('takes a silence with matchers as `ecs-autopilot silence` does, and names a matcher it cannot read', () => {
    const scenario = validateScenario(
      { injections: [{ kind: 'silence', at: '12:50', matchers: ['subject=job:hourly-sync'], for: '2h', comment: 'maintenance' }] },
      automation,
      'demo.yml',
    );
    expect(scenario.injections).toEqual([
      { kind: 'silence', at: '12:50', matchers: ['subject=job:hourly-sync'], for: 7_200, comment: 'maintenance' },
    ]);
    const [problem] = problems({ injections: [{ kind: 'silence', at: '12:50', matchers: ['team=payments'], for: '2h' }] });
    expect(problem).toMatch(/^injections\.0\.matchers: .*team/);
    expect(problems({ injections: [{ kind: 'silence', at: '12:50', matchers: [], for: '2h' }] })).toEqual([
      'injections.0.matchers: name at least one matcher, e.g. cluster=prod or category=~"crash-loop|app-error"',
    ]);
  });

  it("takes a mute window as notifications.muteWindows writes one, and adds it to the automation file's for the day, in the scenario's zone", () => {
    const scenario = validateScenario(
      {
        injections: [
          { kind: 'mute-window', name: 'rebuild', weekdays: ['monday:friday'], times: ['02:00-03:00'], matchers: ['cluster=staging'] },
        ],
      },
      automation,
      'demo.yml',
    );
    const rehearsed = withScenarioMuteWindows(automation, scenario, 'Europe/Berlin');
    expect(rehearsed.notifications.muteWindows).toEqual([
      {
        name: 'rebuild',
        timezone: 'Europe/Berlin',
        weekdays: [2, 3, 4, 5, 6],
        times: [{ start: 120, end: 180 }],
        matchers: [{ label: 'cluster', operator: '=', value: 'staging' }],
      },
    ]);
    expect(withScenarioMuteWindows(automation, { injections: [] }, 'Europe/Berlin')).toBe(automation);
    expect(problems({ injections: [{ kind: 'mute-window', name: 'always' }] })).toEqual([
      'injections.0: a window with no weekdays, times, daysOfMonth or months would always be open: say when it is open',
    ]);
  });

  it('rejects unknown keys and says which keys the kind takes', () => {
    expect(problems({ injections: [{ kind: 'task-exits', job: 'nightly-report', after: '5m', exitcode: 1 }] })).toEqual([
      'injections.0.exitcode: unknown key (task-exits takes kind, job, scheduledAt, everyRun, attempt, after, exitCode, category, reason)',
      'injections.0.exitCode: missing: write exitCode (e.g. 1) or category (e.g. app-error)',
    ]);
    expect(problems({ injection: [] })).toEqual(['injection: unknown key (a scenario takes description, timezone, day, injections)']);
  });

  it('reads the day the story happens on: the next weekday, the next day of a given name, or a date', () => {
    const dayOf = (day: string) => validateScenario({ day }, automation).day;

    expect(dayOf('next-weekday')).toEqual({ text: 'next-weekday', weekdays: [2, 3, 4, 5, 6] });
    expect(dayOf('next-sunday')).toEqual({ text: 'next-sunday', weekdays: [1] });
    expect(dayOf('next-saturday')).toEqual({ text: 'next-saturday', weekdays: [7] });
    expect(dayOf('2026-12-07')).toEqual({ text: '2026-12-07', date: { year: 2026, month: 12, day: 7 } });
    expect(parseScenarioText('day: 2026-02-28', automation).day).toEqual({ text: '2026-02-28', date: { year: 2026, month: 2, day: 28 } });
    expect(validateScenario({}, automation).day).toBeUndefined();
  });

  it('explains a day it cannot read', () => {
    const form = 'write next-weekday, next-monday … next-sunday, or a date such as "2026-12-07"';

    expect(problems({ day: 'tomorrow' })).toEqual([`day: "tomorrow" is not a day: ${form}`]);
    expect(problems({ day: 'next-funday' })).toEqual([`day: "next-funday" is not a day: ${form}`]);
    expect(problems({ day: '2026-02-29' })).toEqual(['day: "2026-02-29" is not a date of the calendar']);
    expect(problems({ day: '2026-12-07T08:00' })).toEqual([`day: "2026-12-07T08:00" is not a day: ${form}`]);
    expect(problems({ day: 7 })).toEqual([`day: ${form} (got 7)`]);
  });

  it('tells a value of the wrong type from a missing one', () => {
    expect(problems({ injections: [{ kind: 'late-delivery', job: 7, by: '5m' }] })).toEqual([
      'injections.0.job: the name of a job in the automation file (got 7)',
    ]);
    expect(problems({ injections: [{ kind: 'late-delivery', by: '5m' }] })).toEqual(['injections.0.job: missing (expected string)']);
  });

  it('explains bad durations, times and exit codes at their paths', () => {
    expect(
      problems({
        injections: [
          { kind: 'task-exits', job: 'nightly-report', after: '25 minutes', exitCode: 256 },
          { kind: 'capacity-outage', capacityProvider: 'FARGATE_SPOT', at: '2am', launches: 0 },
          { kind: 'late-delivery', job: 'nightly-report', by: '0s' },
        ],
      }),
    ).toEqual([
      'injections.0.after: "25 minutes" is not a duration: write e.g. "90s", "25m", "2h" or "1h30m"',
      'injections.0.exitCode: exitCode must be a whole number from 0 to 255',
      'injections.1.launches: launches must be a whole number of at least 1',
      'injections.1.at: "2am" is not a time: write a local time such as "02:00" or an ISO time with its offset',
      'injections.2.by: "0s" is too short: at least 1s',
    ]);
  });

  it('requires jobs and capacity providers that the automation file has, and jobs that fire', () => {
    expect(
      problems({
        injections: [
          { kind: 'late-delivery', job: 'nightly-reprot', by: '20m' },
          { kind: 'duplicate-delivery', job: 'legacy-export' },
          { kind: 'capacity-outage', capacityProvider: 'FARGATE_SPOTT' },
        ],
      }),
    ).toEqual([
      'injections.0.job: no job "nightly-reprot" in the automation file (jobs: nightly-report, legacy-export)',
      'injections.1.job: legacy-export is suspended, so it never fires',
      'injections.2.capacityProvider: no job launches on "FARGATE_SPOTT" (capacity providers in the automation file: FARGATE_SPOT, FARGATE)',
    ]);
  });

  it('reads a deployment with its images and gate alarm, and requires an app and a gate alarm the automation file has', () => {
    const HEAD = 'arn:aws:elasticloadbalancing:eu-central-1:111122223333';
    const withApp = validateAutomation({
      defaults: { cluster: 'web-prod' },
      apps: {
        shop: {
          listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`,
          blue: { service: 'shop-blue', targetGroup: `${HEAD}:targetgroup/shop-blue/73e2d6bc24d8a067` },
          green: { service: 'shop-green', targetGroup: `${HEAD}:targetgroup/shop-green/2453ed029918f21f` },
          gates: { alarms: ['shop-5xx'] },
        },
      },
    });
    const scenario = parseScenarioText(
      'injections:\n  - { kind: deployment, app: shop, at: "14:00", image: app=repo/shop:v3, alarm: { name: shop-5xx, after: 3m } }',
      withApp,
    );
    expect(scenario.injections).toEqual([
      {
        kind: 'deployment',
        app: 'shop',
        at: '14:00',
        image: 'app=repo/shop:v3',
        alarm: { name: 'shop-5xx', after: 180, clearsAfter: 600 },
      },
    ]);

    const deploymentProblems = (value: unknown) => {
      try {
        validateScenario(value, withApp, 'demo.yml');
      } catch (error) {
        return (error as ScenarioError).problems;
      }
      throw new Error('the scenario was accepted');
    };
    expect(
      deploymentProblems({
        injections: [
          { kind: 'deployment', app: 'shop', at: '10:00' },
          { kind: 'deployment', app: 'shop', at: '10:00', image: 'repo/shop:v3' },
        ],
      }),
    ).toEqual([
      'injections.0.image: write image (e.g. "app=registry/shop:v2") or taskDefinition, exactly one of them, as `ecs-autopilot deploy` takes',
      'injections.1.image: "repo/shop:v3" is not container=image: write e.g. "app=123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v2"',
    ]);
    expect(
      deploymentProblems({
        injections: [
          { kind: 'deployment', app: 'shopp', at: '10:00', taskDefinition: 'shop:1' },
          { kind: 'deployment', app: 'shop', at: '10:00', taskDefinition: 'shop:1', alarm: { name: 'shop-latency', after: '1m' } },
        ],
      }),
    ).toEqual([
      'injections.0.app: no app "shopp" in the automation file (apps: shop)',
      'injections.1.alarm.name: "shop-latency" is not a gate alarm of shop, so it would change nothing (its gates.alarms: shop-5xx)',
    ]);
  });

  it('reads hook-exits, and requires an app that runs a hook task at that stage', () => {
    const HEAD = 'arn:aws:elasticloadbalancing:eu-central-1:111122223333';
    const withHooks = validateAutomation({
      defaults: { cluster: 'web-prod' },
      apps: {
        shop: {
          listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`,
          blue: { service: 'shop-blue', targetGroup: `${HEAD}:targetgroup/shop-blue/73e2d6bc24d8a067` },
          green: { service: 'shop-green', targetGroup: `${HEAD}:targetgroup/shop-green/2453ed029918f21f` },
          hooks: {
            beforeTraffic: { task: 'shop-smoke' },
            afterTraffic: { lambda: 'arn:aws:lambda:eu-central-1:111122223333:function:shop-check' },
          },
        },
      },
    });
    const scenario = parseScenarioText(
      'injections:\n  - { kind: hook-exits, app: shop, hook: beforeTraffic, after: 2m, exitCode: 1, reason: "GET /health 503" }',
      withHooks,
    );
    expect(scenario.injections).toEqual([
      { kind: 'hook-exits', app: 'shop', hook: 'beforeTraffic', after: 120, exitCode: 1, reason: 'GET /health 503' },
    ]);
    let caught: unknown;
    try {
      validateScenario(
        {
          injections: [
            { kind: 'hook-exits', app: 'shop', hook: 'afterTraffic', after: '1m', exitCode: 0 },
            { kind: 'hook-exits', app: 'shopp', after: '1m', exitCode: 0 },
          ],
        },
        withHooks,
        'demo.yml',
      );
    } catch (error) {
      caught = error;
    }
    expect((caught as ScenarioError).problems).toEqual([
      'injections.0.hook: shop runs no hook task at afterTraffic, so it would end nothing (its task hooks: beforeTraffic)',
      'injections.1.app: no app "shopp" in the automation file (apps: shop)',
    ]);
  });

  it('reports YAML syntax errors by line, as a ConfigError the CLI already prints', () => {
    let caught: unknown;
    try {
      parseScenarioText('injections:\n  - kind: task-exits\n   job: x', automation, 'broken.yml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ScenarioError).message).toMatch(/^broken\.yml is not valid:\n {2}line 3: /);
  });
});

describe('operator commands in a scenario', () => {
  const automation = validateAutomation({
    defaults: { cluster: 'c', launchType: 'EC2' },
    jobs: { 'nightly-report': { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'report' } },
  });
  const problemsOf = (injection: unknown) => {
    try {
      validateScenario({ injections: [injection] }, automation, 'ops.yml');
      return [];
    } catch (error) {
      return (error as ScenarioError).problems;
    }
  };

  it('takes a manual run with an ending, or running on, and a suspension with its end', () => {
    expect(problemsOf({ kind: 'manual-run', job: 'nightly-report', at: '05:00', id: 'rerun-1', after: '10m', exitCode: 0 })).toEqual([]);
    expect(problemsOf({ kind: 'manual-run', job: 'nightly-report', at: '05:00' })).toEqual([]);
    expect(problemsOf({ kind: 'suspension', job: 'nightly-report', at: '01:30', until: '04:30', comment: 'migration' })).toEqual([]);
  });

  it('names what is wrong: an id `run --id` refuses, an ending without its time, an unknown job', () => {
    expect(problemsOf({ kind: 'manual-run', job: 'nightly-report', at: '05:00', id: 'two words' })).toEqual([
      'injections.0.id: id: 1 to 64 of letters, digits, ".", "-" and "_", as `run --id` takes',
    ]);
    expect(problemsOf({ kind: 'manual-run', job: 'nightly-report', at: '05:00', exitCode: 1 })).toEqual([
      'injections.0.after: missing: how long its tasks run before they end (e.g. "10m")',
    ]);
    expect(problemsOf({ kind: 'suspension', job: 'nightly', at: '01:30' })).toEqual([
      'injections.0.job: no job "nightly" in the automation file (jobs: nightly-report)',
    ]);
  });
});
