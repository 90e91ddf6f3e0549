/**
 * An "ECS Task State Change" event, end to end: parse, check it is ours and new, classify, decide
 * (pure: decide-job-stop, decide-restart, decide-service-stop), then apply — record, set timers,
 * launch restarts, publish events. The claim on the task's event is completed last, so a crash midway
 * leaves the event to its redelivery.
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type { JobSpec, ServiceWatch, WatchedTaskSpec } from '../config/schema.ts';
import { RetryableAwsError } from '../errors.ts';
import type { AlertBlock } from '../events/alert.ts';
import type { AutopilotEvent } from '../events/bus.ts';
import {
  type CrashLoopDetail,
  STOPPED_TASK_DETAIL_TYPES,
  type StoppedTaskSummary,
  type WatchedTaskStoppedDetail,
} from '../events/stopped-task-events.ts';
import { publishOutcome } from '../jobs/run-events.ts';
import type { RunRecord } from '../jobs/run-record.ts';
import { StaleWriteError } from '../state/versioned.ts';
import { timerName } from '../timers/timers.ts';
import { adviceFor } from './advice.ts';
import { classifyStop } from './classify.ts';
import { decideJobStop } from './decide-job-stop.ts';
import { decideRestart } from './decide-restart.ts';
import { decideServiceStop, dominant, isCounted } from './decide-service-stop.ts';
import { consoleTaskUrl, essentialContainersOf, logLinksOf } from './links.ts';
import { subjectOfStop } from './route.ts';
import type { StopRuntime } from './runtime.ts';
import type { TaskStopFacts } from './stop-facts.ts';
import { parseTaskStateChange } from './task-event.ts';
import { armPausedCheck, restartWatchedTask } from './watched-tasks.ts';

export interface StopOutcome {
  taskArn: string;
  subject: string;
  category?: string | undefined;
  action: string;
}

/** How many times a decision is re-read and re-made when another invocation wrote the same item first. */
const STALE_WRITE_RETRIES = 5;

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

async function onJobTaskStopped(job: JobSpec, stop: StoppedTaskSummary, rt: StopRuntime): Promise<string> {
  if (stop.isSpotNotice) return 'nothing: a job task is settled when it stops, not at its Spot notice';
  for (let round = 1; ; round++) {
    const run = (await rt.runs.list(job.name, 50)).find((candidate) => candidate.taskArns.includes(stop.taskArn));
    if (!run) {
      rt.log.warn('no recent run of the job has this task', { job: job.name, taskArn: stop.taskArn });
      return `nothing: none of the last 50 runs of ${job.name} launched ${stop.taskId}`;
    }
    const definitions = await rt.containerDefinitions(stop.taskDefinitionArn);
    const decision = decideJobStop({
      run,
      job,
      stop,
      essentialContainers: definitions ? essentialContainersOf(definitions) : undefined,
      now: rt.now(),
    });
    try {
      switch (decision.kind) {
        case 'ignore':
          // A crash between recording and announcing left the outcome unannounced: announce it now.
          if (run.status !== 'launched' && run.status !== 'launching' && !run.eventPublished) await publishOutcome(run, rt);
          return `nothing: ${decision.reason}`;
        case 'wait':
          // Thrown so the event is delivered again (Lambda's asynchronous retries) once the launch settled.
          throw new RetryableAwsError(`${decision.reason}; the stop of ${stop.taskId} is handled when it is launched`);
        case 'record':
          await rt.runs.save(decision.run);
          return `recorded the stop; run ${run.scheduledTime} #${run.attempt} is ${decision.run.status}`;
        case 'settle': {
          // The retry's timer first: if the invocation dies after it, the redelivery sets the same timer again.
          if (decision.retry) {
            await rt.timers.set({
              name: timerName('retry', job.name, run.scheduledTime, decision.retry.attempt),
              at: decision.retry.at,
              target: 'run-batch-job',
              input: { job: job.name, scheduledTime: run.scheduledTime, attempt: decision.retry.attempt },
            });
          }
          const saved = await rt.runs.save(decision.run);
          await publishOutcome(saved, rt);
          return describeSettlement(saved);
        }
      }
    } catch (error) {
      if (error instanceof StaleWriteError && round < STALE_WRITE_RETRIES) continue;
      throw error;
    }
  }
}

function describeSettlement(run: RunRecord): string {
  if (run.status === 'succeeded') return `run ${run.scheduledTime} #${run.attempt} succeeded`;
  const retry = run.retry?.willRetry ? `attempt ${run.retry.nextAttempt} at ${run.retry.retryAt}` : 'no retry';
  return `run ${run.scheduledTime} #${run.attempt} failed (${run.category}); ${retry}`;
}

