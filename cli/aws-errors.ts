/**
 * The AWS errors an operator meets first — the stack is not where the CLI looks, no region, no valid
 * credentials — said with what was missing and how to name it, instead of the SDK's "Requested resource
 * not found". One place for every command that talks to AWS; main prints what this returns.
 */
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { EventBridgeServiceException } from '@aws-sdk/client-eventbridge';

/** What the command talked to: the CONNECTION options, with what the environment filled in. */
export interface AwsConnection {
  stage: string;
  tableName: string;
  busName: string;
  region?: string | undefined;
  profile?: string | undefined;
  endpoint?: string | undefined;
}

/** The connection as the SDK sees it: an option given on the command line, else its environment variable. */
export function connectionInUse(given: AwsConnection, env: NodeJS.ProcessEnv = process.env): AwsConnection {
  return {
    ...given,
    region: given.region ?? env.AWS_REGION,
    profile: given.profile ?? env.AWS_PROFILE,
    endpoint: given.endpoint ?? env.AWS_ENDPOINT_URL,
  };
}

/** Credentials the SDK could not find or load (a missing or expired SSO session too). */
const UNAVAILABLE = new Set(['CredentialsProviderError', 'TokenProviderError']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
/** Credentials AWS does not accept: an unknown or deleted access key, a wrong secret. */
const REJECTED = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch']);

/**
 * The message for an AWS error that names what was missing, or undefined for any other error (main
 * prints those as they are). Looks through `cause`s: the stores wrap some errors in their own.
 */
export function awsErrorMessage(error: unknown, connection: AwsConnection): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const message = messageFor(current, connection);
    if (message) return message;
  }
  return undefined;
}

function messageFor(error: Error, connection: AwsConnection): string | undefined {
  const { stage, profile } = connection;
  const where = `in ${connection.region ?? "the profile's region"}${connection.endpoint ? ` at ${connection.endpoint}` : ''}`;
  // An empty AWS_REGION (`AWS_REGION= cmd`) reaches the SDK as region "" and is refused as a hostname.
  if (error.message.startsWith('Region is missing') || error.message.startsWith('Region not accepted: region="" ')) {
    return `no AWS region: name it with --region (e.g. --region eu-west-1) or AWS_REGION${profile ? `, or set region in profile ${profile}` : ''}`;
  }
  if (error.name === 'ResourceNotFoundException' && error instanceof DynamoDBServiceException) {
    return connection.tableName === `ecs-autopilot-${stage}-state`
      ? `table ${connection.tableName} not found ${where}: is the stack deployed with --stage ${stage}? name it with --stage or --table`
      : `table ${connection.tableName} (--table) not found ${where}: check the name and --region`;
  }
  if (error.name === 'ResourceNotFoundException' && error instanceof EventBridgeServiceException) {
    return connection.busName === `ecs-autopilot-${stage}`
      ? `event bus ${connection.busName} not found ${where}: is the stack deployed with --stage ${stage}? name it with --stage or --bus`
      : `event bus ${connection.busName} (--bus) not found ${where}: check the name and --region`;
  }
  const whose = profile ? `of profile ${profile} (--profile or AWS_PROFILE)` : 'of the default chain (no --profile or AWS_PROFILE)';
  const next = profile
    ? `log in again (aws sso login --profile ${profile}) or check its keys (aws configure --profile ${profile}), or name another profile with --profile`
    : 'name a profile with --profile or AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  if (UNAVAILABLE.has(error.name)) return `no usable AWS credentials ${whose}: ${error.message}; ${next}`;
  if (EXPIRED.has(error.name)) return `the AWS credentials ${whose} have expired (${error.name}); ${next}`;
  if (REJECTED.has(error.name)) return `AWS does not accept the credentials ${whose} (${error.name}: ${error.message}); ${next}`;
  return undefined;
}
