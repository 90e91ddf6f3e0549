/**
 * What a stopped-task decision asks to be done, as plain data saved with the decision (the outbox) before
 * any of it is done, so that a failed call or a crash leaves it to the next delivery. Every action is
 * keyed, so doing it again is harmless: an event by its deterministic id (consumers take an id once), a
 * timer by its name, a restart's launch by its RunTask client token.
 */
import type { PendingEvent } from '../events/pending-event.ts';
import type { Timer, TimerTarget } from '../timers/timers.ts';

export interface PendingTimer {
  name: string;
  at: string;
  target: TimerTarget;
  input: unknown;
}

/** A watched task's restart to launch: the stopped task it replaces and which try it is make its client token. */
export interface RestartLaunchRequest {
  replacing: string;
  try: number;
  /** The revision the replaced task ran, when known. */
  taskDefinitionArn?: string | undefined;
}

export type StopAction =
  | { kind: 'publish'; event: PendingEvent }
  | { kind: 'set-timer'; timer: PendingTimer }
  | { kind: 'launch-restart'; launch: RestartLaunchRequest };

export function publish(event: Omit<PendingEvent, 'time'>, now: Date): StopAction {
  return { kind: 'publish', event: { ...event, time: now.toISOString() } };
}

export function setTimer(timer: Timer): StopAction {
  return { kind: 'set-timer', timer: { ...timer, at: timer.at.toISOString() } };
}

/**
 * The id of an event a decision about `key` publishes: the detail-type in lower case, then the key (a task
 * ARN and its event's detail.version, a restart's client token, a state's version), e.g.
 * `watched-task-stopped:arn:aws:ecs:…:task/workers/0f1e…#7`.
 */
export function eventId(detailType: string, key: string): string {
  return `${detailType.toLowerCase().replace(/ /g, '-')}:${key}`;
}
