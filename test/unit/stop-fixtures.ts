/**
 * Builders for the unit tests of on-task-stopped's decisions. Specs go through the real schema
 * (validateAutomation), stops through the real parser and classifier, so a fixture is always something
 * automation.yml and an "ECS Task State Change" event could produce.
 */
import { validateAutomation } from '../../shared/config/load.ts';
import type { Automation, AutomationInput, RetryPolicy, ServiceWatch, WatchedTaskSpec } from '../../shared/config/schema.ts';
import type { StoppedTaskSummary } from '../../shared/events/stopped-task-events.ts';
import { adviceFor } from '../../shared/stopped-tasks/advice.ts';
import { classifyStop } from '../../shared/stopped-tasks/classify.ts';
import type { WatchState } from '../../shared/stopped-tasks/decide-restart.ts';
import { consoleTaskUrl } from '../../shared/stopped-tasks/links.ts';
import type { TaskStopFacts } from '../../shared/stopped-tasks/stop-facts.ts';
import { parseTaskStateChange } from '../../shared/stopped-tasks/task-event.ts';
import { type StoppedTaskOverrides, stoppedTaskEvent, taskEvent } from '../fixtures/task-events.ts';
import { type JobInput, jobSpec } from './fixtures.ts';

export type RetryInput = NonNullable<JobInput['retry']>;
export type WatchedTaskInput = NonNullable<AutomationInput['watchedTasks']>[string];
export type ServiceInput = NonNullable<AutomationInput['services']>[string];

export const WATCHED_TASK = 'ledger-sync';
export const SERVICE_KEY = 'api';

/** automation.yml as validated at cold start. */
export function automation(input: AutomationInput): Automation {
  return validateAutomation(input);
}

/** The `nightly-report` job's retry policy as the schema resolves `retry` (attempts, back-off, rules). */
export function retryPolicy(retry: RetryInput = {}): RetryPolicy {
  return jobSpec({ retry }).retry;
}

/** A watched task `ledger-sync` (family ledger-sync, cluster batch) with `fields` laid over it. */
export function watchedTaskSpec(fields: Partial<WatchedTaskInput> = {}): WatchedTaskSpec {
  const spec = automation({ watchedTasks: { [WATCHED_TASK]: { taskDefinition: 'ledger-sync', cluster: 'batch', ...fields } } })
    .watchedTasks[WATCHED_TASK];
  if (!spec) throw new Error(`fixture: ${WATCHED_TASK} missing from the resolved automation`);
  return spec;
}

/** The watch of service `api` in cluster `web` with `fields` laid over it. */
export function serviceWatch(fields: Partial<ServiceInput> = {}): ServiceWatch {
  const watch = automation({ services: { [SERVICE_KEY]: { cluster: 'web', ...fields } } }).services[SERVICE_KEY];
  if (!watch) throw new Error(`fixture: ${SERVICE_KEY} missing from the resolved automation`);
  return watch;
}

/** Facts of a built STOPPED event (by default the nightly-report job's task that exited 0). */
export function stopFacts(overrides: StoppedTaskOverrides = {}): TaskStopFacts {
  return parseTaskStateChange(stoppedTaskEvent(overrides));
}

/** Facts of one of the written events in test/fixtures/task-events. */
export function fixtureFacts(name: string): TaskStopFacts {
  return parseTaskStateChange(taskEvent(name));
}

/** What `summarize` in load.ts makes of the facts, given the task definition's essential containers. */
export function summaryOf(facts: TaskStopFacts, essentialContainers?: string[]): StoppedTaskSummary {
  const classification = classifyStop(facts, { ...(essentialContainers && { essentialContainers }) });
  return { ...facts, classification, advice: adviceFor(classification, facts), consoleUrl: consoleTaskUrl(facts), logs: [] };
}

/** A summarized built stop. */
export function stoppedTask(overrides: StoppedTaskOverrides = {}, essentialContainers?: string[]): StoppedTaskSummary {
  return summaryOf(stopFacts(overrides), essentialContainers);
}

/** A summarized written stop. */
export function fixtureStop(name: string, essentialContainers?: string[]): StoppedTaskSummary {
  return summaryOf(fixtureFacts(name), essentialContainers);
}

/**
 * A stop of the watched task `ledger-sync` (a restart of it: startedBy ecs-autopilot/watched/ledger-sync)
 * whose container "sync" exited 1 after running one minute, stopped at 2026-11-22T03:00:00Z.
 */
export function watchedTaskStop(overrides: StoppedTaskOverrides = {}): TaskStopFacts {
  return stopFacts({
    taskId: '9d2e7c41a0b34f5e8c6d1a2b3c4d5e6f',
    taskDefinition: 'ledger-sync:3',
    group: 'family:ledger-sync',
    startedBy: 'ecs-autopilot/watched/ledger-sync',
    containers: [{ name: 'sync', exitCode: 1 }],
    createdAt: '2026-11-22T02:58:40.000Z',
    startedAt: '2026-11-22T02:59:00.000Z',
    stoppingAt: '2026-11-22T02:59:58.000Z',
    stoppedAt: '2026-11-22T03:00:00.000Z',
    ...overrides,
  });
}

export function watchState(fields: Partial<WatchState> = {}): WatchState {
  return { name: WATCHED_TASK, restarts: [], consecutiveFailures: 0, version: 3, ...fields };
}
