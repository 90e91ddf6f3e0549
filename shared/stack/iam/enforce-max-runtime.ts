/** enforce-max-runtime's role: stop the jobs' tasks past their maxRuntime, keep their runs, publish, set timers. */
import type { StackScope } from './scope.ts';
import {
  inspectAndStopStatement,
  type PolicyStatement,
  publishStatement,
  runHistoryStatements,
  stateStatement,
  timerStatements,
} from './statements.ts';

export function enforceMaxRuntimeStatements(scope: StackScope): PolicyStatement[] {
  return [
    ...(scope.jobClusters.length > 0 ? [inspectAndStopStatement('InspectAndStopJobTasks', scope.jobClusters)] : []),
    ...runHistoryStatements(),
    // A stored run the tick cannot read is taken out of the deadline index (one UpdateItem), so that it is
    // said once and the other overdue runs are not held behind it (RunHistory.unwatch).
    stateStatement('UnwatchUnreadableRuns', ['dynamodb:UpdateItem'], { withIndexes: false }),
    publishStatement(),
    // A run past its deadline may carry what a crashed on-task-stopped left undone: its retry's timer.
    ...timerStatements(scope.prefix),
  ];
}