async function onWatchedTaskStopped(
  spec: WatchedTaskSpec,
  stop: StoppedTaskSummary,
  replacementStarted: boolean,
  rt: StopRuntime,
): Promise<{ action: string; replacementStarted: boolean }> {
  for (let round = 1; ; round++) {
    const state = await rt.watches.get(spec.name);
    const decision = decideRestart({ spec, facts: stop, classification: stop.classification, state, replacementStarted, now: rt.now() });
    const stopped = (d: WatchedTaskStoppedDetail['decision'], alert?: AlertBlock): AutopilotEvent => ({
      detailType: STOPPED_TASK_DETAIL_TYPES.watchedTaskStopped,
      detail: { watchedTask: spec.name, stop, decision: d, ...(alert && { alert }) } satisfies WatchedTaskStoppedDetail,
      resources: [stop.taskArn],
      time: rt.now(),
    });
    // A task that cannot even start will not heal by restarting: someone must hear of it at once.
    const startFailure: AlertBlock | undefined =
      stop.classification.category === 'failed-to-start'
        ? {
            cluster: stop.clusterName,
            subject: { kind: 'watched-task', name: spec.name },
            category: 'failed-to-start',
            severity: 'critical',
          }
        : undefined;
    try {
      switch (decision.kind) {
        case 'no-restart':
        case 'paused':
          await rt.bus.publish([stopped({ kind: decision.kind, reason: decision.reason }, startFailure)]);
          return { action: `no restart: ${decision.reason}`, replacementStarted: false };
        case 'restart-now': {
          const restarted = await restartWatchedTask(spec, stop.taskArn, 1, rt);
          await rt.bus.publish([
            stopped({ kind: 'restart-now', reason: decision.reason }, startFailure),
            ...(restarted ? [restarted] : []),
          ]);
          return { action: `restarted now: ${decision.reason}`, replacementStarted: stop.isSpotNotice };
        }
        case 'restart-later': {
          await rt.timers.set({
            name: timerName('restart', spec.name, stop.taskArn, 1),
            at: decision.at,
            target: 'on-task-stopped',
            input: { timer: 'restart-watched-task', watchedTask: spec.name, replacing: stop.taskArn, try: 1 },
          });
          await rt.watches.save(decision.state);
          await rt.bus.publish([
            stopped({ kind: 'restart', delaySeconds: decision.delaySeconds, restartAt: decision.at.toISOString() }, startFailure),
          ]);
          return { action: `restart in ${decision.delaySeconds}s: ${decision.reason}`, replacementStarted: false };
        }
        case 'pause': {
          const saved = await rt.watches.save(decision.state);
          await armPausedCheck(spec, rt);
          const crashLoop: CrashLoopDetail = {
            subject: { kind: 'watched-task', name: spec.name },
            cluster: stop.clusterName,
            stops: decision.restartsInWindow + 1,
            windowSeconds: spec.crashLoopBudget.windowSeconds,
            dominantCategory: dominant(decision.categories) ?? stop.classification.category,
            categories: decision.categories,
            action: 'restarts-paused',
            lastStop: stop,
            resumeWith: `npx ecs-autopilot resume ${spec.name}`,
            pausedAt: saved.paused?.at,
            // Paused restarts stay paused however quiet it gets: the resume resolves the alert.
            alert: {
              cluster: stop.clusterName,
              subject: { kind: 'watched-task', name: spec.name },
              category: 'crash-loop',
              severity: 'critical',
              resolvedBy: 'resolving-event',
            },
          };
          await rt.bus.publish([
            stopped({ kind: 'paused', reason: decision.reason }),
            {
              detailType: STOPPED_TASK_DETAIL_TYPES.crashLoopDetected,
              detail: { ...crashLoop },
              resources: [stop.taskArn],
              time: rt.now(),
            },
          ]);
          return { action: `restarts paused: ${decision.reason}`, replacementStarted: false };
        }
      }
    } catch (error) {
      if (error instanceof StaleWriteError && round < STALE_WRITE_RETRIES) continue;
      throw error;
    }
  }
}

async function onServiceTaskStopped(watch: ServiceWatch, stop: StoppedTaskSummary, rt: StopRuntime): Promise<string> {
  if (stop.isSpotNotice) return 'nothing: ECS replaces a service task when it stops';
  const { category } = stop.classification;
  const window = isCounted(watch, category)
    ? await rt.serviceStops.count(stop.clusterName, watch.service, category, rt.now(), watch.crashLoop.windowSeconds)
    : undefined;
  const decision = decideServiceStop(watch, stop, window);
  const events: AutopilotEvent[] = [
    {
      detailType: STOPPED_TASK_DETAIL_TYPES.serviceTaskStopped,
      detail: { ...decision.stopped },
      resources: [stop.taskArn],
      time: rt.now(),
    },
  ];
  if (decision.crashLoop) {
    events.push({
      detailType: STOPPED_TASK_DETAIL_TYPES.crashLoopDetected,
      detail: { ...decision.crashLoop },
      resources: [stop.taskArn],
      time: rt.now(),
    });
  }
  await rt.bus.publish(events);
  if (!window) return `not counted: ${category} is in the service's ignore list`;
  return decision.crashLoop
    ? `crash loop: ${window.total} stops within the window (dominant ${decision.crashLoop.dominantCategory})`
    : `counted: ${window.total} of ${watch.crashLoop.stops} stops within the window`;
}
