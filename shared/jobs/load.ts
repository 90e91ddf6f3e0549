/**
 * What the job decisions read, and nothing else: the run record and the job's tasks as ECS has them
 * (the source of truth for what runs right now). Nothing is written here.
 */
import { DescribeTasksCommand, type ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import type { JobSpec } from '../config/schema.ts';
import type { JobSuspension, JobSuspensions } from '../state/job-suspensions.ts';
import type { RunHistory } from '../state/run-history.ts';
import type { ActiveTask } from './decide.ts';
import { startedByForJob, TAG } from './ownership.ts';
import { isSettled, type RunRecord } from './run-record.ts';
import type { Firing } from './trigger.ts';

export interface FiringState {
  existing: RunRecord | undefined;
  activeTasks: ActiveTask[];
  recentRuns?: RunRecord[] | undefined;
  suspension?: JobSuspension | undefined;
}

/**
 * The firing's run record and, unless it is settled already, the job's tasks that are not stopped; and,
 * only when the firing is to be skipped (concurrency forbid, another run's task still running) and the
 * job alerts on skips, its latest runs, to count the skips in a row: one Query on a skip, none otherwise.
 */
export async function loadFiring(
  firing: Firing,
  job: JobSpec,
  rt: { ecs: ECSClient; runs: RunHistory; suspensions: JobSuspensions },
): Promise<FiringState> {
  const existing = await rt.runs.get(firing.job, firing.scheduledTime, firing.attempt);
  // Suspension holds back a new firing of the schedule, and a catch-up must not launch while it holds: one GetItem then only.
  const scheduled = firing.attempt === 1 && firing.manualId === undefined;
  const suspension = scheduled && (existing === undefined || firing.catchUp) ? await activeSuspension(rt.suspensions, job.name) : undefined;
  if (firing.catchUp && !suspension && existing?.skippedFor === 'suspension' && existing.status === 'skipped') {
    return { existing, activeTasks: await listActiveTasks(rt.ecs, job) };
  }
  if (suspension && existing === undefined) return { existing, activeTasks: [], suspension };
  const activeTasks = existing && isSettled(existing.status) ? [] : await listActiveTasks(rt.ecs, job);
  const mayBeSkipped =
    existing === undefined &&
    job.concurrency === 'forbid' &&
    activeTasks.some((task) => task.scheduledTime !== firing.scheduledTime || task.attempt !== firing.attempt);
  if (!mayBeSkipped || job.alertOnSkipped === undefined) return { existing, activeTasks };
  // The skips before this one, and a few more for retries' records (which sort among them) and out-of-order deliveries.
  return { existing, activeTasks, recentRuns: await rt.runs.list(job.name, job.alertOnSkipped + 5) };
}

async function activeSuspension(suspensions: JobSuspensions, job: string): Promise<JobSuspension | undefined> {
  const suspension = await suspensions.get(job);
  return suspension?.suspended ? suspension : undefined;
}

/** Tasks of the job that ECS still wants running (PROVISIONING, PENDING, RUNNING, …). */
export async function listActiveTasks(ecs: ECSClient, job: JobSpec): Promise<ActiveTask[]> {
  const taskArns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(
      new ListTasksCommand({ cluster: job.cluster, startedBy: startedByForJob(job.name), desiredStatus: 'RUNNING', nextToken }),
    );
    taskArns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const tasks = await describeTasks(ecs, job.cluster, taskArns);
  return tasks
    .filter((task) => task.lastStatus !== 'STOPPED' && task.lastStatus !== 'DELETED')
    .map((task) => ({
      taskArn: task.taskArn ?? '',
      lastStatus: task.lastStatus ?? 'UNKNOWN',
      ...firingOfTask(task),
      capacityProvider: task.capacityProviderName ?? task.launchType,
    }));
}

/** The firing and attempt a task of a job was launched for, from its tags. */
function firingOfTask(task: Task): { scheduledTime: string | undefined; attempt: number | undefined } {
  const tag = (key: string) => task.tags?.find((t) => t.key === key)?.value;
  const attempt = tag(TAG.attempt);
  return { scheduledTime: tag(TAG.scheduledTime), attempt: attempt === undefined ? undefined : Number(attempt) };
}

/** DescribeTasks in chunks of 100 (its limit), with tags. Tasks ECS no longer knows are left out. */
export async function describeTasks(ecs: ECSClient, cluster: string, taskArns: string[]): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < taskArns.length; i += 100) {
    const result = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(i, i + 100), include: ['TAGS'] }));
    tasks.push(...(result.tasks ?? []));
  }
  return tasks;
}

/** How many recent runs a stopped task is looked for in before its tags are read. */
const RECENT_RUNS = 50;

/**
 * The run a stopped task of the job belongs to: a recent run that knows the task, else the run its tags
 * name — its stop can arrive before the launch has recorded it (the task stopped at once, or the
 * invocation that launched it died).
 */
export async function loadRunOfTask(
  job: JobSpec,
  taskArn: string,
  rt: { ecs: ECSClient; runs: RunHistory },
): Promise<RunRecord | undefined> {
  const recent = (await rt.runs.list(job.name, RECENT_RUNS)).find(
    (run) => run.taskArns.includes(taskArn) || run.taskOutcomes?.[taskArn] !== undefined,
  );
  if (recent) return recent;
  const [task] = await describeTasks(rt.ecs, job.cluster, [taskArn]);
  const { scheduledTime, attempt } = task ? firingOfTask(task) : { scheduledTime: undefined, attempt: undefined };
  if (scheduledTime === undefined || attempt === undefined) return undefined;
  return rt.runs.get(job.name, scheduledTime, attempt);
}
