/**
 * Chains of jobs (`after: [upstream, …]`), pure: which jobs follow which, what validate refuses (unknown
 * names, a job after itself, cycles, upstreams that fire on different schedules), and what a downstream
 * job does when one of its upstreams' runs for a period ends.
 *
 * A period is an upstream firing: a chained job has no schedule of its own, its run for a period carries
 * the scheduled time of the chain's scheduled job, so every job of a chain has one run per firing, keyed
 * like any firing (job, scheduled time, attempt) — which is what makes a second delivery a duplicate.
 */
import type { JobSpec } from '../config/schema.ts';
import { isFinalFailure, type RetryDecision, type RunRecord } from './run-record.ts';

/** What chain checks need of a job, as written in automation.yml. */
export interface ChainLink {
  schedule?: string | undefined;
  timezone?: string | undefined;
  after?: readonly string[] | undefined;
}

export interface ChainProblem {
  job: string;
  message: string;
}

/**
 * What is wrong with the chains of `jobs`: an upstream that is not a job, a job after itself, a cycle
 * (named in order, e.g. "a → b → c → a"), and a job whose upstreams fire on different schedules (each
 * period would have a run of one and not of the other, and the job would wait for ever).
 */
export function chainProblems(jobs: Record<string, ChainLink>, defaultTimeZone: string): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const names = Object.keys(jobs);
  for (const [name, job] of Object.entries(jobs)) {
    for (const upstream of job.after ?? []) {
      if (upstream === name) problems.push({ job: name, message: `${name} cannot run after itself` });
      else if (!Object.hasOwn(jobs, upstream)) {
        problems.push({ job: name, message: `${upstream} is not a job (jobs: ${names.join(', ')})` });
      }
    }
  }
  for (const cycle of cyclesOf(jobs)) {
    problems.push({ job: cycle[0] as string, message: `the jobs run after each other in a cycle: ${[...cycle, cycle[0]].join(' → ')}` });
  }
  if (problems.length > 0) return problems;
  for (const [name, job] of Object.entries(jobs)) {
    if (!job.after?.length) continue;
    const roots = rootsOf(name, jobs);
    const firings = new Set(roots.map((root) => firingOf(jobs[root] as ChainLink, defaultTimeZone)));
    if (firings.size > 1) {
      const each = roots.map((root) => `${root}: ${firingOf(jobs[root] as ChainLink, defaultTimeZone)}`).join('; ');
      problems.push({
        job: name,
        message: `its upstreams fire on different schedules (${each}); a chained job runs once per firing of its chain, so they must share one`,
      });
    }
  }
  return problems;
}

const firingOf = (job: ChainLink, defaultTimeZone: string) => `${job.schedule} ${job.timezone ?? defaultTimeZone}`;

/** Each cycle once, from its first job in the file's order; self-references are said apart. */
function cyclesOf(jobs: Record<string, ChainLink>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (name: string, path: string[]) => {
    if (done.has(name)) return;
    const at = path.indexOf(name);
    if (at >= 0) {
      cycles.push(path.slice(at));
      return;
    }
    for (const upstream of jobs[name]?.after ?? []) {
      if (upstream !== name && Object.hasOwn(jobs, upstream)) visit(upstream, [...path, name]);
    }
    done.add(name);
  };
  for (const name of Object.keys(jobs)) visit(name, []);
  return cycles;
}

/** The scheduled jobs a chained job's runs start from (itself when it has a schedule), in the file's order. */
export function rootsOf(name: string, jobs: Record<string, ChainLink>): string[] {
  const roots = new Set<string>();
  const seen = new Set<string>();
  const walk = (job: string) => {
    if (seen.has(job)) return;
    seen.add(job);
    const upstreams = jobs[job]?.after ?? [];
    if (upstreams.length === 0) roots.add(job);
    for (const upstream of upstreams) walk(upstream);
  };
  walk(name);
  if (roots.size < 2) return [...roots];
  return Object.keys(jobs).filter((job) => roots.has(job));
}

/** The jobs that run after `upstream`. */
export function downstreamOf(upstream: string, jobs: Record<string, JobSpec>): JobSpec[] {
  return Object.values(jobs).filter((job) => job.after.includes(upstream));
}

/** Whether a job is chained (runs after others) rather than scheduled. */
export const isChained = (job: Pick<JobSpec, 'after'>): boolean => job.after.length > 0;

/** How an upstream's run for the period ended, once nothing more will come of it; undefined while it may. */
export type UpstreamEnd = { kind: 'succeeded' } | { kind: 'failed'; reason: string };

/**
 * How an upstream's run ended, as far as its downstream jobs are concerned: a success, or a failure no
 * retry follows (failed, timed out), or a run that never happened (skipped, missed, replaced). Undefined
 * while it is still going, or failed with another attempt to come.
 */
export function upstreamEndOf(
  run: (Pick<RunRecord, 'job' | 'status' | 'reason'> & { retry?: Pick<RetryDecision, 'willRetry'> | undefined }) | undefined,
): UpstreamEnd | undefined {
  if (run === undefined) return undefined;
  switch (run.status) {
    case 'succeeded':
      return { kind: 'succeeded' };
    case 'failed':
    case 'timed-out':
      return isFinalFailure(run) ? { kind: 'failed', reason: `${run.job} ${run.status}${because(run.reason)}` } : undefined;
    case 'skipped':
    case 'missed':
    case 'replaced':
      return { kind: 'failed', reason: `${run.job} was ${run.status}${because(run.reason)}` };
    default:
      return undefined;
  }
}

const because = (reason: string | undefined) => (reason ? ` (${reason})` : '');

export type ChainDecision =
  /** Every upstream succeeded (or ended otherwise, under onUpstreamFailure: run): the job's run for the period starts. */
  | { kind: 'run'; reason: string }
  /** An upstream did not succeed, and onUpstreamFailure is skip: the run is recorded skipped with why. */
  | { kind: 'skip'; reason: string }
  /** Some upstream has not ended for the period yet: its own end will decide. */
  | { kind: 'wait'; reason: string }
  /** Nothing to do for this job (suspended). */
  | { kind: 'ignore'; reason: string };

/**
 * What `job` does for a period once `ends` says how each of its upstreams' runs for it ended (undefined:
 * not ended, or no run of it for the period yet).
 */
export function decideChained(job: JobSpec, ends: Record<string, UpstreamEnd | undefined>): ChainDecision {
  if (job.suspended) return { kind: 'ignore', reason: `${job.name} is suspended` };
  const pending = job.after.filter((upstream) => ends[upstream] === undefined);
  if (pending.length > 0) return { kind: 'wait', reason: `waiting for ${pending.join(', ')} to end for the period` };
  const failures = job.after.flatMap((upstream) => {
    const end = ends[upstream];
    return end?.kind === 'failed' ? [end.reason] : [];
  });
  if (failures.length === 0) return { kind: 'run', reason: `after ${job.after.join(', ')} succeeded` };
  const upstreamFailed = `upstream ${failures.join('; ')}`;
  if (job.onUpstreamFailure === 'skip') return { kind: 'skip', reason: upstreamFailed };
  return { kind: 'run', reason: `${upstreamFailed}, and onUpstreamFailure is run` };
}
