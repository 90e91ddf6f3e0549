/** Where a person looks next: the task in the ECS console and its containers' CloudWatch logs. Pure. */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type { LogLink } from '../events/stopped-task-events.ts';
import type { TaskStopFacts } from './stop-facts.ts';

/** What the links need from a task definition's container definitions (DescribeTaskDefinition). */
export type ContainerLogSettings = Pick<ContainerDefinition, 'name' | 'essential' | 'logConfiguration'>;

/** The task's page in the ECS console (v2). It shows a stopped task for about an hour only. */
export function consoleTaskUrl(facts: Pick<TaskStopFacts, 'region' | 'clusterName' | 'taskId'>): string {
  const { region, clusterName, taskId } = facts;
  return `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(clusterName)}/tasks/${encodeURIComponent(taskId)}/configuration?region=${region}`;
}

/**
 * A link per container that logs with awslogs. The stream is `<awslogs-stream-prefix>/<container>/<task id>`
 * only when a prefix is set; without one, awslogs names the stream after the Docker container id, which the
 * event does not carry, so the link opens the log group and `logStream` is empty.
 */
export function logLinksOf(facts: Pick<TaskStopFacts, 'region' | 'taskId'>, containerDefinitions: ContainerLogSettings[]): LogLink[] {
  return containerDefinitions.flatMap((definition) => {
    const options = definition.logConfiguration?.options ?? {};
    const group = options['awslogs-group'];
    if (definition.logConfiguration?.logDriver !== 'awslogs' || !definition.name || !group) return [];
    const prefix = options['awslogs-stream-prefix'];
    const stream = prefix ? `${prefix}/${definition.name}/${facts.taskId}` : '';
    const region = options['awslogs-region'] ?? facts.region;
    return [{ container: definition.name, logGroup: group, logStream: stream, url: cloudWatchLogsUrl(region, group, stream) }];
  });
}

/** Essential defaults to true in ECS: only an explicit `essential: false` makes a sidecar. */
export function essentialContainersOf(containerDefinitions: ContainerLogSettings[]): string[] {
  return containerDefinitions.flatMap((definition) => (definition.essential !== false && definition.name ? [definition.name] : []));
}

function cloudWatchLogsUrl(region: string, group: string, stream: string): string {
  const events = stream ? `/log-events/${consoleEncode(stream)}` : '';
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${consoleEncode(group)}${events}`;
}

/** The CloudWatch console reads its fragment URL-encoded twice, with "$" standing for the outer "%". */
function consoleEncode(value: string): string {
  return encodeURIComponent(value).replaceAll('%', '$25');
}
