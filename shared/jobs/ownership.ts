/** How ecs-autopilot marks the tasks it launches, so it (and people) can tell them apart. */
export const STARTED_BY_PREFIX = 'ecs-autopilot/';

export const TAG = {
  job: 'ecs-autopilot:job',
  watchedTask: 'ecs-autopilot:watched-task',
  scheduledTime: 'ecs-autopilot:scheduled-time',
  attempt: 'ecs-autopilot:attempt',
} as const;

/** RunTask's startedBy: at most 128 of letters, digits, "-", "_" and "/"; job names fit (64). */
export function startedByForJob(job: string): string {
  return `${STARTED_BY_PREFIX}${job}`;
}

/** The job whose run launched a task; job names hold no "/", so a watched task's restart is not one. */
export function jobOfStartedBy(startedBy: string | undefined): string | undefined {
  if (!startedBy?.startsWith(STARTED_BY_PREFIX)) return undefined;
  const rest = startedBy.slice(STARTED_BY_PREFIX.length);
  return rest.includes('/') ? undefined : rest;
}

const WATCHED_PREFIX = `${STARTED_BY_PREFIX}watched/`;

/** startedBy of a watched task's restart: ecs-autopilot/watched/<name>. */
export function startedByForWatchedTask(name: string): string {
  return `${WATCHED_PREFIX}${name}`;
}

/** Reasons ecs-autopilot gives StopTask; the stopped-task classifier recognises them by prefix. */
export const STOP_REASON_PREFIX = 'ecs-autopilot:';
