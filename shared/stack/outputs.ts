/** The stack's outputs: the table, the bus, the alert topic and the dead-letter queues' URLs. */
import { getAtt, ref, type StackResources } from './cfn.ts';
import { LOGICAL_IDS } from './naming.ts';

export function outputs({
  withTaskEvents,
  withServiceEvents,
  withJobChains,
  withApps,
  withGateAlarms,
}: {
  withTaskEvents: boolean;
  withServiceEvents: boolean;
  withJobChains: boolean;
  withApps: boolean;
  withGateAlarms: boolean;
}): StackResources['Outputs'] {
  const queueUrl = (description: string, logicalId: string) => ({ Description: description, Value: ref(logicalId) });
  return {
    StateTableName: { Description: 'DynamoDB table holding run history and locks', Value: ref(LOGICAL_IDS.stateTable) },
    EventBusName: { Description: 'Bus every ecs-autopilot decision is published on', Value: getAtt(LOGICAL_IDS.eventBus, 'Name') },
    EventBusArn: { Description: 'ARN of that bus, for rules in other stacks', Value: getAtt(LOGICAL_IDS.eventBus, 'Arn') },
    AlertTopicArn: {
      Description: 'SNS topic alerts are published to: subscribe AWS Chatbot (Slack, Teams) or anything else to it',
      Value: ref(LOGICAL_IDS.alertTopic),
    },
    ScheduleDeadLetterQueueUrl: queueUrl('Firings and timers EventBridge Scheduler could not deliver', LOGICAL_IDS.scheduleDeadLetterQueue),
    RunBatchJobDeadLetterQueueUrl: queueUrl('Firings run-batch-job failed on after its retries', LOGICAL_IDS.runBatchJobDeadLetterQueue),
    OnTaskStoppedDeadLetterQueueUrl: queueUrl(
      'Task events on-task-stopped failed on after its retries',
      LOGICAL_IDS.onTaskStoppedDeadLetterQueue,
    ),
    NotifyDeadLetterQueueUrl: queueUrl('Alerts notify failed on after its retries', LOGICAL_IDS.notifyDeadLetterQueue),
    ScaleServiceDeadLetterQueueUrl: queueUrl(
      'Scaling firings scale-service failed on after its retries',
      LOGICAL_IDS.scaleServiceDeadLetterQueue,
    ),
    AlertsDeadLetterQueueUrl: queueUrl('Alert events EventBridge could not deliver to notify', LOGICAL_IDS.alertsDeadLetterQueue),
    ShiftTrafficDeadLetterQueueUrl: queueUrl(
      'Deployment events shift-traffic failed on after its retries',
      LOGICAL_IDS.shiftTrafficDeadLetterQueue,
    ),
    ...(withTaskEvents && {
      TaskEventsDeadLetterQueueUrl: queueUrl(
        'Task events EventBridge could not deliver to on-task-stopped',
        LOGICAL_IDS.taskEventsDeadLetterQueue,
      ),
    }),
    ...(withServiceEvents && {
      ServiceEventsDeadLetterQueueUrl: queueUrl(
        'ECS service events EventBridge could not deliver to on-task-stopped',
        LOGICAL_IDS.serviceEventsDeadLetterQueue,
      ),
    }),
    ...(withJobChains && {
      JobChainsDeadLetterQueueUrl: queueUrl(
        'Ends of upstream runs EventBridge could not deliver to run-batch-job (their chained jobs did not start)',
        LOGICAL_IDS.jobChainsDeadLetterQueue,
      ),
    }),
    ...(withApps && {
      DeploymentRequestsDeadLetterQueueUrl: queueUrl(
        'Deployment requests EventBridge could not deliver to shift-traffic',
        LOGICAL_IDS.deploymentRequestsDeadLetterQueue,
      ),
      DeploymentServiceEventsDeadLetterQueueUrl: queueUrl(
        'ECS events of the apps’ services EventBridge could not deliver to shift-traffic',
        LOGICAL_IDS.deploymentServiceEventsDeadLetterQueue,
      ),
    }),
    ...(withGateAlarms && {
      DeploymentAlarmsDeadLetterQueueUrl: queueUrl(
        'Gate alarm state changes EventBridge could not deliver to shift-traffic',
        LOGICAL_IDS.deploymentAlarmsDeadLetterQueue,
      ),
    }),
  };
}
