import { describe, expect, it } from 'vitest';
import { parseNotifyInput } from '../../shared/alerts/trigger.ts';
import { BadEventError } from '../../shared/errors.ts';
import { type AlertBlock, alertGroupKey } from '../../shared/events/alert.ts';
import { runOutcomeEvent } from '../../shared/jobs/trigger.ts';
import {
  busEvent,
  crashLoop,
  deploymentRolledBack,
  jobRunFailed,
  serviceAlert,
  serviceScalingFailed,
  serviceTaskStopped,
  watchedTaskRestartFailed,
  watchedTaskStopped,
} from '../helpers/alert-events.ts';
import { runRecord } from './fixtures.ts';

function badEventMessage(event: unknown): string {
  try {
    parseNotifyInput(event);
  } catch (error) {
    expect(error).toBeInstanceOf(BadEventError);
    return (error as Error).message;
  }
  throw new Error('expected a BadEventError');
}

describe('parseNotifyInput: timers', () => {
  it('reads a timer input', () => {
    const input = { timer: 'alert-flush', groupKey: 'prod|service:web|out-of-memory', at: '2026-11-22T02:00:35.000Z' };

    expect(parseNotifyInput(input)).toEqual({ kind: 'timer', timer: input });
  });

  it('names what is wrong with a malformed timer input', () => {
    const message = badEventMessage({ timer: 'alert-snooze', groupKey: '', at: 'soon' });

    expect(message).toMatch(/^not a notify timer input \(timer: .*; groupKey: .*; at: .*\)/);
  });
});

