/**
 * The EventBridge rules that follow from automation.yml, each with the bus it listens on, its pattern and
 * the function it invokes: one definition, which the stack generator (rules.ts) turns into rules with
 * their retries, dead-letter queues and permissions, and by which the sandbox routes the events it sees.
 * The patterns come from each capability's trigger contract (shared/<capability>/trigger.ts); only the
 * names of the AWS resources they select differ: CloudFormation expressions in the template, the
 * emulator's ARNs in the sandbox.
 */
import { ALERT_EVENT_PATTERN } from '../alerts/trigger.ts';
import type { AppSpec } from '../blue-green/model.ts';
import { alarmEventPattern, DEPLOYMENT_REQUEST_PATTERN, serviceEventPattern } from '../blue-green/trigger.ts';
import { CLUSTER_NAME } from '../config/cluster.ts';
import type { Automation } from '../config/schema.ts';
import type { EventPattern } from '../events/event-pattern.ts';
import { chainEventPattern } from '../jobs/trigger.ts';
import { ecsServiceEventPattern } from '../service-events/trigger.ts';
import { taskEventPattern } from '../stopped-tasks/trigger.ts';
import { distinct } from './distinct.ts';
import { FUNCTION_NAMES } from './naming.ts';
import { splitBySize } from './rule-split.ts';

/** How the rules name the clusters and services they select, as automation.yml gives them (a name or an ARN). */
export interface ResourceNames<Arn> {
  cluster(cluster: string): Arn;
  service(cluster: string, service: string): Arn;
}

/** The functions a rule invokes. */
export type RuleTarget =
  | typeof FUNCTION_NAMES.onTaskStopped
  | typeof FUNCTION_NAMES.notify
  | typeof FUNCTION_NAMES.shiftTraffic
  | typeof FUNCTION_NAMES.runBatchJob;

/**
 * Where a rule listens: the default bus, where AWS services put their events, or the stack's own bus,
 * where ecs-autopilot's decisions and the deployment requests are put.
 */
export type RuleBus = 'default' | 'own';

export interface EventRule {
  /** The rule's name after the stack's prefix (`<service>-<stage>-<name>`); its dead-letter queue is `<name>-dlq`. */
  name: 'task-events' | 'service-events' | 'alerts' | 'job-chains' | 'deployment-requests' | 'deployment-ecs-events' | 'deployment-alarms';
  description: string;
  bus: RuleBus;
  pattern: EventPattern;
  target: RuleTarget;
  /**
   * Which part of a rule split because one pattern cannot list all it selects (rule-split.ts): 1, 2, …;
   * absent when the rule is whole. Part n > 1 is deployed as `<name>-<n>`.
   */
  part?: number;
}

export type EventRuleName = EventRule['name'];

/**
 * The rules, in the template's order. Task events only when the file names a cluster, service events only
 * when it watches services, job chains only when a job runs after another; the deployment
 * rules only with apps, and the alarms' only when an app gates on an alarm.
 */
