/** `plan`: every job firing and every scaling change in a window, from the config alone (no AWS). */

import { firingsFrom, parseScheduleExpression } from '../shared/config/schedule-expression.ts';
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
import { Earliest } from './earliest.ts';

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
  /** A chained job: the jobs it runs after. `at` is then the firing its run belongs to, which it starts after. */
  after?: string[];
  /** A chained job: when it starts, e.g. "after extract succeeds". */
  starts?: string;
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

/** The most firings and scaling changes `plan` lists: 10,000 jobs every minute for a day would be 14.4 million. */
export const PLAN_LIMIT = 10_000;

/** What a plan over its limit left out: the rest of the window, from `lastListed` on. */
export interface PlanCut {
  limit: number;
  /** ISO 8601 UTC: the last firing or change listed; the ones not listed are at this instant or later. */
  lastListed: string;
  /** How many jobs and services have firings or changes left out. */
  leftOutOf: number;
}

/** One firing or change, before it is spelt out: only the kept ones ever are. */
interface Candidate {
  at: Date;
  name: string;
  /** How far down its chain a job is (0: scheduled): a firing's chain is listed in the order it runs. */
  depth?: number;
  /** Its stream, and its place among all candidates (jobs first, each in time order): the last tie-break. */
  source: number;
  seq: number;
  spell: () => PlannedFiring;
}

const earlierFirst = (a: Candidate, b: Candidate) =>
  a.at.getTime() - b.at.getTime() || (a.depth ?? 0) - (b.depth ?? 0) || a.name.localeCompare(b.name) || a.seq - b.seq;

/**
 * The first `limit` job firings and scaling changes in [from, from + hours), one list in time order, and
 * what was cut when the window holds more. Each job's firings are computed only while they could still
 * be among the first `limit`, so neither the window nor the number of jobs decides the memory it takes.
 */
export function planFirings(
  automation: Automation,
  from: Date,
  hours: number,
  limit: number = PLAN_LIMIT,
): { planned: PlannedFiring[]; cut: PlanCut | undefined } {
  const to = new Date(from.getTime() + hours * 3_600_000);
  const kept = new Earliest<Candidate>(limit, earlierFirst);
  const read: number[] = [];
  let seq = 0;
  const take = (candidates: Iterable<Omit<Candidate, 'source' | 'seq'>>) => {
    read.push(kept.takeWhileEarlier(numbered(candidates, read.length)));
  };
  function* numbered(candidates: Iterable<Omit<Candidate, 'source' | 'seq'>>, source: number): Generator<Candidate> {
    for (const candidate of candidates) yield { ...candidate, source, seq: seq++ };
  }
  for (const job of Object.values(automation.jobs)) {
    if (job.suspended) continue;
    const launches = describeLaunch(job);
    take(jobFirings(job, launches, from, to, chainDepth(job.name, automation.jobs)));
  }
  for (const watch of Object.values(automation.services)) {
    const scaling = watch.scaling;
    if (!scaling) continue;
    // scalingChangesBetween reads (from, to]; a millisecond earlier gives the [from, to) of the firings.
    const changes = scalingChangesBetween(scaling, new Date(from.getTime() - 1), new Date(to.getTime() - 1));
    take(
      changes.map((change) => ({
        at: change.at,
        name: watch.key,
        spell: (): PlannedFiring => {
          const note = pinnedBoundsNote(change.to, change.because);
          return {
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
          };
        },
      })),
    );
  }
  const chosen = kept.sorted();
  const keptOf = new Array<number>(read.length).fill(0);
  for (const candidate of chosen) keptOf[candidate.source] = (keptOf[candidate.source] ?? 0) + 1;
  const leftOutOf = read.filter((count, source) => count > (keptOf[source] ?? 0)).length;
  const last = chosen.at(-1);
  return {
    planned: chosen.map((candidate) => candidate.spell()),
    cut: leftOutOf > 0 && last ? { limit, lastListed: last.at.toISOString(), leftOutOf } : undefined,
  };
}

/** A chained job fires with its chain (its schedule is the chain's): listed at the firing, starting after its upstreams. */
function* jobFirings(job: JobSpec, launches: string, from: Date, to: Date, depth: number): Generator<Omit<Candidate, 'source' | 'seq'>> {
  const chained = job.after.length > 0 && { after: job.after, starts: chainedStart(job) };
  for (const at of firingsFrom(parseScheduleExpression(job.schedule), job.timezone, from, to)) {
    yield {
      at,
      name: job.name,
      depth,
      spell: () => ({
        at: at.toISOString(),
        local: formatLocal(at, job.timezone),
        timezone: job.timezone,
        kind: 'job',
        name: job.name,
        launches,
        ...chained,
      }),
    };
  }
}

/** "after extract succeeds", "after load ends, whatever its outcome (onUpstreamFailure: run)". */
export function chainedStart(job: Pick<JobSpec, 'after' | 'onUpstreamFailure'>): string {
  const upstreams = job.after.join(' and ');
  const [all, verb] = job.after.length > 1 ? ['all ', ''] : ['', 's'];
  return job.onUpstreamFailure === 'run'
    ? `after ${upstreams} ${all}end${verb}, whatever the outcome (onUpstreamFailure: run)`
    : `after ${upstreams} ${all}succeed${verb}`;
}

/** How many jobs a job runs after, along its longest chain. */
function chainDepth(name: string, jobs: Record<string, JobSpec>, seen: readonly string[] = []): number {
  const upstreams = (jobs[name]?.after ?? []).filter((upstream) => !seen.includes(upstream));
  return upstreams.length === 0 ? 0 : 1 + Math.max(...upstreams.map((upstream) => chainDepth(upstream, jobs, [...seen, name])));
}

/** What was left out, and how to see it: a `warning:` line on stderr. */
export function cutLine(cut: PlanCut): string {
  const sources = `${cut.leftOutOf} job${cut.leftOutOf === 1 ? '' : 's'} or service${cut.leftOutOf === 1 ? '' : 's'}`;
  return `plan lists at most ${cut.limit} firings and scaling changes: the earliest, up to ${cut.lastListed}; the rest of the window (firings or changes of ${sources}) is left out; narrow it with --from and --hours`;
}
