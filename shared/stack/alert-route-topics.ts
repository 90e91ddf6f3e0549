/**
 * The topics of notifications.topics: one SNS topic each, named after the alert topic
 * (`<service>-<stage>-alerts-<name>`, routes.ts's routeTopicName, which is how notify finds it), with its
 * email subscriptions and its ARN as an output for AWS Chatbot; and every topic notify's routes publish
 * to, for its role's sns:Publish. The alert topic keeps its own policy for the stack's alarms
 * (watch-alarms.ts): routes are for notify's messages only.
 */
import { routeTopicName } from '../alerts/routes.ts';
import type { Notifications } from '../config/schema.ts';
import type { CfnString, StackResource, StackResources } from './cfn.ts';
import { alertEmailSubscriptionLogicalId, normalizedName } from './naming.ts';

/**
 * oncall → AlertRouteOncall1a2b3c4dTopic: the hash keeps apart names that read alike once made a logical
 * id (on-call and onDashcall, oncall and Oncall), which SNS holds for distinct topics.
 */
export function alertRouteTopicLogicalId(name: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `AlertRoute${normalizedName(name.replace(/[^A-Za-z0-9]/g, ''))}${hash.toString(16).padStart(8, '0')}Topic`;
}

export function alertRouteTopicResources(prefix: string, notifications: Pick<Notifications, 'topics'>): Record<string, StackResource> {
  const resources: Record<string, StackResource> = {};
  for (const [name, { email }] of Object.entries(notifications.topics)) {
    const topicId = alertRouteTopicLogicalId(name);
    // Not encrypted at rest, as the alert topic is not (see stores.ts for why).
    resources[topicId] = {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: routeTopicName(`${prefix}-alerts`, name), DisplayName: `${prefix} ${name}`.slice(0, 100) },
    };
    for (const address of [...new Set(email)]) {
      // Each address confirms its subscription first, as on the alert topic.
      resources[`${topicId}${alertEmailSubscriptionLogicalId(address)}`] = {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: topicId }, Protocol: 'email', Endpoint: address },
      };
    }
  }
  return resources;
}

/** What notify's routes publish to besides the alert topic: the topics above and the existing topics named by ARN, each once. */
export function alertRoutePublishTargets(notifications: Pick<Notifications, 'topics' | 'routes'>): CfnString[] {
  const created = Object.keys(notifications.topics).map((name): CfnString => ({ Ref: alertRouteTopicLogicalId(name) }));
  const existing = notifications.routes.flatMap(({ destination }) => ('topicArn' in destination ? [destination.topicArn] : []));
  return [...created, ...new Set(existing)];
}

export function alertRouteTopicOutputs(notifications: Pick<Notifications, 'topics'>): StackResources['Outputs'] {
  return Object.fromEntries(
    Object.keys(notifications.topics).map((name) => [
      `${alertRouteTopicLogicalId(name)}Arn`,
      {
        Description: `SNS topic of the alert routes to "${name}": subscribe AWS Chatbot or anything else to it`,
        Value: { Ref: alertRouteTopicLogicalId(name) },
      },
    ]),
  );
}
