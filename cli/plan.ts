/** `plan`: every firing in a window, from the config alone (no AWS). */

import { firingsBetween, parseScheduleExpression } from '../shared/config/schedule-expression.ts';
import type { Automation, JobSpec } from '../shared/config/schema.ts';
import { formatLocal } from '../shared/config/time-zone.ts';

export interface PlannedFiring {
  /** ISO 8601 UTC. */
  at: string;
  local: string;
  timezone: string;
  kind: 'job';
  name: string;
  launches: string;
}

export function describeLaunch(job: JobSpec): string {
  const where =
    'capacityProviders' in job.launch
      ? `on ${job.launch.capacityProviders.join(' → ')}`
      : 'launchType' in job.launch
        ? `on ${job.launch.launchType}`
        : "on the cluster's default capacity";
  return `${job.taskDefinition} ×${job.count} ${where} in cluster ${job.cluster} (concurrency ${job.concurrency})`;
}

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
  return planned.sort((a, b) => a.at.localeCompare(b.at) || a.name.localeCompare(b.name));
}
