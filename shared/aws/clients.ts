/**
 * AWS clients, made once per process. Adaptive retry mode backs off under throttling; endpoints
 * follow AWS_ENDPOINT_URL (the SDK reads it), which is how tests and the sandbox reach moto.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RetryStrategyV2 } from '@smithy/types';

export interface AwsClients {
  ecs: ECSClient;
  dynamo: DynamoDBDocumentClient;
  events: EventBridgeClient;
}

export interface ClientOptions {
  region?: string | undefined;
  endpoint?: string | undefined;
  maxAttempts?: number | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** The ECS client's own retries (run-batch-job's launches under throttling: throttle-backoff.ts); the default otherwise. */
  ecsRetryStrategy?: RetryStrategyV2 | undefined;
}

/** The settings every client shares; clients a function does not use live in their own modules (a smaller bundle). */
export function clientConfig(options: ClientOptions = {}) {
  return {
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 5,
    ...(options.region && { region: options.region }),
    ...(options.endpoint && { endpoint: options.endpoint }),
    ...(options.credentials && { credentials: options.credentials }),
  };
}

export function createAwsClients(options: ClientOptions = {}): AwsClients {
  const common = clientConfig(options);
  return {
    ecs: new ECSClient({ ...common, ...(options.ecsRetryStrategy && { retryStrategy: options.ecsRetryStrategy }) }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(common), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    events: new EventBridgeClient(common),
  };
}
