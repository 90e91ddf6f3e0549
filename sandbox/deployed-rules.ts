/**
 * The EventBridge rules the stack deploys for an automation file (shared/stack/event-rules.ts, the
 * definition the template is generated from), with the ARNs of the emulator: the sandbox routes every
 * event by them, as EventBridge would. An event reaches the function of each rule on its bus whose pattern
 * matches it, once per rule; an event that no rule matches reaches nobody.
 */
import { clusterNameOf } from '../shared/config/cluster.ts';
import type { Automation } from '../shared/config/schema.ts';
import { eventPatternMatcher } from '../shared/events/event-pattern.ts';
import { type EventRule, eventRules, type ResourceNames, type RuleBus } from '../shared/stack/event-rules.ts';

export class DeployedRules {
  private readonly rules: Array<{ rule: EventRule; matches: (event: unknown) => boolean }>;

  constructor(automation: Automation, names: ResourceNames<string>) {
    this.rules = eventRules(automation, names).map((rule) => ({ rule, matches: eventPatternMatcher(rule.pattern) }));
  }

  /** The rules on the bus the event was put on that match it, in the template's order. */
  matching(event: unknown, bus: RuleBus): EventRule[] {
    return this.rules.filter(({ rule, matches }) => rule.bus === bus && matches(event)).map(({ rule }) => rule);
  }
}

/**
 * The clusters and services as the emulator has them: in its partition, region and account (those of
 * `anArn`, any ARN it gave), by name. The sandbox creates every cluster of the file by its name
 * (clusterNameOf), so a cluster the file gives as an ARN of another account is that cluster here, as the
 * apps' load balancers are the stand-ins seeded for them.
 */
export function emulatorResourceNames(anArn: string): ResourceNames<string> {
  const [, partition, , region, account] = anArn.split(':');
  const ecsArn = (resource: string) => `arn:${partition}:ecs:${region}:${account}:${resource}`;
  return {
    cluster: (cluster) => ecsArn(`cluster/${clusterNameOf(cluster)}`),
    service: (cluster, service) => ecsArn(`service/${clusterNameOf(cluster)}/${service}`),
  };
}