export function eventRules<Arn>(automation: Automation, names: ResourceNames<Arn>): EventRule[] {
  const apps = Object.values(automation.apps);
  const launched = [...Object.values(automation.jobs), ...Object.values(automation.watchedTasks), ...Object.values(automation.services)];
  const clusters = distinct(launched.map((spec) => spec.cluster));
  const alarms = gateAlarmsOf(apps);
  const rules: EventRule[] = [];
  rules.push(
    ...inParts(
      {
        name: 'task-events',
        description: 'Stopped tasks and capacity reclaim notices of the clusters in automation.yml',
        bus: 'default',
        target: FUNCTION_NAMES.onTaskStopped,
      },
      clusters,
      LONGEST_NAMES.cluster,
      (part) => taskEventPattern(distinct(part.map(names.cluster))),
      taskEventPattern,
    ),
  );
  const services = distinct(Object.values(automation.services).map((watch) => ({ cluster: watch.cluster, service: watch.service })));
  rules.push(
    ...inParts(
      {
        name: 'service-events',
        description: 'ECS placement failures, failed deployments and steady state of the services in automation.yml',
        bus: 'default',
        target: FUNCTION_NAMES.onTaskStopped,
      },
      services,
      longestService,
      (part) => ecsServiceEventPattern(distinct(part.map((s) => names.service(s.cluster, s.service)))),
      ecsServiceEventPattern,
    ),
  );
  rules.push({
    name: 'alerts',
    description: 'ecs-autopilot events that should reach a person (they carry detail.alert)',
    bus: 'own',
    pattern: ALERT_EVENT_PATTERN,
    target: FUNCTION_NAMES.notify,
  });
  const upstreams = distinct(Object.values(automation.jobs).flatMap((job) => job.after));
  rules.push(
    ...inParts(
      {
        name: 'job-chains',
        description: 'The ends of the runs of jobs that others run after (after: in automation.yml)',
        bus: 'own',
        target: FUNCTION_NAMES.runBatchJob,
      },
      upstreams,
      (upstream) => upstream,
      (part) => chainEventPattern(part),
      (values) => chainEventPattern([...values]),
    ),
  );
  if (apps.length > 0) {
    rules.push(
      {
        name: 'deployment-requests',
        description: 'Deployment, promotion and abort requests for the apps in automation.yml',
        bus: 'own',
        pattern: DEPLOYMENT_REQUEST_PATTERN,
        target: FUNCTION_NAMES.shiftTraffic,
      },
      ...inParts(
        {
          name: 'deployment-ecs-events',
          description: 'Rollout and service events of the blue and green services of the apps in automation.yml',
          bus: 'default',
          target: FUNCTION_NAMES.shiftTraffic,
        },
        appServiceKeys(apps),
        longestService,
        (part) => serviceEventPattern(distinct(part.map((s) => names.service(s.cluster, s.service)))),
        serviceEventPattern,
      ),
    );
  }
  rules.push(
    ...inParts(
      {
        name: 'deployment-alarms',
        description: 'State changes of the gate alarms of the apps in automation.yml',
        bus: 'default',
        target: FUNCTION_NAMES.shiftTraffic,
      },
      alarms,
      (alarm) => alarm,
      (part) => alarmEventPattern(part),
      alarmEventPattern,
    ),
  );
  return rules;
}

/**
 * A rule selecting `items`, whole when one pattern holds them all, else in parts (rule-split.ts); no
 * items, no rule. `patternOf` builds a part's pattern with the caller's names, `measured` one of the
 * longest names the items can stand for.
 */
function inParts<T>(
  rule: Omit<EventRule, 'pattern' | 'part'>,
  items: readonly T[],
  longest: (item: T) => string,
  patternOf: (part: T[]) => EventPattern,
  measured: (values: string[]) => EventPattern,
): EventRule[] {
  if (items.length === 0) return [];
  const parts = splitBySize(items, longest, (values) => measured([...values]));
  if (parts.length === 1) return [{ ...rule, pattern: patternOf([...items]) }];
  return parts.map((part, index) => ({ ...rule, pattern: patternOf(part), part: index + 1 }));
}

/**
 * The longest ARN each name in automation.yml can stand for: a cluster named by its name in the
 * aws-us-gov partition and a 14-character region (as aws-limits.ts measures), a cluster given as an ARN
 * as itself.
 */
const LONGEST_ECS_ARN_HEAD = 'arn:aws-us-gov:ecs:ap-southeast-2:123456789012:';
const LONGEST_NAMES: ResourceNames<string> = {
  cluster: (cluster) => (CLUSTER_NAME.test(cluster) ? `${LONGEST_ECS_ARN_HEAD}cluster/${cluster}` : cluster),
  service: (cluster, service) =>
    CLUSTER_NAME.test(cluster)
      ? `${LONGEST_ECS_ARN_HEAD}service/${cluster}/${service}`
      : `${cluster.replace(':cluster/', ':service/')}/${service}`,
};
const longestService = (s: { cluster: string; service: string }) => LONGEST_NAMES.service(s.cluster, s.service);

/** The deployed name of a rule after the stack's prefix: part n > 1 of a split rule is `<name>-<n>`. */
export const deployedRuleName = (rule: Pick<EventRule, 'name' | 'part'>): string =>
  rule.part === undefined || rule.part === 1 ? rule.name : `${rule.name}-${rule.part}`;

/** The blue and green services of every app, as automation.yml names them, each once. */
function appServiceKeys(apps: AppSpec[]): { cluster: string; service: string }[] {
  return distinct(
    apps.flatMap((app) => [app.colours.blue, app.colours.green].map((colour) => ({ cluster: app.cluster, service: colour.service }))),
  );
}

/** The blue and green services of every app, each once. */
export function appServices<Arn>(apps: AppSpec[], names: ResourceNames<Arn>): Arn[] {
  return distinct(apps.flatMap((app) => [app.colours.blue, app.colours.green].map((colour) => names.service(app.cluster, colour.service))));
}

/** The gate alarms of every app, each once, in first-seen order. */
export function gateAlarmsOf(apps: AppSpec[]): string[] {
  return distinct(apps.flatMap((app) => app.gates.alarms));
}
