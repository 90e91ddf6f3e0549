import { describe, expect, it } from 'vitest';
import { FAILED_TO_START_KINDS, HEALTH_CHECK_KINDS, STOP_CATEGORIES, type StopCategory } from '../../shared/stopped-tasks/categories.ts';
import { classifyStop } from '../../shared/stopped-tasks/classify.ts';
import type { TaskStopFacts } from '../../shared/stopped-tasks/stop-facts.ts';
import { parseTaskStateChange } from '../../shared/stopped-tasks/task-event.ts';
import { type StoppedTaskOverrides, stoppedTaskEvent, taskEvent, taskEventNames } from '../fixtures/task-events.ts';

function factsOf(name: string): TaskStopFacts {
  return parseTaskStateChange(taskEvent(name));
}

function built(overrides: StoppedTaskOverrides): TaskStopFacts {
  return parseTaskStateChange(stoppedTaskEvent(overrides));
}

const EVERY_FIXTURE: [fixture: string, category: StopCategory, subKind: string | undefined][] = [
  ['batch-job-completed', 'completed', undefined],
  ['batch-job-failed', 'app-error', undefined],
  ['batch-job-failed-deprovisioning', 'app-error', undefined],
  ['service-sidecar-ok-app-exit-2', 'app-error', undefined],
  ['out-of-memory', 'out-of-memory', undefined],
  ['elb-health-check-failed', 'health-check-failed', 'elb'],
  ['container-health-check-failed', 'health-check-failed', 'container'],
  ['image-pull-failed', 'failed-to-start', 'image-pull'],
  ['resource-initialization-failed', 'failed-to-start', 'resource-initialization'],
  ['container-start-failed', 'failed-to-start', 'container-start'],
  ['volume-creation-failed', 'failed-to-start', 'volume-creation'],
  ['capacity-no-free-addresses', 'failed-to-start', 'capacity'],
  ['failed-to-start-other', 'failed-to-start', 'other'],
  ['spot-interruption-notice', 'spot-interruption', undefined],
  ['spot-interruption-stopped', 'spot-interruption', undefined],
  ['scaled-in-deployment-137', 'scaled-in', undefined],
  ['user-stopped', 'user-stopped', undefined],
  ['host-lost-ec2', 'host-lost', undefined],
  // An EC2 Auto Scaling scale-in terminated the host: TerminationNotice, and no word of Spot.
  ['host-terminated-scale-in', 'host-lost', undefined],
  ['host-maintenance-fargate', 'host-lost', undefined],
  ['ecs-autopilot-timeout', 'timeout', undefined],
  ['ecs-autopilot-replaced', 'replaced', undefined],
  ['unknown', 'unknown', undefined],
];

