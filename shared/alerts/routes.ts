/**
 * Which topics a message goes to: notifications.routes, walked in order like Alertmanager's routes. A
 * route whose labels all match sends the message to its topic; without `continue` the walk stops there.
 * A walk that gets past the last route — no route matched, or the last one that did says continue —
 * sends it to the stack's alert topic too, as every message went before routes. Each topic gets a
 * message once, however many routes name it.
 *
 * A message is routed by the labels of its group's newest alert, which its message attributes also
 * carry: a label that groupBy leaves out (severity, say) may differ between the alerts of one group, and
 * its messages go where the newest one says.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { AlertRoute, RouteDestination, RouteMatch } from '../config/alert-routing-schema.ts';
import type { AlertBlock } from '../events/alert.ts';
import { AlertTopic } from './publish.ts';

/** The routes of automation.yml, and the topic each destination is. */
export interface AlertRoutes {
  routes: readonly AlertRoute[];
  topicOf: (destination: RouteDestination) => AlertTopic;
}

/** Where a message of `alert` goes: the destinations of the routes it matches, in order, and `alert-topic` where the walk gets past them all. */
export function routedDestinations(alert: AlertBlock, routes: readonly AlertRoute[]): (RouteDestination | 'alert-topic')[] {
  const picked: (RouteDestination | 'alert-topic')[] = [];
  for (const route of routes) {
    if (!matches(route.match, alert)) continue;
    picked.push(route.destination);
    if (!route.continue) return picked;
  }
  return [...picked, 'alert-topic'];
}

/** The topics a message of `alert` is published to: the alert topic alone when there are no routes. */
export function messageTopics(alert: AlertBlock, alertTopic: AlertTopic, routes: AlertRoutes | undefined): AlertTopic[] {
  if (!routes || routes.routes.length === 0) return [alertTopic];
  const topics = new Map<string, AlertTopic>();
  for (const destination of routedDestinations(alert, routes.routes)) {
    const topic = destination === 'alert-topic' ? alertTopic : routes.topicOf(destination);
    if (!topics.has(topic.topicArn)) topics.set(topic.topicArn, topic);
  }
  return [...topics.values()];
}

/**
 * The name of the topic the stack creates for `notifications.topics.<name>`: the alert topic's, with the
 * name after it. Its ARN follows from the alert topic's the same way, which is how notify finds it
 * without a setting of its own.
 */
export function routeTopicName(alertTopicName: string, name: string): string {
  return `${alertTopicName}-${name}`;
}

/** The routes as notify uses them: a topic of notifications.topics is found next to the alert topic (routeTopicName). */
export function alertRoutes(sns: SNSClient, alertTopicArn: string, routes: readonly AlertRoute[]): AlertRoutes {
  return {
    routes,
    topicOf: (destination) =>
      new AlertTopic(sns, 'topic' in destination ? routeTopicName(alertTopicArn, destination.topic) : destination.topicArn),
  };
}

function matches(match: RouteMatch, alert: AlertBlock): boolean {
  const values: Record<keyof RouteMatch, string> = {
    severity: alert.severity,
    category: alert.category,
    cluster: alert.cluster,
    subject: alert.subject.name,
  };
  return (Object.keys(match) as (keyof RouteMatch)[]).every((label) => {
    const wanted: readonly string[] | undefined = match[label];
    return wanted === undefined || wanted.includes(values[label]);
  });
}
