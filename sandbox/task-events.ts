/**
 * The "ECS Task State Change" event EventBridge would deliver for a task in the emulator: moto emits no
 * events, so the sandbox and the tests build them from DescribeTasks (the event's detail is the task as
 * DescribeTasks shows it) and hand them to on-task-stopped. Times come from the virtual clock, since
 * moto stamps its own with the real one.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTasksCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';

export interface EventTiming {
  /** When the event happens: stoppingAt/stoppedAt and the envelope's time. */
  at: Date;
  /** detail.version: grows with every state change of the task. */
  version: number;
  /** When the task started (virtual); without it the event has no startedAt. */
  startedAt?: Date | undefined;
}

export async function taskStateChangeEvent(ecs: ECSClient, cluster: string, taskArn: string, timing: EventTiming) {
  const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
  const task = tasks[0];
  if (!task) throw new Error(`the emulator has no task ${taskArn} in ${cluster}`);
  return eventOfTask(task, timing);
}

export function eventOfTask(task: Task, timing: EventTiming) {
  const taskArn = task.taskArn ?? '';
  const [, , , region = '', account = ''] = taskArn.split(':');
  const at = timing.at.toISOString();
  const stopped = task.lastStatus === 'STOPPED';
  const detail = {
    attachments: (task.attachments ?? []).map((a) => ({ id: a.id, type: a.type, status: a.status, details: a.details ?? [] })),
    availabilityZone: task.availabilityZone ?? `${region}a`,
    ...(task.capacityProviderName && { capacityProviderName: task.capacityProviderName }),
    clusterArn: task.clusterArn,
    containers: (task.containers ?? []).map((c) => ({
      containerArn: c.containerArn,
      ...(c.exitCode !== undefined && c.exitCode !== null && { exitCode: c.exitCode }),
      lastStatus: c.lastStatus,
      name: c.name,
      image: c.image,
      ...(c.reason && { reason: c.reason }),
      taskArn,
    })),
    createdAt: (timing.startedAt ?? timing.at).toISOString(),
    desiredStatus: task.desiredStatus,
    group: task.group,
    launchType: task.launchType,
    lastStatus: task.lastStatus,
    ...(timing.startedAt && { startedAt: timing.startedAt.toISOString() }),
    ...(task.startedBy && { startedBy: task.startedBy }),
    ...(task.stopCode && { stopCode: task.stopCode }),
    ...(task.stoppedReason && { stoppedReason: task.stoppedReason }),
    ...(task.desiredStatus === 'STOPPED' && { stoppingAt: at }),
    ...(stopped && { stoppedAt: at, executionStoppedAt: at }),
    taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    updatedAt: at,
    version: timing.version,
  };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account,
    time: `${at.slice(0, 19)}Z`,
    region,
    resources: [taskArn],
    detail,
  };
}
