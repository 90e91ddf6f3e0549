import { createHash } from 'node:crypto';

/**
 * RunTask's idempotency token. ECS returns the original tasks for a repeated token, so a retried
 * invocation cannot launch the same firing twice. Each RunTask call of a launch (capacity fallbacks,
 * back-off retries) gets its own token because ECS rejects a token reused with other parameters.
 * 43 characters (base64url of SHA-256), within RunTask's 64.
 */
export function launchClientToken(job: string, scheduledTime: string, attempt: number, launchTry: number): string {
  return createHash('sha256').update(`${job}\n${scheduledTime}\n${attempt}\n${launchTry}`).digest('base64url');
}
