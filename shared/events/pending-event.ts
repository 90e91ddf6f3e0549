/**
 * An event as a decision decided it, kept in the decision's outbox until it is published: its id derived
 * from the decision (the bus sends it as detail.eventId, so a republished one is taken once), its time an
 * ISO 8601 string (when it was decided), so that it is stored as it is read back.
 */
import type { AutopilotEvent } from './bus.ts';

export interface PendingEvent {
  id: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
  time: string;
}

/** What the bus publishes for a pending event. */
export function busEventOf(event: PendingEvent): AutopilotEvent {
  return { id: event.id, detailType: event.detailType, detail: event.detail, resources: event.resources, time: new Date(event.time) };
}
