/**
 * What shift-traffic needs from the outside world, and the one builder of it: Lambda
 * (runtime-from-env), the sandbox and the tests pass their own settings, clock and log.
 */
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type ClientOptions, createAwsClients } from '../aws/clients.ts';
import type { Automation } from '../config/schema.ts';
import { EventBus } from '../events/bus.ts';
import type { Log } from '../logger.ts';
import { createAutoScalingClient } from '../scaling/auto-scaling-client.ts';
import { Rejections } from '../state/deployment-rejections.ts';
import { DeploymentStore } from '../state/deployment-store.ts';
import { ServiceLocks } from '../state/service-locks.ts';
import { createCloudWatchClient, createElbClient, createLambdaClient } from './clients.ts';

export interface ShiftRuntime {
  automation: Automation;
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  cloudWatch: CloudWatchClient;
  /** Invokes the apps' Lambda hooks. */
  lambda: LambdaClient;
  /** The colours' scalable targets: bounds copied, scale-in suspended during a deployment. */
  autoScaling: ApplicationAutoScalingClient;
  deployments: DeploymentStore;
  locks: ServiceLocks;
  /** Deployment requests that were not started, kept so that a redelivery is answered the same way. */
  rejections: Rejections;
  bus: EventBus;
  log: Log;
  now: () => Date;
  /** The stack's own account and region: AWS events from elsewhere are ignored. Undefined: accept any. */
  account: string | undefined;
  region: string | undefined;
}

export function createShiftRuntime(options: {
  automation: Automation;
  tableName: string;
  busName: string;
  clientConfig?: ClientOptions | undefined;
  log: Log;
  now: () => Date;
  account?: string | undefined;
  region?: string | undefined;
}): ShiftRuntime {
  const clients = createAwsClients(options.clientConfig);
  return {
    automation: options.automation,
    ecs: clients.ecs,
    elb: createElbClient(options.clientConfig),
    cloudWatch: createCloudWatchClient(options.clientConfig),
    lambda: createLambdaClient(options.clientConfig),
    autoScaling: createAutoScalingClient(options.clientConfig),
    deployments: new DeploymentStore(clients.dynamo, options.tableName),
    locks: new ServiceLocks(clients.dynamo, options.tableName),
    rejections: new Rejections(clients.dynamo, options.tableName),
    bus: new EventBus(clients.events, options.busName),
    log: options.log,
    now: options.now,
    account: options.account,
    region: options.region,
  };
}
