import { DynamoDBClient, DynamoDBServiceException, ListTablesCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  ResourceNotFoundException as BusNotFoundException,
  EventBridgeClient,
  EventBridgeServiceException,
  ListEventBusesCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { type AwsConnection, awsErrorMessage, connectionInUse } from '../../cli/aws-errors.ts';

const DEV: AwsConnection = { stage: 'dev', tableName: 'ecs-autopilot-dev-state', busName: 'ecs-autopilot-dev', region: 'eu-west-1' };
const $metadata = { httpStatusCode: 400, requestId: 'r-1' };

/** What the SDK throws for a service error it has no class for: its base exception with the error code as name. */
function dynamoError(name: string, message: string) {
  return new DynamoDBServiceException({ name, $fault: 'client', $metadata, message });
}

/** The error a real client throws in an environment with nothing configured but `env`: no files, no instance metadata. */
async function errorOfRealClient(send: () => Promise<unknown>, env: Record<string, string>): Promise<unknown> {
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
  Object.assign(process.env, {
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  });
  try {
    await send();
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

describe('awsErrorMessage', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('names the table and the stage for DynamoDB\'s "Requested resource not found"', () => {
    const error = new ResourceNotFoundException({ $metadata, message: 'Requested resource not found' });

    expect(awsErrorMessage(error, DEV)).toBe(
      'table ecs-autopilot-dev-state not found in eu-west-1: is the stack deployed with --stage dev? name it with --stage or --table',
    );
    expect(awsErrorMessage(error, { ...DEV, tableName: 'my-table', region: undefined, endpoint: 'http://127.0.0.1:5000' })).toBe(
      "table my-table (--table) not found in the profile's region at http://127.0.0.1:5000: check the name and --region",
    );
  });

  it("names the bus for EventBridge's ResourceNotFoundException", () => {
    const error = new BusNotFoundException({ $metadata, message: 'Event bus ecs-autopilot-dev does not exist.' });

    expect(error).toBeInstanceOf(EventBridgeServiceException);
    expect(awsErrorMessage(error, DEV)).toBe(
      'event bus ecs-autopilot-dev not found in eu-west-1: is the stack deployed with --stage dev? name it with --stage or --bus',
    );
  });

  it('says how to name the region when the SDK finds none', async () => {
    const error = await errorOfRealClient(() => new DynamoDBClient({}).send(new ListTablesCommand({})), {});

    expect((error as Error).message).toBe('Region is missing');
    expect(awsErrorMessage(error, { ...DEV, region: undefined })).toBe(
      'no AWS region: name it with --region (e.g. --region eu-west-1) or AWS_REGION',
    );
    expect(awsErrorMessage(error, { ...DEV, region: undefined, profile: 'ops' })).toBe(
      'no AWS region: name it with --region (e.g. --region eu-west-1) or AWS_REGION, or set region in profile ops',
    );
  });

  it('takes an empty AWS_REGION for a missing one', async () => {
    const error = await errorOfRealClient(() => new DynamoDBClient({}).send(new ListTablesCommand({})), { AWS_REGION: '' });

    expect((error as Error).message).toMatch(/^Region not accepted: region="" /);
    expect(awsErrorMessage(error, { ...DEV, region: undefined })).toBe(
      'no AWS region: name it with --region (e.g. --region eu-west-1) or AWS_REGION',
    );
  });

  it('names the profile in use when the SDK cannot load credentials', async () => {
    const error = await errorOfRealClient(() => new EventBridgeClient({ region: 'eu-west-1' }).send(new ListEventBusesCommand({})), {
      AWS_PROFILE: 'ops',
    });

    expect((error as Error).name).toBe('CredentialsProviderError');
    expect(awsErrorMessage(error, { ...DEV, profile: 'ops' })).toBe(
      `no usable AWS credentials of profile ops (--profile or AWS_PROFILE): ${(error as Error).message}; log in again (aws sso login --profile ops) or check its keys (aws configure --profile ops), or name another profile with --profile`,
    );
    expect(awsErrorMessage(error, DEV)).toMatch(
      /^no usable AWS credentials of the default chain \(no --profile or AWS_PROFILE\): .+; name a profile with --profile or AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY$/,
    );
  });

  it('says credentials expired or were not accepted, with the profile', () => {
    const expired = dynamoError('ExpiredTokenException', 'The security token included in the request is expired');
    const unknownKey = dynamoError('UnrecognizedClientException', 'The security token included in the request is invalid.');

    expect(awsErrorMessage(expired, { ...DEV, profile: 'ops' })).toMatch(
      /^the AWS credentials of profile ops \(--profile or AWS_PROFILE\) have expired \(ExpiredTokenException\); log in again \(aws sso login --profile ops\)/,
    );
    expect(awsErrorMessage(unknownKey, { ...DEV, profile: 'ops' })).toMatch(
      /^AWS does not accept the credentials of profile ops \(--profile or AWS_PROFILE\) \(UnrecognizedClientException: The security token included in the request is invalid\.\); /,
    );
  });

  it('looks through causes, and leaves any other error to be printed as it is', () => {
    const notFound = new ResourceNotFoundException({ $metadata, message: 'Requested resource not found' });

    expect(awsErrorMessage(new Error('reading runs failed', { cause: notFound }), DEV)).toMatch(/^table ecs-autopilot-dev-state not found/);
    expect(awsErrorMessage(dynamoError('ValidationException', 'One or more parameter values were invalid'), DEV)).toBeUndefined();
    expect(awsErrorMessage(new Error('Requested resource not found'), DEV)).toBeUndefined();
    expect(awsErrorMessage('not an error', DEV)).toBeUndefined();
  });
});

describe('connectionInUse', () => {
  it('fills the region, profile and endpoint the options leave out from the environment, as the SDK does', () => {
    const env = { AWS_REGION: 'us-east-1', AWS_PROFILE: 'ops', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' };

    expect(connectionInUse({ ...DEV, region: undefined }, env)).toEqual({
      ...DEV,
      region: 'us-east-1',
      profile: 'ops',
      endpoint: 'http://127.0.0.1:5000',
    });
    expect(connectionInUse({ ...DEV, profile: 'prod' }, env)).toMatchObject({ region: 'eu-west-1', profile: 'prod' });
  });
});
