/**
 * Watching the watcher: CloudWatch alarms on ecs-autopilot's own failures, sent to the alert topic that
 * notify publishes to. One alarm per dead-letter queue (anything parked there is work that was not done)
 * and, per function, one on Errors and one on Throttles. Only AWS-provided metrics (AWS/SQS, AWS/Lambda):
 * nothing in the functions emits metrics of its own yet.
 * Alarm and OK notifications both go to the topic, so a queue that was drained or a function that recovered
 * is reported as resolved. AWS Chatbot renders CloudWatch alarm notifications natively; an email subscriber
 * receives the alarm's JSON as SNS delivers it.
 */

import type { CfnResource, CfnString, Resource, StackResource } from './cfn.ts';
import { FUNCTION_NAMES, type FunctionName, LOGICAL_IDS, normalizedName } from './naming.ts';

export const ALERT_TOPIC_POLICY_LOGICAL_ID = 'AlertTopicPolicy';

/** Every function serverless.yml deploys, apps or not. */
export const WATCHED_FUNCTIONS: FunctionName[] = Object.values(FUNCTION_NAMES);

export interface DeadLetterQueue {
  logicalId: string;
  queueName: string;
}

/** The stack's dead-letter queues: every SQS queue it creates is one (for a rule, a schedule or a function). */
export function deadLetterQueuesOf(resources: Record<string, CfnResource>): DeadLetterQueue[] {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::SQS::Queue')
    .map(([logicalId, resource]) => ({ logicalId, queueName: String(resource.Properties.QueueName) }));
}

/** run-batch-job, Errors → RunDashbatchDashjobErrorsAlarm. */
export const functionAlarmLogicalId = (functionName: FunctionName, metric: FunctionMetric): string =>
  `${normalizedName(functionName)}${metric}Alarm`;

/** NotifyDeadLetterQueue → NotifyDeadLetterQueueAlarm. */
export const queueAlarmLogicalId = (queueLogicalId: string): string => `${queueLogicalId}Alarm`;

export type FunctionMetric = 'Errors' | 'Throttles';
const FUNCTION_METRICS: FunctionMetric[] = ['Errors', 'Throttles'];

/**
 * Alarm names start with the stack's prefix (service-stage), so the topic policy can admit exactly the
 * alarms of this stack, and two stages in one account never share an alarm.
 */
export function watchAlarms(prefix: string, queues: DeadLetterQueue[]): Record<string, StackResource> {
  const resources: Record<string, StackResource> = { [ALERT_TOPIC_POLICY_LOGICAL_ID]: alertTopicPolicy(prefix) };
  for (const queue of queues) {
    resources[queueAlarmLogicalId(queue.logicalId)] = alarm({
      AlarmName: `${queue.queueName}-not-empty`,
      AlarmDescription: `${queue.queueName} holds messages: work ecs-autopilot could not do. Read them, fix the cause, then redrive or delete them.`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: queue.queueName }],
      // A depth, reported every minute while the queue is active: the highest value of the minute.
      Statistic: 'Maximum',
      Period: 60,
    });
  }
  for (const functionName of WATCHED_FUNCTIONS) {
    const deployedName = `${prefix}-${functionName}`;
    for (const metric of FUNCTION_METRICS) {
      resources[functionAlarmLogicalId(functionName, metric)] = alarm({
        AlarmName: `${deployedName}-${metric.toLowerCase()}`,
        AlarmDescription:
          metric === 'Errors'
            ? `${deployedName} failed: read its log group; what it could not finish after its retries is in its dead-letter queue.`
            : `${deployedName} was throttled: the account's or the function's concurrency limit was reached.`,
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: deployedName }],
        // Counts summed over five minutes: one burst of failures is one alarm, not one per minute.
        Statistic: 'Sum',
        Period: 300,
      });
    }
  }
  return resources;
}

const alertTopic = (): CfnString => ({ Ref: LOGICAL_IDS.alertTopic });

type AlarmProperties = Resource<'AWS::CloudWatch::Alarm'>['Properties'];

/** Any datapoint above zero alarms; no data (an idle queue or function) is not a failure. */
function alarm(
  properties: Omit<
    AlarmProperties,
    'ComparisonOperator' | 'Threshold' | 'EvaluationPeriods' | 'TreatMissingData' | 'ActionsEnabled' | 'AlarmActions' | 'OKActions'
  >,
): Resource<'AWS::CloudWatch::Alarm'> {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ...properties,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
      AlarmActions: [alertTopic()],
      OKActions: [alertTopic()],
    },
  };
}

/**
 * CloudWatch may publish to the alert topic only for this stack's alarms (confused-deputy guard:
 * aws:SourceArn and aws:SourceAccount). The topic policy replaces SNS's default one, which let every
 * principal of the account publish, subscribe and change the topic; principals of the account (notify's
 * role, the people who subscribe AWS Chatbot or an address) keep what their IAM policies allow.
 */
function alertTopicPolicy(prefix: string): Resource<'AWS::SNS::TopicPolicy'> {
  return {
    Type: 'AWS::SNS::TopicPolicy',
    Properties: {
      Topics: [alertTopic()],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AlarmsOfThisStackPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: alertTopic(),
            Condition: {
              ArnLike: {
                'aws:SourceArn': { 'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${prefix}-*` },
              },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          },
        ],
      },
    },
  };
}
