import { describe, expect, it } from 'vitest';
import { DEFAULT_INHIBIT_RULES } from '../../shared/config/inhibit-schema.ts';
import { describeIssues, parseAutomationText, validateAutomation } from '../../shared/config/load.ts';
import { automationSchema } from '../../shared/config/schema.ts';
import { YamlFileError } from '../../shared/config/yaml-problems.ts';
import { ConfigError } from '../../shared/errors.ts';
import { FARGATE_NETWORK, JOB_NAME, jobSpec } from './fixtures.ts';

const VALID_JOB = { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'nightly-report', cluster: 'batch' };

/** The problem lines of the ConfigError that validating `value` throws. */
function problemsOf(value: unknown): string[] {
  try {
    validateAutomation(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the automation was accepted');
}

function problemsOfText(text: string): string[] {
  try {
    parseAutomationText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the automation text was accepted');
}

describe('parseAutomationText', () => {
  it('reads a complete file into jobs with their defaults applied', () => {
    const text = [
      'defaults:',
      '  cluster: batch',
      '  timezone: Europe/Berlin',
      '  capacityProviders: [FARGATE_SPOT, FARGATE]',
      '  network:',
      '    subnets: [subnet-0a1b2c3d]',
      'jobs:',
      '  nightly-report:',
      '    schedule: cron(0 2 * * ? *)',
      '    taskDefinition: nightly-report:7',
      '    maxRuntime: 2h',
      '',
    ].join('\n');

    const automation = parseAutomationText(text);

    expect(automation.jobs['nightly-report']).toMatchObject({
      name: 'nightly-report',
      cluster: 'batch',
      timezone: 'Europe/Berlin',
      launch: { capacityProviders: ['FARGATE_SPOT', 'FARGATE'] },
      network: { subnets: ['subnet-0a1b2c3d'], securityGroups: [], assignPublicIp: false },
      maxRuntimeSeconds: 7_200,
    });
  });

  it('accepts an empty file as an automation without jobs', () => {
    expect(parseAutomationText('')).toEqual({
      runHistoryRetentionSeconds: 90 * 86_400,
      jobs: {},
      watchedTasks: {},
      services: {},
      // Each setting of notifications is checked by its own test too; these are the defaults of those that have one.
      notifications: expect.objectContaining({
        email: [],
        groupWaitSeconds: 30,
        repeatIntervalSeconds: 14_400,
        resolveAfterSeconds: 1_800,
        muteWindows: [],
        groupBy: ['cluster', 'subject', 'category'],
        topics: {},
        routes: [],
        inhibit: DEFAULT_INHIBIT_RULES,
      }),
      apps: {},
      deployers: [],
      permissions: 'listed',
      timezone: 'UTC',
    });
  });

  it('prints every problem on its own line with where it is written and its path', () => {
    const text = [
      'jobs:',
      '  nightly-report:',
      '    schedule: cron(0 2 * * ? *)',
      '    taskDefinition: nightly-report',
      '    timezone: Asia/Tokio',
      '    cluster: batch',
      '',
    ].join('\n');

    expect(problemsOfText(text)).toEqual(['automation.yml:5:15 jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"']);
  });

  it('names the source file in the error message', () => {
    const text = 'jobs:\n  j:\n    schedule: "cron(0 2 * *)"\n    taskDefinition: a\n    cluster: c\n';

    expect(() => parseAutomationText(text, 'ops/automation.yml')).toThrow(
      'ops/automation.yml is not valid:\n  ops/automation.yml:3:15 jobs.j.schedule: cron(0 2 * *): EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), found 4',
    );
  });

  it('reports one YAML syntax error, with its place and the code frame, before any schema check', () => {
    // Two mistakes: the first is reported; fixing it changes what the parser makes of the rest.
    const problems = problemsOfText('jobs:\n  nightly-report: [\n  other: {\n');

    expect(problems).toEqual([
      [
        'automation.yml:3:3 Flow sequence in block collection must be sufficiently indented and end with a ]',
        '      nightly-report: [',
        '      other: {',
        '      ^',
      ].join('\n'),
    ]);
  });

  it('reports a key written twice at the second one', () => {
    const problems = problemsOfText('jobs:\n  a: {}\n  a: {}\n');

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^automation\.yml:3:3 Map keys must be unique\n/);
  });

  it('says the top level must be a mapping when the file is a plain word', () => {
    const problems = problemsOfText('hello');

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^automation\.yml:1:1 \(top level\): /);
    expect(problems[0]).not.toContain('missing');
  });
});

describe('parseAutomationText: where each schema problem is written', () => {
  /** The located problems of a text: where, then the path. */
  function locatedOf(text: string): { where: string; path: string }[] {
    try {
      parseAutomationText(text, 'a.yml');
    } catch (error) {
      expect(error).toBeInstanceOf(YamlFileError);
      return (error as YamlFileError).located.map(({ location, text: line }) => ({
        where: location ? `${location.line}:${location.column}` : '-',
        path: line.slice(0, line.indexOf(': ')),
      }));
    }
    throw new Error('the automation text was accepted');
  }

  it('points at a wrong value, at an unknown key, and at the key of the mapping that lacks a key', () => {
    const text = [
      'defaults:',
      '  cluster: batch',
      'jobs:',
      '  nightly:',
      '    schedule: cron(0 2 * * ? *)',
      '    timezone: Asia/Tokio',
      '    flavour: vanilla',
    ].join('\n');

    expect(locatedOf(text)).toEqual([
      { where: '4:3', path: 'jobs.nightly.taskDefinition' },
      { where: '6:15', path: 'jobs.nightly.timezone' },
      { where: '7:5', path: 'jobs.nightly.flavour' },
    ]);
  });

  it('points into lists and flow mappings, and at a mapping or a list by the key that names it', () => {
    const text = [
      'defaults: { cluster: batch }',
      'jobs:',
      '  j:',
      '    schedule: rate(1 hour)',
      '    taskDefinition: j',
      '    capacityProviders: [FARGATE_SPOT, FARGATE_SPOT]',
      '    network: { subnets: [subnet-0a1b2c3d, 10.0.0.0/24] }',
      '    launchRetry:',
      '      attempts: 6',
      '      backoff: 1m',
      '      maxBackoff: 5m',
    ].join('\n');

    expect(locatedOf(text)).toEqual([
      { where: '6:5', path: 'jobs.j.capacityProviders' },
      { where: '7:43', path: 'jobs.j.network.subnets.1' },
      { where: '8:5', path: 'jobs.j.launchRetry' },
    ]);
  });

  it('points at a key without a value, and follows an alias to what it names', () => {
    const text = ['shared: &batch', '  cluster: batch', '  timezone: Mars/Base', 'defaults: *batch', 'jobs:', '  j:'].join('\n');

    expect(locatedOf(text)).toEqual([
      { where: '3:13', path: 'defaults.timezone' },
      { where: '6:3', path: 'jobs.j' },
      { where: '1:1', path: 'shared' },
    ]);
  });
});

describe('validateAutomation: unknown keys', () => {
  it('reports a misspelt job key with the key it probably means', () => {
    expect(problemsOf({ jobs: { [JOB_NAME]: { ...VALID_JOB, shedule: 'x' } } })).toContain(
      'jobs.nightly-report.shedule: unknown key (did you mean "schedule"?)',
    );
  });

  it('reports a misspelt top-level key with a suggestion', () => {
    expect(problemsOf({ job: {} })).toEqual(['job: unknown key (did you mean "jobs"?)']);
  });

  it('reports a misspelt network key at its full path', () => {
    const problems = problemsOf({ jobs: { j: { ...VALID_JOB, network: { subnets: ['subnet-0a'], securityGroup: ['sg-0a'] } } } });

    expect(problems).toEqual(['jobs.j.network.securityGroup: unknown key (did you mean "securityGroups"?)']);
  });

  it('gives no suggestion when nothing is close', () => {
    expect(problemsOf({ jobs: { j: { ...VALID_JOB, flavour: 'vanilla' } } })).toEqual(['jobs.j.flavour: unknown key']);
  });

  it('never suggests the very key it rejects (a key valid elsewhere, put at the wrong level)', () => {
    const problems = problemsOf({ jobs: { j: { ...VALID_JOB, subnets: ['subnet-0a'] } } });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^jobs\.j\.subnets: unknown key/);
    expect(problems[0]).not.toContain('did you mean "subnets"');
  });
});

