/**
 * notifications.inhibit of automation.yml: Alertmanager's inhibit_rules in the operator's words. While a
 * group matching a rule's sourceMatchers fires, the messages of groups matching its targetMatchers that
 * have the same value of every label in `equal` are held back (shared/alerts/inhibition.ts).
 *
 *   notifications:
 *     inhibit:
 *       - name: lost-capacity
 *         sourceMatchers: ['category=~"host-lost|spot-interruption|infrastructure-loss|placement-failure"']
 *         targetMatchers: ['category=~"app-error|crash-loop"']
 *         equal: [cluster]
 *
 * Without `inhibit`, that rule applies; `inhibit: []` turns inhibition off. Matchers are written as for
 * silences (shared/alerts/silence-matchers.ts).
 */
import * as z from 'zod';
import { MATCHER_LABELS, type Matcher, MatcherError, type MatcherLabel, parseMatcher } from '../alerts/silence-matchers.ts';

export interface InhibitRule {
  /** Named in the hold (`inhibited by … (rule lost-capacity)`); `#<position>` when the rule has no name. */
  name: string;
  sourceMatchers: Matcher[];
  targetMatchers: Matcher[];
  equal: MatcherLabel[];
}

/**
 * The categories that say the cluster lost capacity (hosts, Spot capacity, room to place tasks), and the
 * application failures that follow from it. launch-failed and failed-to-start are not sources: one task's
 * bad image or role says nothing about its neighbours.
 */
const LOST_CAPACITY = ['host-lost', 'spot-interruption', 'infrastructure-loss', 'placement-failure'];
const EXPLAINED_BY_LOST_CAPACITY = ['app-error', 'crash-loop'];

export const DEFAULT_INHIBIT_RULES: readonly InhibitRule[] = [
  {
    name: 'lost-capacity',
    sourceMatchers: [parseMatcher(`category=~"${LOST_CAPACITY.join('|')}"`)],
    targetMatchers: [parseMatcher(`category=~"${EXPLAINED_BY_LOST_CAPACITY.join('|')}"`)],
    equal: ['cluster'],
  },
];

const matchers = (side: string) =>
  z
    .array(z.string())
    .min(1, { error: `${side} needs at least one matcher, e.g. category=host-lost` })
    .max(20)
    .transform((texts, ctx) => {
      const parsed: Matcher[] = [];
      for (const text of texts) {
        try {
          parsed.push(parseMatcher(text));
        } catch (error) {
          if (!(error instanceof MatcherError)) throw error;
          ctx.addIssue({ code: 'custom', message: error.message });
        }
      }
      return parsed;
    })
    .meta({
      description: `${side}: matchers over cluster, subject, category and severity, such as category=host-lost or cluster=~"prod-.*"`,
    });

const inhibitRule = z.strictObject({
  name: z.string().min(1).max(64).optional().meta({ description: 'named in the messages held and in `ecs-autopilot alerts`' }),
  sourceMatchers: matchers('the groups whose firing holds others back'),
  targetMatchers: matchers('the groups held back'),
  equal: z.array(z.enum(MATCHER_LABELS)).max(MATCHER_LABELS.length).default([]).meta({
    description: 'labels the source and the target must share, e.g. [cluster]: a lost host in one cluster explains nothing in another',
  }),
});

export const inhibitSchema = z
  .array(inhibitRule)
  .max(50)
  .transform((rules): InhibitRule[] => rules.map((rule, index) => ({ ...rule, name: rule.name ?? `#${index + 1}` })))
  .default(() => [...DEFAULT_INHIBIT_RULES])
  .meta({
    description:
      'Inhibition (like Alertmanager): while a group matching sourceMatchers fires, groups matching targetMatchers with the same `equal` labels are held back. Default: lost capacity (host-lost, spot-interruption, infrastructure-loss, placement-failure) holds back app-error and crash-loop of the same cluster; [] turns it off',
  });
