/** What the roles are scoped to, worked out once for all of them. */
import type { ClusterScope } from '../arns.ts';
import type { CfnString } from '../cfn.ts';
import type { FunctionName } from '../naming.ts';

export interface StackScope {
  prefix: string;
  functionArn: (functionName: FunctionName) => CfnString;
  /** Where jobs run: run-batch-job launches there, enforce-max-runtime stops there. */
  jobClusters: ClusterScope[];
  /** Where watched tasks run: on-task-stopped restarts them there. */
  watchedTaskClusters: ClusterScope[];
  /** Every cluster the config names: their task events reach on-task-stopped. */
  allClusters: ClusterScope[];
}
