/**
 * The stack's stores: the state table, the event bus (and the deployers' policy on it), the schedule
 * group, the dead-letter queues of the functions and schedules, and the alert topic.
 */
import { DEPLOYMENT_REQUEST_PATTERN } from '../blue-green/trigger.ts';
import { STATE_TABLE_DEFINITION, STATE_TABLE_TTL_ATTRIBUTE } from '../state/table-definition.ts';
import { getAtt, type Resource, ref, type StackResource } from './cfn.ts';
import { alertEmailSubscriptionLogicalId, LOGICAL_IDS } from './naming.ts';

const FOURTEEN_DAYS = 14 * 86_400;

/** The state table, the bus, the schedule group and the dead-letter queues of the functions and schedules. */
export function stores(prefix: string): Record<string, StackResource> {
  return {
    [LOGICAL_IDS.stateTable]: {
      Type: 'AWS::DynamoDB::Table',
      // Run history outlives the stack: removing or replacing the stack must not delete it.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: `${prefix}-state`,
        ...structuredClone(STATE_TABLE_DEFINITION),
        TimeToLiveSpecification: { AttributeName: STATE_TABLE_TTL_ATTRIBUTE, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    },
    [LOGICAL_IDS.eventBus]: { Type: 'AWS::Events::EventBus', Properties: { Name: prefix } },
    // The jobs' schedules, the watchdog, and the one-time timers the functions set (TIMER_GROUP_NAME).
    [LOGICAL_IDS.scheduleGroup]: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: prefix } },
    // Firings and timers Scheduler could not deliver to a function (throttled, function missing, role broken).
    [LOGICAL_IDS.scheduleDeadLetterQueue]: deadLetterQueue(`${prefix}-schedule-dlq`),
    // Invocations a function itself failed on, once Lambda's asynchronous retries are spent.
    [LOGICAL_IDS.runBatchJobDeadLetterQueue]: deadLetterQueue(`${prefix}-run-batch-job-dlq`),
    [LOGICAL_IDS.onTaskStoppedDeadLetterQueue]: deadLetterQueue(`${prefix}-on-task-stopped-dlq`),
    [LOGICAL_IDS.notifyDeadLetterQueue]: deadLetterQueue(`${prefix}-notify-dlq`),
    [LOGICAL_IDS.scaleServiceDeadLetterQueue]: deadLetterQueue(`${prefix}-scale-service-dlq`),
    [LOGICAL_IDS.shiftTrafficDeadLetterQueue]: deadLetterQueue(`${prefix}-shift-traffic-dlq`),
  };
}

/**
 * The alert topic notify publishes to (the alerts rule brings it the events on our bus that carry
 * detail.alert, shared/events/alert.ts): one email subscription per notifications.email entry, and the
 * topic's ARN as an output, for AWS Chatbot or any other subscriber.
 */
export function alertTopic(prefix: string, emails: string[]): Record<string, StackResource> {
  const resources: Record<string, StackResource> = {
    [LOGICAL_IDS.alertTopic]: {
      Type: 'AWS::SNS::Topic',
      // Not encrypted at rest, deliberately: alerts carry task names, stop reasons and console links, no
      // secrets, and SNS encrypts in transit anyway. The only key without a key policy of our own is the
      // AWS-managed alias/aws/sns, whose policy cannot be extended: CloudWatch alarms or EventBridge
      // rules that operators point at this topic could then not publish, and notify would need
      // kms:GenerateDataKey and kms:Decrypt on it.
      Properties: { TopicName: `${prefix}-alerts`, DisplayName: prefix },
    },
  };
  for (const email of [...new Set(emails)]) {
    resources[alertEmailSubscriptionLogicalId(email)] = {
      Type: 'AWS::SNS::Subscription',
      // Each address receives a confirmation mail from SNS first; alerts flow once it is confirmed.
      Properties: { TopicArn: ref(LOGICAL_IDS.alertTopic), Protocol: 'email', Endpoint: email },
    };
  }
  return resources;
}

/**
 * Lets the `deployers` principals put the three requests on our bus, and nothing else: PutEvents is
 * checked per entry, against its source and detail-type ("Using IAM policy conditions in Amazon
 * EventBridge": events:source, events:detail-type). Principals of this account need no bus policy.
 * AWS::Events::EventBusPolicy with `Statement` (its Action/Principal/Condition properties are deprecated).
 */
export function deployersBusPolicy(deployers: string[]): Resource<'AWS::Events::EventBusPolicy'> {
  return {
    Type: 'AWS::Events::EventBusPolicy',
    Properties: {
      EventBusName: getAtt(LOGICAL_IDS.eventBus, 'Name'),
      StatementId: 'DeployersPutDeploymentRequests',
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: [...new Set(deployers)] },
        Action: 'events:PutEvents',
        Resource: getAtt(LOGICAL_IDS.eventBus, 'Arn'),
        Condition: {
          StringEquals: {
            'events:source': DEPLOYMENT_REQUEST_PATTERN.source[0],
            'events:detail-type': [...DEPLOYMENT_REQUEST_PATTERN['detail-type']],
          },
        },
      },
    },
  };
}

export function deadLetterQueue(name: string): Resource<'AWS::SQS::Queue'> {
  return {
    Type: 'AWS::SQS::Queue',
    // SQS-managed encryption: EventBridge, Scheduler and Lambda can write to it without a KMS key policy.
    Properties: { QueueName: name, MessageRetentionPeriod: FOURTEEN_DAYS, SqsManagedSseEnabled: true },
  };
}
