/** Reading a job's tasks from ECS: the source of truth for what is running right now. */
import { DescribeTasksCommand, type ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import type { JobSpec } from '../config/schema.ts';
import type { ActiveTask } from './decide-firing.ts';
import { startedByForJob, TAG } from './ownership.ts';

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
    .map((task) => {
      const tag = (key: string) => task.tags?.find((t) => t.key === key)?.value;
      const attempt = tag(TAG.attempt);
      return {
        taskArn: task.taskArn ?? '',
        lastStatus: task.lastStatus ?? 'UNKNOWN',
        scheduledTime: tag(TAG.scheduledTime),
        attempt: attempt === undefined ? undefined : Number(attempt),
      };
    });
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
