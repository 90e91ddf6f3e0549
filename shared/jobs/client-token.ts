import { createHash } from 'node:crypto';

/**
 * RunTask's idempotency token. ECS answers a repeated token with the task it started the first time, so
 * a RunTask made again after a crash or a throttle launches nothing more. Each task slot of a run (one
 * per task of the job's count) is launched by its own RunTask calls, and each call of a slot (capacity
 * fallbacks, rounds) gets its own token, because ECS rejects a token reused with other parameters.
 * 43 characters (base64url of SHA-256), within RunTask's 64.
 */
export function launchClientToken(job: string, scheduledTime: string, attempt: number, slot: number, launchTry: number): string {
  return createHash('sha256').update(`${job}\n${scheduledTime}\n${attempt}\n${slot}\n${launchTry}`).digest('base64url');
}
