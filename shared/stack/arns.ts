/** The ARNs of what automation.yml names (clusters, services), as the template writes them. */
import { CLUSTER_ARN, CLUSTER_NAME, type ServiceWatch } from '../config/schema.ts';
import { type CfnString, ownArn } from './cfn.ts';
import { distinct } from './distinct.ts';
import type { ResourceNames } from './event-rules.ts';

export interface ClusterScope {
  /** For the ecs:cluster condition key and the rule's detail.clusterArn. */
  arn: CfnString;
  /** The cluster's tasks: arn:…:task/<cluster name>/*. */
  tasks: CfnString;
}

/**
 * An ECS resource of a cluster as the schema admits it (CLUSTER_NAME or CLUSTER_ARN): in the stack's
 * partition, region and account for a name, in the ARN's for an ARN. `resource` gets the cluster's name.
 */
export function ecsArnIn(cluster: string, resource: (clusterName: string) => string): CfnString {
  if (CLUSTER_NAME.test(cluster)) return ownArn('ecs', resource(cluster));
  const match = CLUSTER_ARN.exec(cluster);
  if (!match) throw new RangeError(`cluster ${JSON.stringify(cluster)} did not pass the automation schema`);
  const [, partition, region, account, name = ''] = match;
  return `arn:${partition}:ecs:${region}:${account}:${resource(name)}`;
}

/** A cluster as IAM resources: for a cluster ARN, `arn` is that ARN itself. */
export function clusterOf(cluster: string): ClusterScope {
  return { arn: ecsArnIn(cluster, (name) => `cluster/${name}`), tasks: ecsArnIn(cluster, (name) => `task/${name}/*`) };
}

/**
 * A service's ARN in ECS's long format (…:service/<cluster>/<service>), that of every service created
 * since it became the default; a service old enough to have kept the short format (…:service/<service>)
 * is not covered and would be denied.
 */
export const serviceArnIn = (cluster: string, service: string): CfnString =>
  ecsArnIn(cluster, (clusterName) => `service/${clusterName}/${service}`);
export const serviceArn = (spec: ServiceWatch): CfnString => serviceArnIn(spec.cluster, spec.service);

/** How the template names what the rules select: in the stack's account and region, unless automation.yml gives an ARN. */
export const TEMPLATE_NAMES: ResourceNames<CfnString> = {
  cluster: (cluster) => clusterOf(cluster).arn,
  service: (cluster, service) => serviceArnIn(cluster, service),
};

export const clustersOf = (specs: { cluster: string }[]): ClusterScope[] => distinct(specs.map((spec) => clusterOf(spec.cluster)));

export const inClusters = (clusters: ClusterScope[]) => ({ ArnEquals: { 'ecs:cluster': clusters.map((c) => c.arn) } });
