/** The bus event that announces a run's outcome. */

import { clusterNameOf } from '../config/cluster.ts';
import { formatDuration } from '../config/duration.ts';
import type { AlertBlock } from '../events/alert.ts';
import { type AutopilotEvent, JOB_RUN_DETAIL_TYPES } from '../events/bus.ts';
import { isFinalFailure, type RunRecord } from './run-record.ts';
import type { JobRuntime } from './runtime.ts';

export function runOutcomeEvent(run: RunRecord, now: Date): AutopilotEvent {
  if (run.status === 'launching') throw new RangeError('a run still launching has no outcome to announce');
  const { leaseUntil: _lease, version: _version, eventPublished: _published, ...detail } = run;
  return {
    detailType: JOB_RUN_DETAIL_TYPES[run.status],
    detail: {
      ...detail,
      ...(run.launchedAt && run.endedAt && { runtime: formatDuration((Date.parse(run.endedAt) - Date.parse(run.launchedAt)) / 1000) }),
      ...(isFinalFailure(run) && { alert: jobRunAlert(run) }),
    },
    resources: run.taskArns,
    time: now,
  };
}

/** A final failure reaches a person: grouped per job and category (a launch failure has no stop category). */
function jobRunAlert(run: RunRecord): AlertBlock {
  return {
    cluster: clusterNameOf(run.cluster),
    subject: { kind: 'job', name: run.job },
    category: run.status === 'timed-out' ? 'timeout' : (run.category ?? 'launch-failed'),
    severity: 'critical',
  };
}

/** Announces a run's outcome, then marks it announced: a redelivery republishes what never arrived. */
export async function publishOutcome(run: RunRecord, rt: Pick<JobRuntime, 'bus' | 'runs' | 'now'>): Promise<RunRecord> {
  await rt.bus.publish([runOutcomeEvent(run, rt.now())]);
  return rt.runs.save({ ...run, eventPublished: true });
}
