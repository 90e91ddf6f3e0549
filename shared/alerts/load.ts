/** Reads only: a group's inbox (the events counted, what is settled) and its decisions (with their actions). */
import type { AlertGroups, InboxRead, Settled, StoredDecisions } from '../state/alert-groups.ts';
import type { GroupInbox } from './decide.ts';

export interface LoadedGroup extends StoredDecisions {
  groupKey: string;
  inbox: GroupInbox | undefined;
  settled: Settled;
}

/** `counted`: the inbox as the count that just happened returned it, which needs no second read. */
export async function loadGroup(groupKey: string, groups: AlertGroups, counted?: InboxRead): Promise<LoadedGroup> {
  const [read, stored] = await Promise.all([counted ?? groups.inbox(groupKey), groups.decisions(groupKey)]);
  return { groupKey, ...stored, inbox: read?.inbox, settled: read?.settled ?? { version: 0, flushAt: undefined } };
}

/**
 * Whether the decisions' actions may not all be carried out: the inbox does not say their version is
 * settled. Decisions about an inbox that has expired since are no one's to finish.
 */
export function unsettled(group: LoadedGroup): boolean {
  return (
    group.version > 0 &&
    group.version !== group.settled.version &&
    group.inbox !== undefined &&
    group.decisions.countingSince === group.inbox.countingSince
  );
}
