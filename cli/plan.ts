/** `plan`: every job firing and every scaling change in a window, from the config alone (no AWS). */

import { firingsBetween, parseScheduleExpression } from '../shared/config/schedule-expression.ts';
import type { Automation, JobSpec } from '../shared/config/schema.ts';
import { formatLocal } from '../shared/config/time-zone.ts';
import {
  describeTarget,
  type ScaleDecision,
  type ScalingChange,
  type ScalingReason,
  scalingChangesBetween,
} from '../shared/scaling/periods.ts';
import type { ScaleTarget } from '../shared/scaling/targets.ts';

interface PlannedAt {
  /** ISO 8601 UTC. */
  at: string;
  local: string;
  timezone: string;
}

export interface PlannedJobFiring extends PlannedAt {
  kind: 'job';
  name: string;
  launches: string;
}

export interface PlannedScalingChange extends PlannedAt {
  kind: 'scaling';
  /** The service's key in automation.yml. */
  name: string;
  cluster: string;
  service: string;
  from: ScaleTarget;
  to: ScaleTarget;
  because: ScalingReason;
  /** "restore → min 4 / max 20 (business-hours)". */
  what: string;
  /** What `to` does to a service with a scalable target, when that needs saying (a `desired` pins both bounds). */
  note?: string;
}

export type PlannedFiring = PlannedJobFiring | PlannedScalingChange;

export function describeLaunch(job: JobSpec): string {
  const where =
    'capacityProviders' in job.launch
      ? `on ${job.launch.capacityProviders.join(' → ')}`
      : 'launchType' in job.launch
        ? `on ${job.launch.launchType}`
        : "on the cluster's default capacity";
  return `${job.taskDefinition} ×${job.count} ${where} in cluster ${job.cluster} (concurrency ${job.concurrency})`;
}

function describeReason(reason: ScalingReason): string {
  if (reason.kind === 'outside') return '';
  return reason.kind === 'override' ? ` (${reason.name} override)` : ` (${reason.name})`;
}

/** "min 4 / max 20 (business-hours) → stop (night)": each side with the period or override it comes from. */
export function describeScalingChange(change: Pick<ScalingChange, 'from' | 'to' | 'because' | 'previously'>): string {
  return `${describeTarget(change.from)}${describeReason(change.previously)} → ${describeTarget(change.to)}${describeReason(change.because)}`;
}

/** "min 4 / max 20 (business-hours)", "restore". */
export function describeScaleDecision(decision: ScaleDecision): string {
  return `${describeTarget(decision.target)}${describeReason(decision.because)}`;
}

/**
 * The word a `desired` target needs: on a service with a scalable target it pins both bounds to the
 * count (shared/scaling/decide.ts), so target tracking stands still while it applies. plan reads no AWS:
 * it cannot tell whether the service has one, so it says it of every `desired`.
 */
export function pinnedBoundsNote(target: ScaleTarget, because: ScalingReason): string | undefined {
  if (target.kind !== 'desired') return undefined;
  const until =
    because.kind === 'outside'
      ? 'outside every period'
      : `until ${because.kind === 'override' ? `the ${because.name} override` : because.name} ends`;
  return `with a scalable target, desired ${target.count} pins both bounds to ${target.count}: target tracking cannot move the service ${until} (min and max instead keep it scaling)`;
}

/** Each service's notes (pinnedBoundsNote) on the targets it starts at or changes to, once each, in order: `note: web (web-prod): …`. */
export function scalingNoteLines(
  planned: PlannedFiring[],
  starts: { name: string; cluster: string; note: string | undefined }[],
): string[] {
  const notes = [
    ...starts,
    ...planned.flatMap((p) => (p.kind === 'scaling' ? [{ name: p.name, cluster: p.cluster, note: p.note }] : [])),
  ].flatMap(({ name, cluster, note }) => (note ? [`note: ${name} (${cluster}): ${note}`] : []));
  return [...new Set(notes)];
}

/** Job firings and scaling changes in [from, from + hours), one list in time order. */
export function planFirings(automation: Automation, from: Date, hours: number): PlannedFiring[] {
  const to = new Date(from.getTime() + hours * 3_600_000);
  const planned: PlannedFiring[] = [];
  for (const job of Object.values(automation.jobs)) {
    if (job.suspended) continue;
    const launches = describeLaunch(job);
    for (const at of firingsBetween(parseScheduleExpression(job.schedule), job.timezone, from, to)) {
      planned.push({
        at: at.toISOString(),
        local: formatLocal(at, job.timezone),
        timezone: job.timezone,
        kind: 'job',
        name: job.name,
        launches,
      });
    }
  }
  for (const watch of Object.values(automation.services)) {
    const scaling = watch.scaling;
    if (!scaling) continue;
    // scalingChangesBetween reads (from, to]; a millisecond earlier gives the [from, to) of the firings.
    for (const change of scalingChangesBetween(scaling, new Date(from.getTime() - 1), new Date(to.getTime() - 1))) {
      const note = pinnedBoundsNote(change.to, change.because);
      planned.push({
        at: change.at.toISOString(),
        local: formatLocal(change.at, scaling.timezone),
        timezone: scaling.timezone,
        kind: 'scaling',
        name: watch.key,
        cluster: watch.cluster,
        service: watch.service,
        from: change.from,
        to: change.to,
        because: change.because,
        what: describeScalingChange(change),
        ...(note && { note }),
      });
    }
  }
  return planned.sort((a, b) => a.at.localeCompare(b.at) || a.name.localeCompare(b.name));
}
