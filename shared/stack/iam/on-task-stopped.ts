/** on-task-stopped's role: its statements (lambdaRole adds its own logs). */
import type { LaunchSpec } from '../../config/schema.ts';
import { getAtt } from '../cfn.ts';
import { LOGICAL_IDS } from '../naming.ts';
import type { StackScope } from './scope.ts';
import {
  describeTaskDefinitionsStatement,
  inspectAndStopStatement,
  listTasksStatement,
  type PolicyStatement,
  passTaskRolesStatements,
  publishStatement,
  runTaskStatement,
  statement,
  stateStatement,
  tagTasksAtLaunchStatement,
  timerStatements,
} from './statements.ts';

/**
 * on-task-stopped records job exits, restarts watched tasks (at once or by a timer), counts stops for
 * crash loops and publishes its decisions; reading a stopped task's definition gives the log links.
 */
export function onTaskStoppedStatements(watchedTasks: LaunchSpec[], scope: StackScope): PolicyStatement[] {
  const restarts =
    scope.watchedTaskClusters.length > 0
      ? [
          runTaskStatement('RestartWatchedTaskDefinitions', watchedTasks, scope.watchedTaskClusters, scope),
          tagTasksAtLaunchStatement(scope.watchedTaskClusters),
          ...passTaskRolesStatements('PassWatchedTaskRoles', watchedTasks, scope),
        ]
      : [];
  const inspection =
    scope.allClusters.length > 0
      ? [
          inspectAndStopStatement('InspectAndStopConfiguredTasks', scope.allClusters),
          listTasksStatement('ListConfiguredTasks', scope.allClusters),
          describeTaskDefinitionsStatement(),
        ]
      : [];
  return [
    stateStatement(
      'ReadAndWriteState',
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      { withIndexes: true },
    ),
    publishStatement(),
    ...restarts,
    ...inspection,
    ...timerStatements(scope.prefix),
    statement('DeadLetterFailedEvents', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.onTaskStoppedDeadLetterQueue, 'Arn')]),
  ];
}
