/**
 * What on-task-stopped reads before it decides (nothing is written here): the stopped task's task
 * definition, to know its essential containers and where they log, made into the summary every event
 * about the stop carries; a paused watched task's latest revision. The subjects' own state is read by
 * their stores (shared/state/).
 */
import { isTransientAwsError } from '../aws/transient-errors.ts';
import { RetryableAwsError } from '../errors.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { adviceFor } from './advice.ts';
import { isAwsError } from './apply.ts';
import { classifyStop } from './classify.ts';
import { consoleTaskUrl, essentialContainersOf, logLinksOf } from './links.ts';
import type { StopRuntime } from './runtime.ts';
import type { TaskStopFacts } from './stop-facts.ts';
import { latestRevisionArn } from './task-definitions.ts';

/** The facts with why, what to do, and where to look. */
export async function summarize(facts: TaskStopFacts, rt: Pick<StopRuntime, 'containerDefinitions'>): Promise<StoppedTaskSummary> {
  const definitions = await rt.containerDefinitions(facts.taskDefinitionArn);
  const essentialContainers = definitions ? essentialContainersOf(definitions) : undefined;
  const classification = classifyStop(facts, { ...(essentialContainers && { essentialContainers }) });
  return {
    ...facts,
    classification,
    advice: adviceFor(classification, facts),
    consoleUrl: consoleTaskUrl(facts),
    logs: definitions ? logLinksOf(facts, definitions) : [],
  };
}

/** The family's latest ACTIVE revision; undefined when ECS cannot tell it (a family gone, access refused): the paused task then stays paused. */
export async function latestRevision(family: string, rt: Pick<StopRuntime, 'ecs' | 'log'>): Promise<string | undefined> {
  try {
    return await latestRevisionArn(rt.ecs, family);
  } catch (error) {
    if (!isAwsError(error)) throw error;
    if (isTransientAwsError(error))
      throw new RetryableAwsError(`reading the latest revision of ${family}: ${error.message}`, { cause: error });
    rt.log.warn('cannot read the latest revision of a paused task; checking again later', { family, error });
    return undefined;
  }
}