describe('classifyStop on the fixtures', () => {
  it.each(EVERY_FIXTURE)('%s is %s %s', (fixture, category, subKind) => {
    const classification = classifyStop(factsOf(fixture));

    expect(classification.category).toBe(category);
    expect(classification.subKind).toBe(subKind);
    expect(classification.because).toMatch(/^\S.*\S$/);
    expect(classification.because).not.toContain('\n');
  });

  it('covers every fixture, every category and every sub-kind', () => {
    expect(EVERY_FIXTURE.map(([fixture]) => fixture).sort()).toEqual(taskEventNames());
    expect(new Set(EVERY_FIXTURE.map(([, category]) => category))).toEqual(new Set(STOP_CATEGORIES));
    expect(new Set(EVERY_FIXTURE.map(([, , subKind]) => subKind).filter(Boolean))).toEqual(
      new Set([...FAILED_TO_START_KINDS, ...HEALTH_CHECK_KINDS]),
    );
  });

  it.each([
    ['service-sidecar-ok-app-exit-2', 'container "app" exited 2 (stop code EssentialContainerExited)'],
    ['batch-job-completed', 'container "report" exited 0 (stop code EssentialContainerExited)'],
    ['ecs-autopilot-timeout', 'stopped by ecs-autopilot: "exceeded maxRuntime 2h"'],
    ['out-of-memory', 'container "worker" ran out of memory: "OutOfMemoryError: Container killed due to memory usage", exit 137'],
    ['user-stopped', '"Task stopped by user" (stop code UserInitiated)'],
    ['unknown', 'no rule matched: last status STOPPED, no stop code, no reason, no exit code'],
  ])('says why %s: %s', (fixture, because) => {
    expect(classifyStop(factsOf(fixture)).because).toBe(because);
  });

  it('names the container whose reason decided a start failure', () => {
    expect(classifyStop(factsOf('container-start-failed')).because).toMatch(/^container "export" says "CannotStartContainerError: /);
  });

  it('cuts a long reason short, on one line', () => {
    const because = classifyStop(factsOf('resource-initialization-failed')).because;

    expect(because.length).toBeLessThan(260);
    expect(because).toContain('…"');
  });
});

describe('exit code 137', () => {
  it('alone is an app error, not out-of-memory', () => {
    const classification = classifyStop(built({ containers: [{ name: 'report', exitCode: 137 }] }));

    expect(classification).toEqual({
      category: 'app-error',
      because: 'container "report" exited 137 (stop code EssentialContainerExited)',
    });
  });

  it('in a deployment scale-in is scaled-in', () => {
    expect(classifyStop(factsOf('scaled-in-deployment-137')).category).toBe('scaled-in');
  });

  it('is out-of-memory only with the OutOfMemoryError reason', () => {
    const facts = built({
      containers: [{ name: 'report', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }],
    });

    expect(classifyStop(facts).category).toBe('out-of-memory');
  });
});

describe('reasons ECS gives', () => {
  it.each([
    ['RESOURCE:MEMORY', 'capacity'],
    ['EMPTY CAPACITY PROVIDER', 'capacity'],
    ['NO ACTIVE INSTANCES', 'capacity'],
    ['Capacity is unavailable at this time. Please try again later or in a different availability zone', 'capacity'],
    ['MemberOf placement constraint unsatisfied', 'capacity'],
    [
      'ContainerRuntimeTimeoutError: Could not transition to running; timed out after waiting 1m: context deadline exceeded',
      'container-start',
    ],
    ['DockerTimeoutError: Could not transition to started; timed out after waiting 3m0s', 'container-start'],
    ['ResourceInitializationError: failed to validate logger args: the specified log group does not exist', 'resource-initialization'],
    ['Timeout waiting for network interface provisioning to complete.', 'other'],
  ])('TaskFailedToStart "%s" is failed-to-start %s', (stoppedReason, subKind) => {
    const facts = built({ stopCode: 'TaskFailedToStart', stoppedReason, containers: [{ name: 'report' }] });

    expect(classifyStop(facts)).toMatchObject({ category: 'failed-to-start', subKind });
  });

  it('finds a start error in a container reason whatever the stop code', () => {
    const facts = built({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'report', reason: 'CannotPullContainerError: Error response from daemon: pull access denied for report' }],
    });

    expect(classifyStop(facts)).toMatchObject({ category: 'failed-to-start', subKind: 'image-pull' });
  });

  it.each([
    ['Host EC2 (instance i-0a1b2c3d4e5f60789) terminated.', undefined],
    ['Host EC2 (instance i-0a1b2c3d4e5f60789) stopped.', undefined],
    ['Container instance deregistration forced by user', 'UserInitiated'],
    ['Service api: container instance is in DRAINING state', 'ServiceSchedulerInitiated'],
    ['ECS is performing maintenance on the underlying infrastructure hosting the task', 'ServiceSchedulerInitiated'],
    ['Service api: ECS is performing maintenance on the underlying infrastructure hosting the task', 'ServiceSchedulerInitiated'],
    ['Task stopped due to infrastructure health', undefined],
    ['', 'InfrastructureHealth'],
  ])('"%s" (stop code %s) is host-lost', (stoppedReason, stopCode) => {
    const facts = built({
      group: 'service:api',
      stopCode,
      stoppedReason: stoppedReason || undefined,
      containers: [{ name: 'app', exitCode: 143 }],
    });

    expect(classifyStop(facts).category).toBe('host-lost');
  });

  it.each([
    ['Scaling activity initiated by (deployment ecs-svc/4918826309718265037)', 'ServiceSchedulerInitiated'],
    ['Scaling activity initiated by (deployment ecs-svc/4918826309718265037)', undefined],
    ['Service api has stopped 1 running tasks in eu-west-1b due to AZ rebalancing', 'ServiceSchedulerInitiated'],
  ])('"%s" (stop code %s) is scaled-in', (stoppedReason, stopCode) => {
    const facts = built({ group: 'service:api', stopCode, stoppedReason, containers: [{ name: 'app', exitCode: 137 }] });

    expect(classifyStop(facts).category).toBe('scaled-in');
  });

  it('takes an old Spot notice (TerminationNotice) for a Spot interruption', () => {
    const facts = built({
      lastStatus: 'RUNNING',
      stopCode: 'TerminationNotice',
      stoppedReason: 'Your Spot Task was interrupted.',
      containers: [],
    });

    expect(classifyStop(facts).category).toBe('spot-interruption');
    expect(classifyStop(facts).because).toMatch(/^Spot interruption notice/);
  });

  it('takes a TerminationNotice that names no Spot for a host going away, not a Spot interruption', () => {
    const notice = built({
      group: 'service:api',
      lastStatus: 'RUNNING',
      stopCode: 'TerminationNotice',
      stoppedReason: 'Host EC2 (instance i-0a1b2c3d4e5f60789) terminated.',
      launchType: 'EC2',
      capacityProviderName: 'api-asg',
      containers: [],
    });
    const bare = built({
      group: 'service:api',
      stopCode: 'TerminationNotice',
      stoppedReason: undefined,
      launchType: 'EC2',
      containers: [],
    });

    expect(classifyStop(notice)).toMatchObject({ category: 'host-lost', because: expect.stringMatching(/^termination notice/) });
    expect(classifyStop(bare).category).toBe('host-lost');
  });

  it('takes a Spot notice without a stop code for a Spot interruption, by its reason', () => {
    const facts = built({ lastStatus: 'RUNNING', stopCode: undefined, stoppedReason: 'Your Spot Task was interrupted.', containers: [] });

    expect(classifyStop(facts).category).toBe('spot-interruption');
  });
});

