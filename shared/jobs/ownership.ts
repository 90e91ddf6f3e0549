/** How ecs-autopilot marks the tasks it launches, so it (and people) can tell them apart. */
export const STARTED_BY_PREFIX = 'ecs-autopilot/';

export const TAG = {
  job: 'ecs-autopilot:job',
  scheduledTime: 'ecs-autopilot:scheduled-time',
  attempt: 'ecs-autopilot:attempt',
} as const;

/** RunTask's startedBy: at most 128 of letters, digits, "-", "_" and "/"; job names fit (64). */
export function startedByForJob(job: string): string {
  return `${STARTED_BY_PREFIX}${job}`;
}

export function jobOfStartedBy(startedBy: string | undefined): string | undefined {
  return startedBy?.startsWith(STARTED_BY_PREFIX) ? startedBy.slice(STARTED_BY_PREFIX.length) : undefined;
}

/** Reasons ecs-autopilot gives StopTask; the stopped-task classifier recognises them by prefix. */
export const STOP_REASON_PREFIX = 'ecs-autopilot:';
