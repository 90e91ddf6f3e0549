/**
 * An "ECS Task State Change" event, end to end: parse it, check it is from this stack's account and region
 * and in a state the trigger acts on, find whose task it is (a job's run, a watched task, a watched
 * service), read its task definition and classify the stop (load.ts), and hand it to its subject. Each
 * subject loads its state, decides (pure), saves the decision with its outbox and applies it, and knows
 * the stops it decided by task ARN: a duplicate or older event does nothing, and an invocation that failed
 * or died midway is finished by the next delivery.
 */
import { isFromElsewhere } from '../events/origin.ts';
import { onJobTaskStopped } from './job-stop.ts';
import { summarize } from './load.ts';
import { subjectOfStop } from './route.ts';
import type { StopRuntime } from './runtime.ts';
import { onServiceTaskStopped } from './service-task-stop.ts';
import { parseTaskStateChange } from './task-event.ts';
import { isStoppedOrReclaimNotice } from './trigger.ts';
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
  if (isFromElsewhere(facts, rt)) {
    rt.log.warn('ignored a task event from another account or region', {
      account: facts.account,
      region: facts.region,
      taskArn: facts.taskArn,
    });
    return { ...base, subject: 'foreign', action: `ignored: from ${facts.account}/${facts.region}, not ${rt.account}/${rt.region}` };
  }
  if (!isStoppedOrReclaimNotice(facts)) {
    return { ...base, subject: 'none', action: `ignored: lastStatus ${facts.lastStatus} is neither a stop nor a Spot notice` };
  }
  const subject = subjectOfStop(facts, rt.automation);
  if (subject.kind === 'none') {
    rt.log.info('a stopped task nobody configured; ignored', { taskArn: facts.taskArn, reason: subject.reason });
    return { ...base, subject: 'none', action: `ignored: ${subject.reason}` };
  }

  const stop = await summarize(facts, rt);
  rt.log.info('task stop classified', {
    taskArn: facts.taskArn,
    category: stop.classification.category,
    because: stop.classification.because,
  });
  let action: string;
  switch (subject.kind) {
    case 'job':
      action = await onJobTaskStopped(subject.job, stop, rt);
      break;
    case 'watched-task':
      action = await onWatchedTaskStopped(subject.spec, stop, rt);
      break;
    case 'service':
      action = await onServiceTaskStopped(subject.watch, stop, rt);
      break;
  }
  return { ...base, subject: subject.kind, category: stop.classification.category, action };
}