describe('precedence', () => {
  it.each<[string, StoppedTaskOverrides, StopCategory]>([
    [
      "ecs-autopilot's own stop before a person's (both are UserInitiated)",
      {
        stopCode: 'UserInitiated',
        stoppedReason: 'ecs-autopilot: exceeded maxRuntime 30m',
        containers: [{ name: 'report', exitCode: 137 }],
      },
      'timeout',
    ],
    [
      'an ecs-autopilot reason it does not recognise falls through to the other rules',
      { stopCode: 'UserInitiated', stoppedReason: 'ecs-autopilot: something new', containers: [{ name: 'report', exitCode: 143 }] },
      'user-stopped',
    ],
    [
      'a Spot interruption before a start failure',
      {
        stopCode: 'SpotInterruption',
        stoppedReason: 'Your Spot Task was interrupted.',
        containers: [{ name: 'report', reason: 'CannotPullContainerError: context canceled' }],
      },
      'spot-interruption',
    ],
    [
      'a Spot interruption before the exit codes it caused',
      { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.', containers: [{ name: 'report', exitCode: 1 }] },
      'spot-interruption',
    ],
    [
      'an EC2 host terminated with TerminationNotice is a lost host: Auto Scaling scale-in sends it too, not only Spot',
      {
        stopCode: 'TerminationNotice',
        stoppedReason: 'Host EC2 (instance i-0a1b2c3d4e5f60789) terminated.',
        launchType: 'EC2',
        containers: [],
      },
      'host-lost',
    ],
    [
      'a lost EC2 host before the exit codes it caused, whatever the stop code',
      {
        stopCode: 'SpotInterruption',
        stoppedReason: 'Host EC2 (instance i-0a1b2c3d4e5f60789) stopped.',
        launchType: 'EC2',
        containers: [{ name: 'report', exitCode: 1 }],
      },
      'host-lost',
    ],
    [
      'out-of-memory before the health check failure it caused',
      {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Task failed container health checks',
        containers: [{ name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }],
      },
      'out-of-memory',
    ],
    [
      'out-of-memory before a person stopping the task',
      {
        stopCode: 'UserInitiated',
        containers: [{ name: 'report', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }],
      },
      'out-of-memory',
    ],
    [
      'a health check failure before the scheduler stop code it comes with',
      {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Task failed ELB health checks in (elb api-lb)',
        containers: [{ name: 'app', exitCode: 0 }],
      },
      'health-check-failed',
    ],
    [
      'a lost host before a scale-in',
      {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Service api: container instance is in DRAINING state',
        containers: [{ name: 'app', exitCode: 137 }],
      },
      'host-lost',
    ],
    [
      "a person's stop reason that happens to read like a placement failure",
      {
        stopCode: 'UserInitiated',
        stoppedReason: 'restarting the AGENT in this LOCATION',
        containers: [{ name: 'report', exitCode: 143 }],
      },
      'user-stopped',
    ],
    [
      'a placement failure reported without a stop code',
      { stopCode: undefined, stoppedReason: 'RESOURCE:MEMORY', containers: [{ name: 'report' }] },
      'failed-to-start',
    ],
    [
      'a person before the exit codes',
      { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user', containers: [{ name: 'report', exitCode: 1 }] },
      'user-stopped',
    ],
    [
      'exit codes decide without a stop code',
      { stopCode: undefined, stoppedReason: 'Essential container in task exited', containers: [{ name: 'report', exitCode: 3 }] },
      'app-error',
    ],
    [
      'exit codes do not decide after a stop code that says ECS stopped it',
      { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Something ECS says one day', containers: [{ name: 'app', exitCode: 1 }] },
      'unknown',
    ],
    [
      'a stop code ECS may add one day is unknown rather than guessed',
      { stopCode: 'SomethingNew', stoppedReason: 'Essential container in task exited', containers: [{ name: 'report', exitCode: 0 }] },
      'unknown',
    ],
  ])('%s', (_, overrides, category) => {
    expect(classifyStop(built(overrides)).category).toBe(category);
  });
});

describe('essential containers', () => {
  const sidecarFailed = built({
    group: 'service:api',
    containers: [
      { name: 'log-router', exitCode: 1 },
      { name: 'app', exitCode: 0 },
    ],
  });

  it("does not blame a sidecar's exit code when the essential containers are known", () => {
    expect(classifyStop(sidecarFailed, { essentialContainers: ['app'] })).toEqual({
      category: 'completed',
      because: 'container "app" exited 0 (stop code EssentialContainerExited)',
    });
  });

  it('counts every container with an exit code when they are not known', () => {
    expect(classifyStop(sidecarFailed)).toMatchObject({ category: 'app-error', because: expect.stringContaining('"log-router" exited 1') });
  });

  it('names the essential container that failed, not a sidecar listed first', () => {
    const facts = built({
      containers: [
        { name: 'log-router', exitCode: 1 },
        { name: 'app', exitCode: 2 },
      ],
    });

    expect(classifyStop(facts, { essentialContainers: ['app'] }).because).toBe(
      'container "app" exited 2 (stop code EssentialContainerExited)',
    );
  });

  it('lists every essential container that completed', () => {
    const facts = built({
      containers: [
        { name: 'app', exitCode: 0 },
        { name: 'log-router', exitCode: 0 },
      ],
    });

    expect(classifyStop(facts, { essentialContainers: ['app', 'log-router'] }).because).toBe(
      'containers "app", "log-router" exited 0 (stop code EssentialContainerExited)',
    );
  });

  it('is not completed while an essential container has no exit code', () => {
    const facts = built({ containers: [{ name: 'log-router', exitCode: 0 }, { name: 'app' }] });

    expect(classifyStop(facts, { essentialContainers: ['app'] }).category).toBe('unknown');
    expect(classifyStop(facts).category).toBe('completed');
  });

  it('does not call the task out-of-memory for a sidecar killed for memory', () => {
    const facts = built({
      containers: [
        { name: 'log-router', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
        { name: 'app', exitCode: 1 },
      ],
    });

    expect(classifyStop(facts, { essentialContainers: ['app'] }).category).toBe('app-error');
    expect(classifyStop(facts).category).toBe('out-of-memory');
  });
});

describe('totality', () => {
  const ODD_VALUES: unknown[] = [
    undefined,
    null,
    '',
    'STOPPED',
    0,
    -1,
    137,
    Number.NaN,
    1.5,
    true,
    {},
    [],
    [null],
    'OutOfMemoryError',
    'ecs-autopilot:',
  ];
  const ODD_CONTAINERS: unknown[] = [
    undefined,
    null,
    'app',
    [],
    [null, 42, 'x'],
    [{}],
    [{ name: 7, exitCode: '1', reason: 3 }],
    [{ name: 'app', exitCode: Number.POSITIVE_INFINITY }],
    [{ name: 'app', exitCode: 2, reason: null }],
    [{ name: 'app', reason: 'CannotPullContainerError: x' }],
  ];
  const FIELDS = ['lastStatus', 'desiredStatus', 'stopCode', 'stoppedReason', 'isSpotNotice'] as const;

  // A small deterministic generator: the same odd inputs on every run.
  function* randomNumbers(seed: number): Generator<number> {
    let state = seed;
    for (;;) {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      yield state;
    }
  }

  it('gives every odd input one known category and never throws', () => {
    const random = randomNumbers(2026);
    const pick = <T>(values: readonly T[]): T => values[(random.next().value as number) % values.length] as T;
    const base = factsOf('service-sidecar-ok-app-exit-2');
    for (let i = 0; i < 2_000; i++) {
      const facts: Record<string, unknown> = { ...base, containers: pick(ODD_CONTAINERS) };
      for (const field of FIELDS) facts[field] = pick([...ODD_VALUES, base[field]]);
      const context = pick<unknown>([
        undefined,
        {},
        { essentialContainers: ['app'] },
        { essentialContainers: 'app' },
        { essentialContainers: [] },
        null,
      ]);

      const classification = classifyStop(facts as unknown as TaskStopFacts, context as never);

      expect(STOP_CATEGORIES).toContain(classification.category);
      expect(classification.because).toEqual(expect.any(String));
      expect(classification.because.length).toBeGreaterThan(0);
      if (classification.subKind !== undefined) expect(['failed-to-start', 'health-check-failed']).toContain(classification.category);
    }
  });

  it('classifies facts that are not even an object as unknown', () => {
    expect(classifyStop(undefined as never).category).toBe('unknown');
    expect(classifyStop(null as never).category).toBe('unknown');
  });
});
