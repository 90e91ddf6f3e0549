/** How EventBridge Scheduler delivers, as the sandbox imitates it: a few seconds late, its times to the second. */

/** Scheduler delivers a firing this long after its scheduled time (it is precise to about a minute, usually seconds). */
export const DELIVERY_DELAY_SECONDS = 3;

/** `<aws.scheduler.scheduled-time>` as Scheduler renders it: whole seconds, `Z`. */
export function schedulerTime(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
