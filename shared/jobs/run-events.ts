/** The bus event that announces a run's outcome. */
import { formatDuration } from '../config/duration.ts';
import { type AutopilotEvent, JOB_RUN_DETAIL_TYPES } from '../events/bus.ts';
import type { RunRecord } from './run-record.ts';
import type { JobRuntime } from './runtime.ts';

export function runOutcomeEvent(run: RunRecord, now: Date): AutopilotEvent {
  if (run.status === 'launching') throw new RangeError('a run still launching has no outcome to announce');
  const { leaseUntil: _lease, version: _version, eventPublished: _published, ...detail } = run;
  return {
    detailType: JOB_RUN_DETAIL_TYPES[run.status],
    detail: {
      ...detail,
      ...(run.launchedAt && run.endedAt && { runtime: formatDuration((Date.parse(run.endedAt) - Date.parse(run.launchedAt)) / 1000) }),
    },
    resources: run.taskArns,
    time: now,
  };
}

/** Announces a run's outcome, then marks it announced: a redelivery republishes what never arrived. */
export async function publishOutcome(run: RunRecord, rt: Pick<JobRuntime, 'bus' | 'runs' | 'now'>): Promise<RunRecord> {
  await rt.bus.publish([runOutcomeEvent(run, rt.now())]);
  return rt.runs.save({ ...run, eventPublished: true });
}
