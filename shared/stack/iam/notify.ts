/** notify's role: its statements (lambdaRole adds its own logs). */
import { ALERT_GROUP_INDEX, keys } from '../../state/keys.ts';
import { type CfnString, getAtt, ref } from '../cfn.ts';
import { LOGICAL_IDS } from '../naming.ts';
import type { StackScope } from './scope.ts';
import { type PolicyStatement, stateIndexArn, statement, stateStatement, timerStatements } from './statements.ts';

/**
 * notify keeps alert groups in the state table, publishes to the alert topic and the topics its routes
 * name (`routeTopics`: alert-route-topics.ts) only, and waits with timers.
 */
export function notifyStatements(scope: StackScope, routeTopics: CfnString[]): PolicyStatement[] {
  return [
    // BatchGetItem: inhibition reads the labels of the groups firing in a cluster, listed by ALERT_GROUP_INDEX.
    stateStatement('ReadAndWriteAlertGroups', ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], {
      withIndexes: false,
    }),
    statement('ListFiringAlertGroups', ['dynamodb:Query'], [stateIndexArn(ALERT_GROUP_INDEX.name)]),
    readSilencesStatement(),
    statement('PublishAlerts', ['sns:Publish'], [ref(LOGICAL_IDS.alertTopic), ...routeTopics]),
    ...timerStatements(scope.prefix),
    statement('DeadLetterFailedAlerts', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.notifyDeadLetterQueue, 'Arn')]),
  ];
}

/** notify reads the operators' silences, kept in one partition (shared/state/silences.ts), with Query, and nothing else with it. */
function readSilencesStatement(): PolicyStatement {
  return {
    ...stateStatement('ReadSilences', ['dynamodb:Query'], { withIndexes: false }),
    Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [keys.silences().pk] } },
  };
}
