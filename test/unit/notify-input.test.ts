import { describe, expect, it } from 'vitest';
import { parseNotifyInput } from '../../shared/alerts/trigger.ts';
import { BadEventError } from '../../shared/errors.ts';
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
      /^the "Service Task Stopped" event e-9 has a malformed detail\.eventId \(value: /,
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

    expect(message).toMatch(/^the "Deployment Rolled Back" event e-11 has a malformed detail \(/);
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

    expect(message).toMatch(/^the "Service Scaled" event e-12 carries an alert, but notify renders none of its kind \(it renders /);
  });

  it('refuses an alert that would resolve its group from an event that never resolves one', () => {
    const resolves = {
      cluster: 'prod',
      subject: { kind: 'watched-task', name: 'ingest' },
      category: 'crash-loop',
      severity: 'warning',
      resolves: true,
    };

    expect(badEventMessage(busEvent('Job Run Succeeded', { job: 'x', alert: resolves }))).toMatch(
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
      /^the "Service Task Stopped" event e-9 has a malformed alert block \(severity: /,
    );
  });

  it('names the field of a malformed detail that its message would show', () => {
    const detail = { ...serviceTaskStopped(), stop: { ...serviceTaskStopped().stop, containers: [{ exitCode: 1 }] } };

    expect(badEventMessage(busEvent('Service Task Stopped', detail, { id: 'e-10' }))).toMatch(
      /^the "Service Task Stopped" event e-10 has a malformed detail \(stop\.containers\.0\.name: /,
    );
  });
});
