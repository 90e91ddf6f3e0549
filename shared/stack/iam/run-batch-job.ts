/** run-batch-job's role: launch the jobs' tasks, keep their runs, publish, set timers. */
import type { JobSpec } from '../../config/schema.ts';
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
  runHistoryStatements,
  runTaskStatement,
  statement,
  tagTasksAtLaunchStatement,
  timerStatements,
} from './statements.ts';

export function runBatchJobStatements(jobs: JobSpec[], scope: StackScope): PolicyStatement[] {
  const clusters = scope.jobClusters;
  return [
    ...(clusters.length > 0
      ? [
          runTaskStatement('LaunchConfiguredTaskDefinitions', jobs, clusters, scope),
          tagTasksAtLaunchStatement(clusters),
          inspectAndStopStatement('InspectAndStopJobTasks', clusters),
          listTasksStatement('ListJobTasks', clusters),
          // The essential containers of a job's task definition get the run's environment.
          describeTaskDefinitionsStatement(),
          ...passTaskRolesStatements('PassJobTaskRoles', jobs, scope),
        ]
      : []),
    ...runHistoryStatements(),
    publishStatement(),
    // A launch that ends after its tasks all stopped settles the run itself, and may set its retry's timer.
    ...timerStatements(scope.prefix),
    statement('DeadLetterFailedFirings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.runBatchJobDeadLetterQueue, 'Arn')]),
  ];
}
