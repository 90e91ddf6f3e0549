/** A watched task stopped (or got its Spot notice): restart it with back-off, or pause restarts on a crash loop. */
import type { WatchedTaskSpec } from '../config/schema.ts';
import type { AlertBlock } from '../events/alert.ts';
import type { AutopilotEvent } from '../events/bus.ts';
import {
  type CrashLoopDetail,
  STOPPED_TASK_DETAIL_TYPES,
  type StoppedTaskSummary,
  type WatchedTaskStoppedDetail,
} from '../events/stopped-task-events.ts';
import { STALE_WRITE_ROUNDS, StaleWriteError } from '../state/versioned.ts';
import { timerName } from '../timers/timers.ts';
import { decideRestart } from './decide-restart.ts';
import { dominant } from './decide-service-stop.ts';
import type { StopRuntime } from './runtime.ts';
import { armPausedCheck, restartWatchedTask } from './watched-tasks.ts';

export async function onWatchedTaskStopped(
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
      if (error instanceof StaleWriteError && round < STALE_WRITE_ROUNDS) continue;
      throw error;
    }
  }
}
