/**
 * The holds notify asks before a message goes out (hold.ts), in the order it asks them, wherever notify
 * runs — in Lambda (runtime-from-env.ts) and in the sandbox — so a rehearsal holds what production holds:
 * automation.yml's mute windows first (they read nothing), then the operators' silences (one Query), then
 * inhibition (nothing for a message no rule targets; else one Query of the cluster's firing groups, one batch read).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Notifications } from '../config/schema.ts';
import { AlertGroupList } from '../state/alert-group-list.ts';
import { Silences } from '../state/silences.ts';
import type { HoldCheck } from './hold.ts';
import { inhibitionHold } from './inhibition.ts';
import { muteWindowHold } from './mute-windows.ts';
import { silenceHold } from './silence-hold.ts';

export function notifyHolds(
  notifications: Pick<Notifications, 'muteWindows' | 'inhibit'>,
  dynamo: DynamoDBDocumentClient,
  tableName: string,
): HoldCheck[] {
  return [
    muteWindowHold(notifications.muteWindows),
    silenceHold(new Silences(dynamo, tableName)),
    inhibitionHold(notifications.inhibit, new AlertGroupList(dynamo, tableName)),
  ];
}
