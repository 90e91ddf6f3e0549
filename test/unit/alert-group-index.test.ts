import { describe, expect, it } from 'vitest';
import { ALERT_GROUP_INDEX, ALERT_GROUPS_LISTED, keys } from '../../shared/state/keys.ts';
import { STATE_TABLE_DEFINITION } from '../../shared/state/table-definition.ts';

describe('the alert group index', () => {
  it('is named as deployed, keys only, from the one table definition', () => {
    expect(ALERT_GROUP_INDEX).toStrictEqual({ name: 'alert-groups', partition: 'alertList', sort: 'alertStatus' });
    expect(ALERT_GROUPS_LISTED).toBe('ALERT_GROUPS');
    expect(STATE_TABLE_DEFINITION.GlobalSecondaryIndexes.map((index) => [index.IndexName, index.Projection.ProjectionType])).toEqual([
      ['by-deadline', 'KEYS_ONLY'],
      ['alert-groups', 'KEYS_ONLY'],
    ]);
  });

  it('lists a group under its status and its cluster, in the default grouping and in another', () => {
    expect(keys.alertListing('prod|service:web|crash-loop', 'firing')).toEqual({
      alertList: 'ALERT_GROUPS',
      alertStatus: 'FIRING#prod|prod|service:web|crash-loop',
    });
    expect(keys.alertListing('cluster=prod|category=capacity', 'resolved').alertStatus).toBe(
      'RESOLVED#prod|cluster=prod|category=capacity',
    );
    // A grouping without the cluster: a group of several clusters, listed under none.
    expect(keys.alertListing('category=capacity', 'firing').alertStatus).toBe('FIRING#|category=capacity');
    expect(keys.alertListing('severity=critical|category=capacity', 'firing').alertStatus).toBe(
      'FIRING#|severity=critical|category=capacity',
    );
  });

  it("a cluster's prefix finds its groups only, not those of a cluster whose name begins like it", () => {
    const { skPrefix } = keys.alertGroupsListed('firing', 'prod');
    const listedUnder = (groupKey: string) => keys.alertListing(groupKey, 'firing').alertStatus.startsWith(skPrefix);
    expect(listedUnder('prod|service:web|crash-loop')).toBe(true);
    expect(listedUnder('cluster=prod|category=capacity')).toBe(true);
    expect(listedUnder('prod-eu|service:web|crash-loop')).toBe(false);
    expect(listedUnder('category=capacity')).toBe(false);
    expect(keys.alertListing('prod|service:web|crash-loop', 'resolved').alertStatus.startsWith(skPrefix)).toBe(false);
    expect(keys.alertGroupsListed('resolved')).toEqual({ pk: 'ALERT_GROUPS', skPrefix: 'RESOLVED#' });
  });

  it("gives back the group key of a group's item", () => {
    expect(keys.alertGroupOf(keys.alertDecisions('prod|job:nightly|job-failing').pk)).toBe('prod|job:nightly|job-failing');
  });
});
