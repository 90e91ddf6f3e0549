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
import type { Automation } from '../config/schema.ts';
import type { EventPattern } from '../events/event-pattern.ts';
import { chainEventPattern } from '../jobs/trigger.ts';
import { ecsServiceEventPattern } from '../service-events/trigger.ts';
import { taskEventPattern } from '../stopped-tasks/trigger.ts';
import { distinct } from './distinct.ts';
import { FUNCTION_NAMES } from './naming.ts';

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
  const clusters = distinct(launched.map((spec) => names.cluster(spec.cluster)));
  const alarms = gateAlarmsOf(apps);
  const rules: EventRule[] = [];
  if (clusters.length > 0) {
    rules.push({
      name: 'task-events',
      description: 'Stopped tasks and capacity reclaim notices of the clusters in automation.yml',
      bus: 'default',
      pattern: taskEventPattern(clusters),
      target: FUNCTION_NAMES.onTaskStopped,
    });
  }
  const services = Object.values(automation.services);
  if (services.length > 0) {
    rules.push({
      name: 'service-events',
      description: 'ECS placement failures, failed deployments and steady state of the services in automation.yml',
      bus: 'default',
      pattern: ecsServiceEventPattern(distinct(services.map((watch) => names.service(watch.cluster, watch.service)))),
      target: FUNCTION_NAMES.onTaskStopped,
    });
  }
  rules.push({
    name: 'alerts',
    description: 'ecs-autopilot events that should reach a person (they carry detail.alert)',
    bus: 'own',
    pattern: ALERT_EVENT_PATTERN,
    target: FUNCTION_NAMES.notify,
  });
  const upstreams = distinct(Object.values(automation.jobs).flatMap((job) => job.after));
  if (upstreams.length > 0) {
    rules.push({
      name: 'job-chains',
      description: 'The ends of the runs of jobs that others run after (after: in automation.yml)',
      bus: 'own',
      pattern: chainEventPattern(upstreams),
      target: FUNCTION_NAMES.runBatchJob,
    });
  }
  if (apps.length > 0) {
    rules.push(
      {
        name: 'deployment-requests',
        description: 'Deployment, promotion and abort requests for the apps in automation.yml',
        bus: 'own',
        pattern: DEPLOYMENT_REQUEST_PATTERN,
        target: FUNCTION_NAMES.shiftTraffic,
      },
      {
        name: 'deployment-ecs-events',
        description: 'Rollout and service events of the blue and green services of the apps in automation.yml',
        bus: 'default',
        pattern: serviceEventPattern(appServices(apps, names)),
        target: FUNCTION_NAMES.shiftTraffic,
      },
    );
  }
  if (alarms.length > 0) {
    rules.push({
      name: 'deployment-alarms',
      description: 'State changes of the gate alarms of the apps in automation.yml',
      bus: 'default',
      pattern: alarmEventPattern(alarms),
      target: FUNCTION_NAMES.shiftTraffic,
    });
  }
  return rules;
}

/** The blue and green services of every app, each once. */
export function appServices<Arn>(apps: AppSpec[], names: ResourceNames<Arn>): Arn[] {
  return distinct(apps.flatMap((app) => [app.colours.blue, app.colours.green].map((colour) => names.service(app.cluster, colour.service))));
}

/** The gate alarms of every app, each once, in first-seen order. */
export function gateAlarmsOf(apps: AppSpec[]): string[] {
  return distinct(apps.flatMap((app) => app.gates.alarms));
}
