/**
 * The Elastic Load Balancing v2, CloudWatch and Lambda (hooks) clients, in their own module so that only shift-traffic's
 * bundle carries them. Same settings as every other client (adaptive retries, AWS_ENDPOINT_URL for the emulator).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type ClientOptions, clientConfig } from '../aws/clients.ts';

export function createElbClient(options: ClientOptions = {}): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client(clientConfig(options));
}

export function createCloudWatchClient(options: ClientOptions = {}): CloudWatchClient {
  return new CloudWatchClient(clientConfig(options));
}

/** Invokes Lambda hooks; its own retries are off: a hook's timeout bounds the whole invoke, and a replay invokes again. */
export function createLambdaClient(options: ClientOptions = {}): LambdaClient {
  return new LambdaClient(clientConfig({ ...options, maxAttempts: 1 }));
}
