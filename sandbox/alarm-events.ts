/**
 * The "CloudWatch Alarm State Change" event CloudWatch puts on the default bus when an alarm changes
 * state: moto emits no events, so the sandbox builds it for the state it set (SetAlarmState), at the
 * virtual time, as it builds the ECS task events (task-events.ts).
 */
import { randomUUID } from 'node:crypto';
import { ALARM_STATE_CHANGE } from '../shared/blue-green/trigger.ts';

export interface AlarmStateChange {
  alarmArn: string;
  alarmName: string;
  state: 'ALARM' | 'OK';
  reason: string;
  at: Date;
}

export function alarmStateChangeEvent({ alarmArn, alarmName, state, reason, at }: AlarmStateChange) {
  const [, , , region = '', account = ''] = alarmArn.split(':');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': ALARM_STATE_CHANGE.detailType,
    source: ALARM_STATE_CHANGE.source,
    account,
    time: `${at.toISOString().slice(0, 19)}Z`,
    region,
    resources: [alarmArn],
    detail: {
      alarmName,
      state: { value: state, reason, timestamp: at.toISOString() },
      previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM' },
    },
  };
}
