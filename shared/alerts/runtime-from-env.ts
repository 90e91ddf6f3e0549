/**
 * The production NotifyRuntime: the state table, the alert topic and the timers of the deployment, the
 * notification settings of the deployed automation.yml (its routes' topics found next to the alert
 * topic, routes.ts), the wall clock. Only notify imports this module, so only its bundle carries the
 * SNS client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientConfig } from '../aws/clients.ts';
import { coldStartRuntime } from '../cold-start.ts';
import { loadDeployedAutomation } from '../config/deployed.ts';
import { logger } from '../logger.ts';
import { readSettings, requiredSetting } from '../settings.ts';
import { schedulerTimers, timerSettingsFrom } from '../timers/from-settings.ts';
import { notifyHolds } from './notify-holds.ts';
import { AlertTopic } from './publish.ts';
import { alertRoutes } from './routes.ts';
import { createNotifyRuntime, type NotifyRuntime } from './runtime.ts';

export function notifyRuntimeFromEnvironment(): NotifyRuntime {
  const settings = readSettings();
  const { notifications } = loadDeployedAutomation(settings.AUTOMATION_FILE);
  const config = clientConfig();
  const sns = new SNSClient(config);
  const alertTopicArn = requiredSetting(settings, 'ALERT_TOPIC_ARN');
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } });
  const tableName = settings.STATE_TABLE_NAME;
  return createNotifyRuntime({
    account: settings.STACK_ACCOUNT_ID,
    region: settings.AWS_REGION,
    timing: notifications,
    dynamo,
    tableName,
    topic: new AlertTopic(sns, alertTopicArn),
    routes: alertRoutes(sns, alertTopicArn, notifications.routes),
    groupBy: notifications.groupBy,
    timers: schedulerTimers(timerSettingsFrom(settings)),
    holds: notifyHolds(notifications, dynamo, tableName),
    log: logger,
    now: () => new Date(),
  });
}

/** Built when the module loads inside Lambda, so a broken deployment fails the cold start loudly. */
export const lambdaNotifyRuntime = coldStartRuntime(notifyRuntimeFromEnvironment);
