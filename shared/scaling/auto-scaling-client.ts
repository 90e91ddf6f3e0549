/**
 * The Application Auto Scaling client, in its own module so that only scale-service's bundle carries
 * it. Same settings as every other client (adaptive retries, AWS_ENDPOINT_URL for the emulator).
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { type ClientOptions, clientConfig } from '../aws/clients.ts';

export function createAutoScalingClient(options: ClientOptions = {}): ApplicationAutoScalingClient {
  return new ApplicationAutoScalingClient(clientConfig(options));
}
