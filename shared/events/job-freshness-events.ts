/**
 * The bus event of expectSuccessWithin (shared/jobs/freshness.ts), with the shape of its detail: a job
 * has not succeeded for as long as it said it would. It carries an alert in the job's job-failing group,
 * which the job's next success resolves. Apart from the job runs' events, so that notify reads it without
 * the Scheduler client the check's timers need.
 */
import type { AlertBlock } from './alert.ts';

export const JOB_SUCCESS_OVERDUE = 'Job Success Overdue';

export interface JobSuccessOverdueDetail {
  job: string;
  cluster: string;
  taskDefinition: string;
  /** The job's expectSuccessWithin, written as a duration ("1d2h"). */
  expectSuccessWithin: string;
  /** Since when no success came: the end of the last success, or the firing that armed the check. */
  since: string;
  armedBy: 'success' | 'firing';
  reason: string;
  alert: AlertBlock;
}
