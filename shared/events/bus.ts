/**
 * Every decision becomes an event on the project's own bus (source "ecs-autopilot"). The catalogue of
 * detail-types lives here so the README, the notify function and pipelines agree on the names.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { RetryableAwsError } from '../errors.ts';
import type { RunStatus } from '../jobs/run-record.ts';

export const EVENT_SOURCE = 'ecs-autopilot';

export const JOB_RUN_DETAIL_TYPES: Record<Exclude<RunStatus, 'launching'>, string> = {
  'waiting-for-capacity': 'Job Run Waiting For Capacity',
  launched: 'Job Run Launched',
  skipped: 'Job Run Skipped',
  missed: 'Job Run Missed',
  failed: 'Job Run Failed',
  'timed-out': 'Job Run Timed Out',
  replaced: 'Job Run Replaced',
  succeeded: 'Job Run Succeeded',
};

export interface AutopilotEvent {
  detailType: string;
  detail: Record<string, unknown>;
  /**
   * The event's identity, derived from the decision it reports (never random): published again after a
   * crash or a retry, the same decision gives the same id, which the bus carries as `detail.eventId` so
   * that every consumer (notify, a pipeline) can take it once. EventBridge itself does not de-duplicate.
   */
  id?: string | undefined;
  /** ARNs the event is about (tasks, clusters), for EventBridge's `resources`. */
  resources?: string[] | undefined;
  time: Date;
}

/** Told of each batch the bus took; in Lambda, the metrics are derived from them (shared/metrics/). */
export type PublishedListener = (events: readonly AutopilotEvent[]) => void;

export class EventBus {
  private readonly client: EventBridgeClient;
  private readonly busName: string;
  private readonly onPublished: PublishedListener | undefined;

  constructor(client: EventBridgeClient, busName: string, onPublished?: PublishedListener) {
    this.client = client;
    this.busName = busName;
    this.onPublished = onPublished;
  }

  /** The same bus, telling `onPublished` of each batch it takes. */
  observed(onPublished: PublishedListener): EventBus {
    return new EventBus(this.client, this.busName, onPublished);
  }

  async publish(events: AutopilotEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.id === undefined ? e.detail : { ...e.detail, eventId: e.id }),
            Resources: e.resources ?? [],
            Time: e.time,
          })),
        }),
      );
      if ((result.FailedEntryCount ?? 0) > 0) {
        const reasons = (result.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [`${entry.ErrorCode}: ${entry.ErrorMessage}`] : []));
        throw new RetryableAwsError(`the event bus ${this.busName} refused ${result.FailedEntryCount} event(s): ${reasons.join('; ')}`);
      }
      // Told once the bus took the whole batch. A retry that publishes it again (after a later batch was refused, or a crash before
      // the outbox was marked) tells again: what is derived from it counts at least once, like the events themselves.
      this.onPublished?.(batch);
    }
  }
}
