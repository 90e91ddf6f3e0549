/**
 * The benchmark's baseline: a Lambda module that only brings in the AWS SDK clients the functions use
 * (ECS, DynamoDB + the document client, EventBridge) and creates them exactly as the functions do,
 * through the same factory. Like the functions, it creates them at import only inside Lambda
 * (AWS_LAMBDA_FUNCTION_NAME set), so both the "import only" and the "import + cold-start init" figures
 * compare like with like. No middy, no Powertools, no zod, no yaml, no config.
 */
import { type AwsClients, createAwsClients } from '#shared/aws/clients.ts';

export const clients: AwsClients | undefined = process.env.AWS_LAMBDA_FUNCTION_NAME ? createAwsClients() : undefined;

export async function handler(): Promise<string> {
  return clients ? 'ready' : 'no clients';
}
