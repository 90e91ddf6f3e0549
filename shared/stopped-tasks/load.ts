/**
 * What on-task-stopped reads before it decides (nothing is written here): the stopped task's task
 * definition, to know its essential containers and where they log, made into the summary every event
 * about the stop carries. The subjects' own state is read by their stores (shared/state/).
 */

import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { adviceFor } from './advice.ts';
import { classifyStop } from './classify.ts';
import { consoleTaskUrl, essentialContainersOf, logLinksOf } from './links.ts';
import type { StopRuntime } from './runtime.ts';
import type { TaskStopFacts } from './stop-facts.ts';

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
