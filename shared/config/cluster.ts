/**
 * How automation.yml names a cluster: its name or its ARN. Kept apart from the schema so that the
 * functions can use it without bundling zod's full build.
 */

/** ECS takes a cluster's name or its ARN; anything else (a "*" above all) would widen the IAM policies. */
export const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const CLUSTER_ARN = /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/;

/** A cluster's name, from its name or ARN. */
export function clusterNameOf(cluster: string): string {
  return CLUSTER_ARN.exec(cluster)?.[4] ?? cluster;
}
