import { describe, expect, it } from 'vitest';
import { decideFiring } from '../../shared/jobs/decide-firing.ts';
import { activeTask, firingFacts, JOB_NAME, jobSpec, runRecord, SCHEDULED_TIME, taskArn } from './fixtures.ts';

const PREVIOUS_RUN = '2026-11-21T02:00:00.000Z';

describe('decideFiring: redeliveries of a handled firing', () => {
  it('is a duplicate when the run is settled and its event was published', () => {
    const facts = firingFacts({ existing: runRecord({ status: 'launched', eventPublished: true }) });

    expect(decideFiring(facts)).toEqual({ kind: 'duplicate', reason: 'firing already handled: run is launched' });
  });

  it('republishes the outcome of a settled run whose event never reached the bus', () => {
    const record = runRecord({ status: 'skipped', eventPublished: false });

    expect(decideFiring(firingFacts({ existing: record }))).toEqual({ kind: 'republish', record });
  });

  it('does not launch again for a settled run even when its tasks are still running', () => {
    const facts = firingFacts({
      existing: runRecord({ status: 'launched', eventPublished: true, taskArns: [taskArn('t1')] }),
      activeTasks: [activeTask('t1')],
    });

    expect(decideFiring(facts).kind).toBe('duplicate');
  });
});

describe('decideFiring: launches in flight', () => {
  it('backs off while another invocation holds the launch lease', () => {
    const facts = firingFacts({
      now: new Date('2026-11-22T02:00:30.000Z'),
      existing: runRecord({ status: 'launching', leaseUntil: '2026-11-22T02:01:00.000Z' }),
    });

    expect(decideFiring(facts)).toEqual({
      kind: 'in-progress',
      reason: 'another invocation is launching this firing until 2026-11-22T02:01:00.000Z',
    });
  });

  it('takes over a launch whose lease has expired', () => {
    const facts = firingFacts({
      now: new Date('2026-11-22T02:01:00.001Z'),
      existing: runRecord({ status: 'launching', leaseUntil: '2026-11-22T02:01:00.000Z' }),
    });

    expect(decideFiring(facts)).toEqual({ kind: 'launch', stopFirst: [], stopReason: undefined });
  });

  it('adopts the tasks of this very firing that an earlier invocation launched before it died', () => {
    const facts = firingFacts({
      existing: runRecord({ status: 'launching' }),
      activeTasks: [activeTask('t1'), activeTask('t2'), activeTask('old', PREVIOUS_RUN)],
    });

    expect(decideFiring(facts)).toEqual({ kind: 'adopt', taskArns: [taskArn('t1'), taskArn('t2')] });
  });

  it('adopts its tasks even when delivered after the starting deadline', () => {
    const facts = firingFacts({
      job: jobSpec({ startingDeadline: '1m' }),
      now: new Date('2026-11-22T02:10:00.000Z'),
      activeTasks: [activeTask('t1')],
    });

    expect(decideFiring(facts)).toEqual({ kind: 'adopt', taskArns: [taskArn('t1')] });
  });

  it('does not adopt the tasks of another attempt of the same firing', () => {
    const facts = firingFacts({
      firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 2 },
      job: jobSpec({ concurrency: 'allow' }),
      activeTasks: [activeTask('t1', SCHEDULED_TIME, 1)],
    });

    expect(decideFiring(facts)).toEqual({ kind: 'launch', stopFirst: [], stopReason: undefined });
  });
});

describe('decideFiring: starting deadline', () => {
  it('misses a first attempt delivered after the starting deadline', () => {
    const facts = firingFacts({ job: jobSpec({ startingDeadline: '5m' }), now: new Date('2026-11-22T02:07:30.000Z') });

    expect(decideFiring(facts)).toEqual({
      kind: 'missed',
      reason: 'delivered 7m30s after its scheduled time, past the startingDeadline of 5m',
    });
  });

  it('launches a first attempt delivered exactly at the deadline', () => {
    const facts = firingFacts({ job: jobSpec({ startingDeadline: '5m' }), now: new Date('2026-11-22T02:05:00.000Z') });

    expect(decideFiring(facts).kind).toBe('launch');
  });

  it('never misses a retry attempt, which is late by design', () => {
    const facts = firingFacts({
      firing: { job: JOB_NAME, scheduledTime: SCHEDULED_TIME, attempt: 2 },
      job: jobSpec({ startingDeadline: '5m' }),
      now: new Date('2026-11-22T05:00:00.000Z'),
    });

    expect(decideFiring(facts).kind).toBe('launch');
  });

  it('launches however late when the job has no starting deadline', () => {
    const facts = firingFacts({ now: new Date('2026-11-23T02:00:00.000Z') });

    expect(decideFiring(facts).kind).toBe('launch');
  });
});

describe('decideFiring: concurrency with an earlier run still going', () => {
  it('launches when no other run is active', () => {
    expect(decideFiring(firingFacts({ job: jobSpec({ concurrency: 'forbid' }) }))).toEqual({
      kind: 'launch',
      stopFirst: [],
      stopReason: undefined,
    });
  });

  it('skips under forbid, naming the run that is still running and its task', () => {
    const facts = firingFacts({ job: jobSpec({ concurrency: 'forbid' }), activeTasks: [activeTask('0f1e2d', PREVIOUS_RUN)] });

    expect(decideFiring(facts)).toEqual({
      kind: 'skipped',
      reason: 'concurrency is forbid and the run scheduled at 2026-11-21T02:00:00.000Z (task 0f1e2d) is still running',
    });
  });

  it('names every run and task under forbid when several are running', () => {
    const untagged = { taskArn: taskArn('ccc'), lastStatus: 'RUNNING', scheduledTime: undefined, attempt: undefined };
    const facts = firingFacts({
      job: jobSpec({ concurrency: 'forbid' }),
      activeTasks: [activeTask('aaa', PREVIOUS_RUN), activeTask('bbb', '2026-11-20T02:00:00.000Z'), untagged],
    });

    expect(decideFiring(facts)).toEqual({
      kind: 'skipped',
      reason:
        'concurrency is forbid and the runs scheduled at 2026-11-21T02:00:00.000Z, 2026-11-20T02:00:00.000Z, an unknown time (task aaa, bbb, ccc) are still running',
    });
  });

  it('forbid is the default', () => {
    const facts = firingFacts({ activeTasks: [activeTask('0f1e2d', PREVIOUS_RUN)] });

    expect(decideFiring(facts).kind).toBe('skipped');
  });

  it('under replace, launches after stopping the running tasks with a reason that names the new run', () => {
    const running = [activeTask('aaa', PREVIOUS_RUN), activeTask('bbb', PREVIOUS_RUN)];
    const facts = firingFacts({ job: jobSpec({ concurrency: 'replace' }), activeTasks: running });

    expect(decideFiring(facts)).toEqual({
      kind: 'launch',
      stopFirst: running,
      stopReason: 'ecs-autopilot: replaced by the run scheduled at 2026-11-22T02:00:00.000Z (concurrency: replace)',
    });
  });

  it('under allow, launches alongside the running tasks', () => {
    const facts = firingFacts({ job: jobSpec({ concurrency: 'allow' }), activeTasks: [activeTask('aaa', PREVIOUS_RUN)] });

    expect(decideFiring(facts)).toEqual({ kind: 'launch', stopFirst: [], stopReason: undefined });
  });
});
