/**
 * Inhibition, like Alertmanager's inhibit_rules: while a group matching a rule's source fires, a message of
 * a group matching its target, with the same value of every `equal` label, is held back (hold.ts). A lost
 * host explains the crash loops it causes; the on-call person hears of the host, not of every task on it.
 *
 * Firing is what the groups' decisions say (an open episode, listed in ALERT_GROUP_INDEX), whether or not
 * a message of it went out yet: the source of a burst is often still in its groupWait when the burst's
 * first crash loop is due. Only firing messages are held: a resolved message of a group people heard of
 * always goes out, or they would wait for an end that never comes.
 */
import type { InhibitRule } from '../config/inhibit-schema.ts';
import type { AlertBlock } from '../events/alert.ts';
import type { AlertGroupList, LabelledGroup } from '../state/alert-group-list.ts';
import type { Hold, HoldCheck } from './hold.ts';
import { type MatcherLabel, matchesAll } from './silence-matchers.ts';

/** The firing group that inhibits `target` and the rule by which, if any. Pure. */
export function inhibitorOf(
  rules: readonly InhibitRule[],
  target: LabelledGroup,
  firing: readonly LabelledGroup[],
): { by: string; rule: string } | undefined {
  for (const rule of rules) {
    if (!matchesAll(rule.targetMatchers, target.alert)) continue;
    // Alertmanager's guard: a group on both sides of a rule is not inhibited by another on both sides,
    // so that two such groups cannot hold each other back and neither be heard.
    const targetIsSource = matchesAll(rule.sourceMatchers, target.alert);
    for (const source of firing) {
      if (source.groupKey === target.groupKey) continue;
      if (!matchesAll(rule.sourceMatchers, source.alert)) continue;
      if (targetIsSource && matchesAll(rule.targetMatchers, source.alert)) continue;
      if (!rule.equal.every((label) => labelValue(source.alert, label) === labelValue(target.alert, label))) continue;
      return { by: source.groupKey, rule: rule.name };
    }
  }
  return undefined;
}

function labelValue(alert: AlertBlock, label: MatcherLabel): string {
  switch (label) {
    case 'cluster':
      return alert.cluster;
    case 'subject':
      return `${alert.subject.kind}:${alert.subject.name}`;
    case 'category':
      return alert.category;
    case 'severity':
      return alert.severity;
  }
}

/**
 * The hold check of `rules`: reads nothing for a message no rule targets; otherwise the groups firing
 * (those of the message's cluster only, in one Query, when every rule that targets it needs the same
 * cluster) and their labels, in one batch read. A group of several clusters (a groupBy without cluster)
 * names no cluster, so it inhibits nothing by a rule with `equal: [cluster]`.
 */
export function inhibitionHold(rules: readonly InhibitRule[], groups: AlertGroupList): HoldCheck {
  return async ({ groupKey, alert, status }): Promise<Hold | undefined> => {
    if (status !== 'firing') return undefined;
    const targeting = rules.filter((rule) => matchesAll(rule.targetMatchers, alert));
    if (targeting.length === 0) return undefined;
    const sameCluster = targeting.every((rule) => rule.equal.includes('cluster'));
    const firingKeys = (await groups.groupKeys('firing', sameCluster ? alert.cluster : undefined)).filter((key) => key !== groupKey);
    if (firingKeys.length === 0) return undefined;
    const inhibitor = inhibitorOf(targeting, { groupKey, alert }, await groups.labelled(firingKeys));
    return inhibitor && { kind: 'inhibited', by: inhibitor.by, rule: inhibitor.rule };
  };
}