describe('validateAutomation: values', () => {
  it('reports every problem at once, each on its own line', () => {
    const problems = problemsOf({
      runHistory: { retention: '30m' },
      jobs: { j: { ...VALID_JOB, concurrency: 'sometimes', count: 0, timezone: 'Asia/Tokio' } },
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        'runHistory.retention: "30m" is too short: at least 3600s',
        'jobs.j.concurrency: must be allow, forbid or replace (got "sometimes")',
        'jobs.j.timezone: unknown time zone "Asia/Tokio"',
      ]),
    );
    expect(problems.find((p) => p.startsWith('jobs.j.count: '))).toBeDefined();
    expect(problems).toHaveLength(4);
  });

  it('reports a required key that is absent as missing', () => {
    const { schedule: _omitted, ...withoutSchedule } = VALID_JOB;

    expect(problemsOf({ jobs: { j: withoutSchedule } })).toEqual([
      'jobs.j.schedule: missing: give the job a schedule, or after: [jobs] to chain it',
    ]);
  });

  it('does not call a value of the wrong type "missing"', () => {
    const problems = problemsOf({ jobs: { j: { ...VALID_JOB, count: 'three' } } });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^jobs\.j\.count: /);
    expect(problems[0]).not.toContain('missing');
  });

  it('explains how to write a duration given as a bare number', () => {
    expect(problemsOf({ jobs: { j: { ...VALID_JOB, maxRuntime: 7200 } } })).toEqual([
      'jobs.j.maxRuntime: longest a run may take before it is stopped must be a duration such as "90s", "10m" or "2h"',
    ]);
  });

  it('keeps a problem on one line and short when the value it quotes holds a line break or is huge', () => {
    const problems = problemsOf({
      notifications: { groupWait: '\n' },
      jobs: { j: { ...VALID_JOB, schedule: 'cron(0 2\r\n* * ? *)', maxRuntime: `1h${'x'.repeat(100_000)}` } },
    });

    expect(problems).toContain('notifications.groupWait: "\\n" is not a duration: write e.g. "90s", "10m", "2h" or "1h30m"');
    expect(problems.filter((problem) => /[\r\n\u2028\u2029]/.test(problem))).toEqual([]);
    expect(problems.filter((problem) => problem.length > 1_000)).toEqual([]);
  });

  it('reports a duration that does not parse', () => {
    expect(problemsOf({ jobs: { j: { ...VALID_JOB, maxRuntime: '2 hours' } } })).toEqual([
      'jobs.j.maxRuntime: "2 hours" is not a duration: write e.g. "90s", "10m", "2h" or "1h30m"',
    ]);
  });

  it('reports a bad schedule expression with the parser message', () => {
    expect(problemsOf({ jobs: { j: { ...VALID_JOB, schedule: 'rate(5 minute)' } } })).toEqual([
      'jobs.j.schedule: rate(5 minute): use "minutes" with 5',
    ]);
  });

  it('explains what a job name may hold', () => {
    expect(problemsOf({ jobs: { 'nightly report': VALID_JOB } })).toEqual([
      'jobs."nightly report": a job name may hold letters, digits, "-" and "_" (at most 64, starting with a letter or digit)',
    ]);
  });

  it('quotes a key that is not a plain name in the path, so that each problem stays one line', () => {
    expect(problemsOf({ 'a\nb': 1 })).toEqual(['"a\\nb": unknown key']);
    expect(problemsOf({ jobs: { 'a\nb': VALID_JOB } })).toEqual([
      'jobs."a\\nb": a job name may hold letters, digits, "-" and "_" (at most 64, starting with a letter or digit)',
    ]);
    expect(problemsOf({ jobs: { j: { ...VALID_JOB, tags: { 'x\r\ny': 'v'.repeat(300) } } } })).toEqual([
      'jobs.j.tags."x\\r\\ny": Too big: expected string to have <=256 characters',
    ]);
  });

  it('quotes a key of 10 000 characters cut to 100', () => {
    const [problem = ''] = problemsOf({ ['k'.repeat(10_000)]: 1 });

    expect(problem).toMatch(/^"k{99}: unknown key$/);
  });

  it('quotes a key with a line break written in automation.yml, at the place of the key', () => {
    expect(problemsOfText('"a\\nb": 1\n')).toEqual(['automation.yml:1:1 "a\\nb": unknown key']);
  });

  it('quotes a wrong value cut to 100 characters, even one nested thousands of levels deep', () => {
    let nested: unknown = 'bottom';
    for (let level = 0; level < 10_000; level++) nested = { nested };

    const [deep = ''] = problemsOf({ defaults: { concurrency: nested } });
    const [long = ''] = problemsOf({ jobs: { j: { ...VALID_JOB, concurrency: 'x'.repeat(200_000) } } });

    expect(deep).toMatch(/^defaults\.concurrency: must be allow, forbid or replace \(got \(an? object that cannot be shown as JSON: /);
    expect(long).toMatch(/^jobs\.j\.concurrency: must be allow, forbid or replace \(got "x{99}\)$/);
  });

  it('explains that aws: and ecs-autopilot: tag keys are reserved', () => {
    expect(problemsOf({ jobs: { j: { ...VALID_JOB, tags: { 'ecs-autopilot:job': 'mine' } } } })).toEqual([
      'jobs.j.tags.ecs-autopilot:job: tag keys starting "aws:" or "ecs-autopilot:" are reserved',
    ]);
  });

  it('rejects a capacity provider listed twice', () => {
    expect(problemsOf({ jobs: { j: { ...VALID_JOB, capacityProviders: ['FARGATE', 'FARGATE'], network: FARGATE_NETWORK } } })).toEqual([
      'jobs.j.capacityProviders: lists a capacity provider twice',
    ]);
  });

  it('rejects a subnet that is not a subnet id', () => {
    expect(problemsOf({ jobs: { j: { ...VALID_JOB, network: { subnets: ['10.0.0.0/24'] } } } })).toEqual([
      'jobs.j.network.subnets.0: must be a subnet id (subnet-…)',
    ]);
  });

  it('reports an unknown time zone in defaults at defaults.timezone', () => {
    expect(problemsOf({ defaults: { timezone: 'Mars/Base' }, jobs: { j: VALID_JOB } })).toEqual([
      'defaults.timezone: unknown time zone "Mars/Base"',
    ]);
  });
});

describe('validateAutomation: rules across settings', () => {
  it('requires a cluster on the job or in defaults', () => {
    const { cluster: _omitted, ...withoutCluster } = VALID_JOB;

    expect(problemsOf({ jobs: { j: withoutCluster } })).toEqual(['jobs.j.cluster: missing: set it on the job or in defaults.cluster']);
  });

  it('rejects a job that sets both launchType and capacityProviders', () => {
    const problems = problemsOf({
      jobs: { j: { ...VALID_JOB, launchType: 'EC2', capacityProviders: ['my-asg-provider'] } },
    });

    expect(problems).toEqual(['jobs.j.launchType: set either launchType or capacityProviders, not both']);
  });

  it('rejects defaults that set both launchType and capacityProviders', () => {
    const problems = problemsOf({
      defaults: { launchType: 'FARGATE', capacityProviders: ['FARGATE_SPOT'], network: FARGATE_NETWORK },
      jobs: { j: VALID_JOB },
    });

    expect(problems).toEqual([expect.stringMatching(/launchType: set either launchType or capacityProviders, not both$/)]);
  });

  it.each([
    ['launchType FARGATE on the job', { launchType: 'FARGATE' }, {}],
    ['FARGATE_SPOT on the job', { capacityProviders: ['FARGATE_SPOT', 'FARGATE'] }, {}],
    ['launchType FARGATE in defaults', {}, { launchType: 'FARGATE' }],
    ['FARGATE capacity providers in defaults', {}, { capacityProviders: ['FARGATE'] }],
  ])('requires a network for Fargate (%s)', (_case, job, defaults) => {
    expect(problemsOf({ defaults, jobs: { j: { ...VALID_JOB, ...job } } })).toEqual([
      'jobs.j.network: Fargate tasks need a network (subnets, securityGroups): set it on the job or in defaults.network',
    ]);
  });

  it('does not require a network when the job overrides Fargate defaults with EC2', () => {
    const automation = validateAutomation({ defaults: { launchType: 'FARGATE' }, jobs: { j: { ...VALID_JOB, launchType: 'EC2' } } });

    expect(automation.jobs.j?.launch).toEqual({ launchType: 'EC2' });
  });

  it('accepts a Fargate job whose network comes from defaults', () => {
    const automation = validateAutomation({ defaults: { network: FARGATE_NETWORK }, jobs: { j: { ...VALID_JOB, launchType: 'FARGATE' } } });

    expect(automation.jobs.j?.network).toEqual({ ...FARGATE_NETWORK, assignPublicIp: false });
  });

  it('rejects a launch back-off longer than its cap', () => {
    expect(problemsOf({ defaults: { launchRetry: { backoff: '2m', maxBackoff: '1m' } }, jobs: { j: VALID_JOB } })).toEqual([
      'jobs.j.launchRetry: backoff must not exceed maxBackoff',
    ]);
  });
});

describe('resolveAutomation (through validateAutomation)', () => {
  it('fills every default of a minimal job', () => {
    expect(jobSpec()).toEqual({
      name: JOB_NAME,
      description: undefined,
      schedule: 'cron(0 2 * * ? *)',
      timezone: 'UTC',
      after: [],
      onUpstreamFailure: 'skip',
      suspended: false,
      cluster: 'batch',
      taskDefinition: 'nightly-report:7',
      count: 1,
      launch: { clusterDefault: true },
      platformVersion: undefined,
      network: undefined,
      overrides: undefined,
      taskRole: undefined,
      executionRole: undefined,
      concurrency: 'forbid',
      startingDeadlineSeconds: undefined,
      catchUp: 'none',
      maxRuntimeSeconds: undefined,
      launchRetry: { attempts: 4, backoff: 10, maxBackoff: 120 },
      schedulerRetry: { attempts: 3, maxEventAge: 3_600 },
      retry: {
        attempts: 1,
        backoffSeconds: 60,
        maxBackoffSeconds: 3_600,
        rules: [{ onCategory: ['user-stopped', 'timeout'], action: 'exit' }],
        otherwise: 'retry',
        afterSpotInterruption: 'next-provider',
      },
      tags: {},
      alertOnMissed: false,
      alertOnSkipped: undefined,
      expectSuccessWithinSeconds: undefined,
    });
  });

  it('keeps run history for 90 days unless told otherwise', () => {
    expect(validateAutomation({}).runHistoryRetentionSeconds).toBe(7_776_000);
    expect(validateAutomation({ runHistory: {} }).runHistoryRetentionSeconds).toBe(7_776_000);
    expect(validateAutomation({ runHistory: { retention: '30d' } }).runHistoryRetentionSeconds).toBe(2_592_000);
  });

  it('takes each unset job setting from defaults', () => {
    const job = jobSpec(
      { cluster: undefined },
      {
        cluster: 'shared-batch',
        timezone: 'Europe/Berlin',
        capacityProviders: ['FARGATE_SPOT', 'FARGATE'],
        platformVersion: '1.4.0',
        network: { ...FARGATE_NETWORK, assignPublicIp: true },
        taskRole: 'arn:aws:iam::123456789012:role/report-task',
        executionRole: 'arn:aws:iam::123456789012:role/report-exec',
        concurrency: 'replace',
        startingDeadline: '5m',
        launchRetry: { attempts: 6 },
        schedulerRetry: { attempts: 0 },
      },
    );

    expect(job).toMatchObject({
      cluster: 'shared-batch',
      timezone: 'Europe/Berlin',
      launch: { capacityProviders: ['FARGATE_SPOT', 'FARGATE'] },
      platformVersion: '1.4.0',
      network: { ...FARGATE_NETWORK, assignPublicIp: true },
      taskRole: 'arn:aws:iam::123456789012:role/report-task',
      executionRole: 'arn:aws:iam::123456789012:role/report-exec',
      concurrency: 'replace',
      startingDeadlineSeconds: 300,
      launchRetry: { attempts: 6, backoff: 10, maxBackoff: 120 },
      schedulerRetry: { attempts: 0, maxEventAge: 3_600 },
    });
  });

  it('lets the job override its defaults', () => {
    const job = jobSpec(
      { cluster: 'reports', timezone: 'Asia/Tokyo', concurrency: 'allow', startingDeadline: '1m' },
      { cluster: 'shared-batch', timezone: 'Europe/Berlin', concurrency: 'replace', startingDeadline: '5m' },
    );

    expect(job).toMatchObject({ cluster: 'reports', timezone: 'Asia/Tokyo', concurrency: 'allow', startingDeadlineSeconds: 60 });
  });

  it('takes expectSuccessWithin from defaults unless the job sets its own, and alertOn.skipped from the job', () => {
    const inherited = jobSpec({ alertOn: { skipped: 3 } }, { expectSuccessWithin: '26h' });
    const own = jobSpec({ expectSuccessWithin: '8d' }, { expectSuccessWithin: '26h' });

    expect(inherited).toMatchObject({ expectSuccessWithinSeconds: 93_600, alertOnSkipped: 3, alertOnMissed: false });
    expect(own).toMatchObject({ expectSuccessWithinSeconds: 691_200, alertOnSkipped: undefined });
  });

  it('refuses alertOn.skipped below 1 and an expectSuccessWithin shorter than five minutes', () => {
    const problems = (job: Record<string, unknown>) => {
      const result = automationSchema.safeParse({ jobs: { a: { ...VALID_JOB, ...job } } });
      return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
    };

    expect(problems({ alertOn: { skipped: 0 } })).toEqual(['jobs.a.alertOn.skipped']);
    expect(problems({ expectSuccessWithin: '1m' })).toEqual(['jobs.a.expectSuccessWithin']);
  });

  it("prefers the job's capacity providers over a default launch type", () => {
    const job = jobSpec({ capacityProviders: ['my-asg-provider'] }, { launchType: 'EC2' });

    expect(job.launch).toEqual({ capacityProviders: ['my-asg-provider'] });
  });

  it("prefers the job's launch type over default capacity providers", () => {
    const job = jobSpec({ launchType: 'EC2' }, { capacityProviders: ['FARGATE_SPOT'], network: FARGATE_NETWORK });

    expect(job.launch).toEqual({ launchType: 'EC2' });
  });

  it('converts durations to seconds', () => {
    const job = jobSpec({ maxRuntime: '1h30m', startingDeadline: '90s', launchRetry: { backoff: '15s', maxBackoff: '4m' } });

    expect(job).toMatchObject({
      maxRuntimeSeconds: 5_400,
      startingDeadlineSeconds: 90,
      launchRetry: { attempts: 4, backoff: 15, maxBackoff: 240 },
    });
  });
});

describe('describeIssues', () => {
  it('writes one line per issue and drops repeated lines', () => {
    const result = automationSchema.safeParse({ jobs: { a: { ...VALID_JOB, extra: 1 }, b: { ...VALID_JOB, extra: 1 } } });
    if (result.success) throw new Error('expected the schema to reject unknown keys');

    const lines = describeIssues([...result.error.issues, ...result.error.issues]);

    expect(lines).toEqual(['jobs.a.extra: unknown key', 'jobs.b.extra: unknown key']);
  });
});

describe('launchRetry budget', () => {
  it('rejects capacity waits that cannot fit in one invocation of run-batch-job', () => {
    const problems = problemsOf({
      defaults: { cluster: 'batch', launchType: 'EC2' },
      jobs: { big: { schedule: 'rate(1 hour)', taskDefinition: 'x', launchRetry: { attempts: 6, backoff: '1m', maxBackoff: '5m' } } },
    });

    expect(problems).toEqual([
      'jobs.big.launchRetry: the waits between 6 rounds add up to 1020s; keep them within 600s so a launch finishes inside one invocation (fewer attempts or a smaller maxBackoff)',
    ]);
  });
});

describe("a job's task environment, command placeholders and success policy", () => {
  it('refuses an unknown placeholder in a command, naming the ones a command may use', () => {
    const job = { ...VALID_JOB, overrides: { containers: { report: { command: ['sync', '--since', '{{scheduled_time}}'] } } } };

    expect(problemsOf({ jobs: { [JOB_NAME]: job } })).toEqual([
      `jobs.${JOB_NAME}.overrides.containers.report.command: unknown placeholder {{scheduled_time}}: a command may use {{scheduledTime}}, {{attempt}}, {{runId}}, {{job}}, {{taskIndex}}, {{taskCount}}`,
    ]);
  });

  it('takes the known placeholders', () => {
    const job = { ...VALID_JOB, overrides: { containers: { report: { command: ['sync', '{{scheduledTime}}', '{{ taskIndex }}'] } } } };

    expect(validateAutomation({ jobs: { [JOB_NAME]: job } }).jobs[JOB_NAME]?.overrides?.containers?.report?.command).toEqual([
      'sync',
      '{{scheduledTime}}',
      '{{ taskIndex }}',
    ]);
  });

  it('refuses an environment variable of the reserved ECS_AUTOPILOT_ names', () => {
    const job = { ...VALID_JOB, overrides: { containers: { report: { environment: { ECS_AUTOPILOT_ATTEMPT: '1' } } } } };

    expect(problemsOf({ jobs: { [JOB_NAME]: job } })).toEqual([
      expect.stringMatching(/ECS_AUTOPILOT_ATTEMPT.*environment names starting "ECS_AUTOPILOT_" are reserved/),
    ]);
  });

  it('resolves success: all to every task, and { atLeast: N } to N', () => {
    expect(jobSpec({ count: 3 }).successAtLeast).toBeUndefined();
    expect(jobSpec({ count: 3, success: { atLeast: 2 } }).successAtLeast).toBe(2);
  });

  it('refuses success.atLeast above the count, and any other success', () => {
    expect(problemsOf({ jobs: { [JOB_NAME]: { ...VALID_JOB, count: 2, success: { atLeast: 3 } } } })).toEqual([
      `jobs.${JOB_NAME}.success: atLeast 3 is more than the job's count of 2 tasks`,
    ]);
    expect(problemsOf({ jobs: { [JOB_NAME]: { ...VALID_JOB, success: 'any' } } })).toEqual([
      `jobs.${JOB_NAME}.success: must be all or { atLeast: N }`,
    ]);
  });
});
