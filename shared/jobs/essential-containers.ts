/**
 * The essential containers of a job's task definition (DescribeTaskDefinition), which get the run's
 * environment. A revision never changes, so a pinned one (family:revision) is read once per process; a
 * family alone is read at each launch, as RunTask takes its latest revision then.
 */
import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';

export type EssentialContainersReader = (taskDefinition: string) => Promise<string[]>;

export function essentialContainersReader(ecs: ECSClient): EssentialContainersReader {
  const pinned = new Map<string, Promise<string[]>>();
  const read = async (taskDefinition: string): Promise<string[]> => {
    const answer = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    // ECS takes a container whose essential flag is not set as essential.
    return (answer.taskDefinition?.containerDefinitions ?? []).flatMap((c) => (c.essential !== false && c.name ? [c.name] : []));
  };
  return (taskDefinition) => {
    if (!/:\d+$/.test(taskDefinition)) return read(taskDefinition);
    let names = pinned.get(taskDefinition);
    if (!names) {
      names = read(taskDefinition);
      names.catch(() => pinned.delete(taskDefinition));
      pinned.set(taskDefinition, names);
    }
    return names;
  };
}
