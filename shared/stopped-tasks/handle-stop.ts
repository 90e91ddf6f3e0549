/**
 * An "ECS Task State Change" event, end to end: parse, check it is ours and new, classify, decide
 * (pure: decide-job-stop, decide-restart, decide-service-stop), then apply — record, set timers,
 * launch restarts, publish events. The claim on the task's event is completed last, so a crash midway
 * leaves the event to its redelivery.
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { RetryableAwsError } from '../errors.ts';
import type { StoppedTaskSummary } from '../events/stopped-task-events.ts';
import { adviceFor } from './advice.ts';
import { classifyStop } from './classify.ts';
import { onJobTaskStopped } from './job-stop.ts';
import { consoleTaskUrl, essentialContainersOf, logLinksOf } from './links.ts';
import { subjectOfStop } from './route.ts';
import type { StopRuntime } from './runtime.ts';
import { onServiceTaskStopped } from './service-task-stop.ts';
import type { TaskStopFacts } from './stop-facts.ts';
import { parseTaskStateChange } from './task-event.ts';
import { onWatchedTaskStopped } from './watched-task-stop.ts';

export interface StopOutcome {
  taskArn: string;
  subject: string;
  category?: string | undefined;
  action: string;
}

export async function handleTaskEvent(event: unknown, rt: StopRuntime): Promise<StopOutcome> {
  const facts = parseTaskStateChange(event);
  const base = { taskArn: facts.taskArn };
  if ((rt.account && facts.account !== rt.account) || (rt.region && facts.region !== rt.region)) {
    rt.log.warn('ignored a task event from another account or region', {
      account: facts.account,
      region: facts.region,
      taskArn: facts.taskArn,
    });
    return { ...base, subject: 'foreign', action: `ignored: from ${facts.account}/${facts.region}, not ${rt.account}/${rt.region}` };
  }
  if (facts.lastStatus !== 'STOPPED' && !facts.isSpotNotice) {
    return { ...base, subject: 'none', action: `ignored: lastStatus ${facts.lastStatus} is neither a stop nor a Spot notice` };
  }
  const subject = subjectOfStop(facts, rt.automation);
  if (subject.kind === 'none') {
    rt.log.info('a stopped task nobody configured; ignored', { taskArn: facts.taskArn, reason: subject.reason });
    return { ...base, subject: 'none', action: `ignored: ${subject.reason}` };
  }
  const claim = await rt.claims.claim(facts.taskArn, facts.isSpotNotice ? 'notice' : 'stopped', facts.version, rt.now(), rt.leaseSeconds);
  if (claim.kind === 'busy') throw new RetryableAwsError(claim.reason);
  if (claim.kind === 'duplicate') {
    rt.log.info('duplicate or out-of-date task event; ignored', { taskArn: facts.taskArn, reason: claim.reason });
    return { ...base, subject: subject.kind, action: `ignored: ${claim.reason}` };
  }

  const stop = await summarize(facts, rt);
  rt.log.info('task stop classified', {
    taskArn: facts.taskArn,
    category: stop.classification.category,
    because: stop.classification.because,
  });
  let action: string;
  let replacementStarted = false;
  switch (subject.kind) {
    case 'job':
      action = await onJobTaskStopped(subject.job, stop, rt);
      break;
    case 'watched-task': {
      const result = await onWatchedTaskStopped(subject.spec, stop, claim.replacementStarted, rt);
      action = result.action;
      replacementStarted = result.replacementStarted;
      break;
    }
    case 'service':
      action = await onServiceTaskStopped(subject.watch, stop, rt);
      break;
  }
  await rt.claims.complete(facts.taskArn, { replacementStarted });
  return { ...base, subject: `${subject.kind}`, category: stop.classification.category, action };
}

/** The facts with why, what to do, and where to look. */
export async function summarize(facts: TaskStopFacts, rt: Pick<StopRuntime, 'containerDefinitions'>): Promise<StoppedTaskSummary> {
  const definitions: ContainerDefinition[] | undefined = await rt.containerDefinitions(facts.taskDefinitionArn);
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
