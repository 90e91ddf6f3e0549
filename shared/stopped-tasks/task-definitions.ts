/**
 * Container definitions by task definition ARN, read once per process: a revision never changes, and a
 * crash loop stops the same revision again and again. Unreadable (deleted, not allowed) is not an
 * error: the stop is still classified, only without essential flags and log links.
 */
import { type ContainerDefinition, DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { Log } from '../logger.ts';

export function containerDefinitionsReader(ecs: ECSClient, log: Log) {
  const cache = new Map<string, Promise<ContainerDefinition[] | undefined>>();
  return (taskDefinitionArn: string): Promise<ContainerDefinition[] | undefined> => {
    let read = cache.get(taskDefinitionArn);
    if (!read) {
      read = ecs
        .send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }))
        .then((answer) => answer.taskDefinition?.containerDefinitions)
        .catch((error: unknown) => {
          log.warn('cannot read the task definition; classifying without it', { taskDefinitionArn, error: error as Error });
          cache.delete(taskDefinitionArn);
          return undefined;
        });
      cache.set(taskDefinitionArn, read);
    }
    return read;
  };
}

/** The latest ACTIVE revision of a family, or undefined when ECS does not know it. */
export async function latestRevisionArn(ecs: ECSClient, family: string): Promise<string | undefined> {
  const answer = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }));
  return answer.taskDefinition?.taskDefinitionArn;
}
