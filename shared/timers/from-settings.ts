/** The timers of a deployed function, from its environment. */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { type ClientOptions, clientConfig } from '../aws/clients.ts';
import { requiredSetting, type Settings } from '../settings.ts';
import { FUNCTION_NAMES } from '../stack/naming.ts';
import { SchedulerTimers, type TimerSettings } from './timers.ts';

export function timerSettingsFrom(settings: Settings): TimerSettings {
  return {
    groupName: requiredSetting(settings, 'TIMER_GROUP_NAME'),
    roleArn: requiredSetting(settings, 'TIMER_ROLE_ARN'),
    deadLetterArn: requiredSetting(settings, 'TIMER_DEAD_LETTER_ARN'),
    targets: {
      [FUNCTION_NAMES.runBatchJob]: requiredSetting(settings, 'RUN_BATCH_JOB_ARN'),
      [FUNCTION_NAMES.onTaskStopped]: requiredSetting(settings, 'ON_TASK_STOPPED_ARN'),
      [FUNCTION_NAMES.notify]: requiredSetting(settings, 'NOTIFY_ARN'),
      [FUNCTION_NAMES.scaleService]: requiredSetting(settings, 'SCALE_SERVICE_ARN'),
    },
  };
}

export function schedulerTimers(settings: TimerSettings, options: ClientOptions = {}): SchedulerTimers {
  return new SchedulerTimers(new SchedulerClient(clientConfig(options)), settings);
}