describe('parseNotifyInput: bus events', () => {
  it('reads an alert with the whole detail as the sample', () => {
    const detail = serviceTaskStopped();
    const input = parseNotifyInput(busEvent('Service Task Stopped', detail, { id: 'e-7', time: '2026-11-22T02:00:06Z' }));

    expect(input).toEqual({
      kind: 'alert',
      alert: serviceAlert(),
      sample: { id: 'e-7', detailType: 'Service Task Stopped', time: '2026-11-22T02:00:06.000Z', detail },
      eventId: 'eventbridge:e-7',
    });
  });

  it('counts an event by the id of the decision it reports (detail.eventId), which a republished event keeps', () => {
    const detail = { ...serviceTaskStopped(), eventId: 'service-task-stopped:web:0f1e2d3c' };

    expect(parseNotifyInput(busEvent('Service Task Stopped', detail, { id: 'e-7' }))).toMatchObject({
      eventId: 'service-task-stopped:web:0f1e2d3c',
    });
    expect(parseNotifyInput(busEvent('Service Task Stopped', detail, { id: 'e-8' }))).toMatchObject({
      eventId: 'service-task-stopped:web:0f1e2d3c',
    });
  });

  it('names a malformed detail.eventId', () => {
    const detail = { ...serviceTaskStopped(), eventId: 42 };

    expect(badEventMessage(busEvent('Service Task Stopped', detail, { id: 'e-9' }))).toMatch(
      /^the "Service Task Stopped" event "e-9" has a malformed detail\.eventId \(value: /,
    );
  });

  it.each([
    ['Job Run Failed', jobRunFailed()],
    ['Job Run Timed Out', jobRunFailed({ status: 'timed-out', stop: undefined, retry: undefined })],
    ['Crash Loop Detected', crashLoop()],
    ['Watched Task Stopped', watchedTaskStopped()],
    ['Watched Task Stopped', watchedTaskStopped({ decision: { kind: 'no-restart', reason: 'restart: never' } })],
    ['Service Task Stopped', serviceTaskStopped()],
    ['Watched Task Restart Failed', watchedTaskRestartFailed()],
    ['Service Scaling Failed', serviceScalingFailed()],
    ['Deployment Rolled Back', deploymentRolledBack()],
    // Before its first step: no colours yet, no weights.
    [
      'Deployment Failed',
      deploymentRolledBack({ stage: 'failed', from: undefined, to: undefined, fromService: undefined, toService: undefined, weights: [] }),
    ],
  ])('accepts a %s event as its publisher shapes it', (detailType, detail) => {
    expect(parseNotifyInput(busEvent(detailType, JSON.parse(JSON.stringify(detail)))).kind).toBe('alert');
  });

  it.each([
    ['a reason that is not text', { reason: 42 }, /reason: /],
    ['weights that are not a list', { weights: 'none' }, /weights: /],
    ['a weight without its percent', { weights: [{ at: '2026-11-22T02:04:00.000Z', why: 'step 1' }] }, /weights\.0\.newPercent: /],
    ['no deployment id', { deploymentId: undefined }, /deploymentId: /],
  ])('refuses a Deployment Rolled Back with %s, naming the field', (_what, fields, field) => {
    const detail = JSON.parse(JSON.stringify(deploymentRolledBack(fields)));

    const message = badEventMessage(busEvent('Deployment Rolled Back', detail, { id: 'e-11' }));

    expect(message).toMatch(/^the "Deployment Rolled Back" event "e-11" has a malformed detail \(/);
    expect(message).toMatch(field);
    expect(message).not.toContain('\n');
  });

  it.each([
    ['Watched Task Restart Failed', watchedTaskRestartFailed({ nextStep: ['resume'] })],
    ['Service Scaling Failed', serviceScalingFailed({ reason: undefined })],
  ])('refuses a malformed %s', (detailType, detail) => {
    expect(badEventMessage(busEvent(detailType, JSON.parse(JSON.stringify(detail))))).toMatch(/has a malformed detail/);
  });

  it('refuses an alert in an event of a type notify has no schema for: it cannot say what the message would show', () => {
    const message = badEventMessage(busEvent('Service Scaled', { reason: 'x', alert: serviceAlert() }, { id: 'e-12' }));

    expect(message).toMatch(/^the "Service Scaled" event "e-12" carries an alert, but notify renders none of its kind \(it renders /);
  });

  it('refuses an alert that would resolve its group from an event that never resolves one', () => {
    const resolves = {
      cluster: 'prod',
      subject: { kind: 'watched-task', name: 'ingest' },
      category: 'crash-loop',
      severity: 'warning',
      resolves: true,
    };

    expect(badEventMessage(busEvent('Job Run Launched', { job: 'x', alert: resolves }))).toMatch(
      /carries an alert, but notify renders none/,
    );
  });

  it('reads an event whose alert resolves its group (restarts resumed) as a resolution, not a count', () => {
    const alert = {
      cluster: 'workers',
      subject: { kind: 'watched-task', name: 'queue-worker' },
      category: 'crash-loop',
      severity: 'warning',
      resolves: true,
    };

    const event = busEvent(
      'Watched Task Restarts Resumed',
      { watchedTask: 'queue-worker', alert },
      { id: 'e-9', time: '2026-11-22T09:30:00Z' },
    );

    expect(parseNotifyInput(event)).toEqual({
      kind: 'resolution',
      alert,
      id: 'e-9',
      detailType: 'Watched Task Restarts Resumed',
      time: '2026-11-22T09:30:00.000Z',
    });
  });

  it("reads a job's success, as the job runs publish it, as the resolution of the job's failure group", () => {
    const lastTry = { willRetry: false as const, because: 'attempt 1 was the last of 1' };
    const failed = runOutcomeEvent(
      runRecord({ status: 'failed', category: 'app-error', retry: lastTry }),
      new Date('2026-11-22T02:05:00Z'),
    );
    const succeeded = runOutcomeEvent(
      runRecord({ scheduledTime: '2026-11-22T03:00:00.000Z', status: 'succeeded', endedAt: '2026-11-22T03:04:00.000Z' }),
      new Date('2026-11-22T03:04:01Z'),
    );

    const input = parseNotifyInput(busEvent(succeeded.detailType, succeeded.detail, { id: 'e-10', time: '2026-11-22T03:04:01Z' }));

    expect(input).toEqual({
      kind: 'resolution',
      alert: expect.objectContaining({ resolves: true }),
      id: 'e-10',
      detailType: 'Job Run Succeeded',
      time: '2026-11-22T03:04:01.000Z',
    });
    expect(input.kind === 'resolution' && alertGroupKey(input.alert)).toBe(alertGroupKey(failed.detail.alert as AlertBlock));
  });

  it('reads a missed firing, as the job runs publish it when the job says alertOn.missed, as an alert', () => {
    const run = runRecord({ status: 'missed', reason: 'delivered 15m after its scheduled time, past the startingDeadline of 10m' });
    const missed = runOutcomeEvent(run, new Date('2026-11-22T02:15:00Z'), { alertMissed: true });

    const input = parseNotifyInput(busEvent(missed.detailType, { ...missed.detail, eventId: missed.id }, { id: 'e-11' }));

    expect(input).toMatchObject({ kind: 'alert', eventId: missed.id, alert: { category: 'job-failing' } });
  });

  it('reads a skip past alertOn.skipped, as the job runs publish it, as an alert; and a skip without one as none', () => {
    const run = runRecord({ status: 'skipped', reason: 'concurrency is forbid and the run … is still running', consecutiveSkips: 3 });
    const alerting = runOutcomeEvent(run, new Date('2026-11-22T02:00:05Z'), { alertSkipped: true });
    const quiet = runOutcomeEvent(run, new Date('2026-11-22T02:00:05Z'));

    const input = parseNotifyInput(busEvent(alerting.detailType, { ...alerting.detail, eventId: alerting.id }, { id: 'e-12' }));
    const other = parseNotifyInput(busEvent(quiet.detailType, { ...quiet.detail, eventId: quiet.id }, { id: 'e-13' }));

    expect(input).toMatchObject({ kind: 'alert', eventId: alerting.id, alert: { category: 'job-failing' } });
    expect(other.kind).toBe('no-alert');
  });

  it('leaves an event without an alert to pipelines and dashboards', () => {
    const { alert: _alert, ...detail } = serviceTaskStopped();

    expect(parseNotifyInput(busEvent('Service Task Stopped', detail, { id: 'e-8' }))).toEqual({
      kind: 'no-alert',
      id: 'e-8',
      detailType: 'Service Task Stopped',
    });
  });

  it('refuses an event from another source', () => {
    const message = badEventMessage({ ...busEvent('Service Task Stopped', serviceTaskStopped()), source: 'aws.ecs' });

    expect(message).toMatch(/^not an event from the ecs-autopilot bus nor a notify timer input \(source: /);
  });

  it('names the field of a malformed alert block', () => {
    const detail = { ...serviceTaskStopped(), alert: { ...serviceAlert(), severity: 'page-everyone' } };

    expect(badEventMessage(busEvent('Service Task Stopped', detail, { id: 'e-9' }))).toMatch(
      /^the "Service Task Stopped" event "e-9" has a malformed alert block \(severity: /,
    );
  });

  it('names the field of a malformed detail that its message would show', () => {
    const detail = { ...serviceTaskStopped(), stop: { ...serviceTaskStopped().stop, containers: [{ exitCode: 1 }] } };

    expect(badEventMessage(busEvent('Service Task Stopped', detail, { id: 'e-10' }))).toMatch(
      /^the "Service Task Stopped" event "e-10" has a malformed detail \(stop\.containers\.0\.name: /,
    );
  });
});

/** `{"nested": {"nested": … "bottom"}}`, `depth` levels: JSON.parse takes it, JSON.stringify overflows the stack on it. */
function nestedDeep(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = { nested: value };
  return value;
}

describe('parseNotifyInput: events of any size or depth are refused in one short line', () => {
  const MESSAGE_MAX = 2_000;

  it('refuses an input nested 10 000 levels deep with a BadEventError, not a stack overflow', () => {
    const message = badEventMessage({ nested: nestedDeep(10_000) });

    expect(message).toMatch(/^not an event from the ecs-autopilot bus nor a notify timer input \(/);
    expect(message).toContain('cannot be shown as JSON');
    expect(message).not.toMatch(/[\r\n]/);
  });

  it('refuses a deeply nested timer input the same way', () => {
    const message = badEventMessage({ timer: nestedDeep(10_000), groupKey: 'g', at: '2026-11-22T02:00:35Z' });

    expect(message).toMatch(/^not a notify timer input \(timer: /);
    expect(message).not.toMatch(/[\r\n]/);
  });

  it('quotes an event id of 10 000 characters cut to 100, not whole', () => {
    const detail = { ...serviceTaskStopped(), alert: { ...serviceAlert(), severity: 1 } };
    const message = badEventMessage(busEvent('Service Task Stopped', detail, { id: 'x'.repeat(10_000) }));

    expect(message).toMatch(/^the "Service Task Stopped" event "x{99} has a malformed alert block \(severity: /);
    expect(message.length).toBeLessThanOrEqual(MESSAGE_MAX);
  });

  it('keeps a message on one line when the id or the detail-type holds a line break', () => {
    const detail = { ...jobRunFailed(), alert: { ...jobRunFailed().alert, severity: 1 } };
    const byId = badEventMessage(busEvent('Job Run Failed', detail, { id: 'e-1\nforged line' }));
    const byType = badEventMessage(busEvent('Job Run\nFailed', detail, { id: 'e-2' }));

    expect(byId).toMatch(/^the "Job Run Failed" event "e-1\\nforged line" has a malformed alert block/);
    expect(byType).toMatch(/^the "Job Run\\nFailed" event "e-2" has a malformed alert block/);
    expect([byId, byType].filter((message) => /[\r\n]/.test(message))).toEqual([]);
  });

  it('cuts a detail-type of 10 000 characters in an alert of a kind notify does not render', () => {
    const message = badEventMessage(busEvent('y'.repeat(10_000), serviceTaskStopped(), { id: 'e-3' }));

    expect(message).toMatch(/^the "y{99} event "e-3" carries an alert, but notify renders none of its kind/);
    expect(message.length).toBeLessThanOrEqual(MESSAGE_MAX);
  });

  it('keeps the list of what is wrong short when a detail has thousands of malformed fields', () => {
    const categories = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`category-${i}\n${'z'.repeat(50)}`, 'many']));
    const message = badEventMessage(busEvent('Crash Loop Detected', { ...crashLoop(), categories }, { id: 'e-4' }));

    expect(message).toMatch(/^the "Crash Loop Detected" event "e-4" has a malformed detail \(categories\./);
    expect(message).not.toMatch(/[\r\n]/);
    expect(message.length).toBeLessThanOrEqual(MESSAGE_MAX);
  });

  it('refuses an alert whose detail cannot be stored as JSON (nested 10 000 levels), before anything is counted', () => {
    const detail = { ...jobRunFailed(), extra: nestedDeep(10_000) };
    const message = badEventMessage(busEvent('Job Run Failed', detail, { id: 'e-5' }));

    expect(message).toMatch(
      /^the "Job Run Failed" event "e-5" has a detail notify cannot store: it must be JSON, and cannot be written as JSON \(/,
    );
    expect(message).not.toMatch(/[\r\n]/);
  });

  it('refuses an alert whose detail is larger than any event EventBridge delivers (256 KiB)', () => {
    const detail = { ...jobRunFailed(), extra: 'x'.repeat(300_000) };
    const message = badEventMessage(busEvent('Job Run Failed', detail, { id: 'e-6' }));

    expect(message).toMatch(
      /^the "Job Run Failed" event "e-6" has a detail notify cannot store: \d+ bytes as JSON, too big \(at most 262144, /,
    );
    expect(message.length).toBeLessThanOrEqual(MESSAGE_MAX);
  });

  it('still takes an alert whose detail is large but within what an event can carry', () => {
    const detail = { ...jobRunFailed(), extra: 'x'.repeat(200_000) };

    expect(parseNotifyInput(busEvent('Job Run Failed', detail, { id: 'e-7' }))).toMatchObject({ kind: 'alert' });
  });
});
