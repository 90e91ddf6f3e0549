/** What the roles are scoped to, worked out once for all of them. */
import type { PermissionScope } from '../../config/schema.ts';
import type { ClusterScope } from '../arns.ts';
import type { CfnString } from '../cfn.ts';
import type { FunctionName } from '../naming.ts';

export interface StackScope {
  prefix: string;
  /** How RunTask and PassRole name task definitions and roles: listed, or by the stack's tag (tag-scope.ts). */
  permissions: PermissionScope;
  functionArn: (functionName: FunctionName) => CfnString;
  /** Where jobs run: run-batch-job launches there, enforce-max-runtime stops there. */
  jobClusters: ClusterScope[];
  /** Where watched tasks run: on-task-stopped restarts them there. */
  watchedTaskClusters: ClusterScope[];
  /** Every cluster the config names: their task events reach on-task-stopped. */
  allClusters: ClusterScope[];
}
