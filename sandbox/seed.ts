/**
 * Creates in the emulator what automation.yml names — clusters, task definitions, subnets, security
 * groups — plus what the stack would create (the state table, the event bus) and a queue that
 * captures every event published on the bus, so a person or a test can read them back.
 */
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecurityGroupCommand, CreateSubnetCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createAwsClients } from '../shared/aws/clients.ts';
import type { Automation, JobSpec } from '../shared/config/schema.ts';
import { EVENT_SOURCE, EventBus } from '../shared/events/bus.ts';
import type { JobRuntime } from '../shared/jobs/runtime.ts';
import type { Log } from '../shared/logger.ts';
import { RunHistory } from '../shared/state/run-history.ts';
import { STATE_TABLE_DEFINITION, STATE_TABLE_TTL_ATTRIBUTE } from '../shared/state/table-definition.ts';
import { EMULATOR_REGION, type Emulator, requestEc2Ids } from './emulator.ts';

export interface SandboxWorld {
  endpoint: string;
  tableName: string;
  busName: string;
  eventQueueUrl: string;
}

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: EMULATOR_REGION,
  credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  maxAttempts: 1,
});

/** Map.groupBy arrives in Node 21; the sandbox also runs on Node 20. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Containers a job's overrides name; a task definition needs each of them. */
function containerNames(jobs: JobSpec[]): string[] {
  const names = new Set(jobs.flatMap((job) => Object.keys(job.overrides?.containers ?? {})));
  return names.size > 0 ? [...names] : ['app'];
}

export async function seedSandbox(emulator: Emulator, automation: Automation, names = { stage: 'sandbox' }): Promise<SandboxWorld> {
  const config = clientConfig(emulator.endpoint);
  const ecs = new ECSClient(config);
  const ec2 = new EC2Client(config);
  const dynamo = new DynamoDBClient(config);
  const events = new EventBridgeClient(config);
  const sqs = new SQSClient(config);
  const jobs = Object.values(automation.jobs);
  const tableName = `ecs-autopilot-${names.stage}-state`;
  const busName = `ecs-autopilot-${names.stage}`;

  await dynamo.send(new CreateTableCommand({ TableName: tableName, ...STATE_TABLE_DEFINITION } as never));
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: STATE_TABLE_TTL_ATTRIBUTE },
    }),
  );

  await events.send(new CreateEventBusCommand({ Name: busName }));
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `${busName}-capture` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(
    new PutRuleCommand({ Name: 'capture-all', EventBusName: busName, EventPattern: JSON.stringify({ source: [EVENT_SOURCE] }) }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'capture-all', EventBusName: busName, Targets: [{ Id: 'capture', Arn: Attributes?.QueueArn }] }),
  );

  const byCluster = groupBy(jobs, (job) => job.cluster);
  for (const [cluster, clusterJobs] of byCluster) {
    const providers = [...new Set(clusterJobs.flatMap((job) => ('capacityProviders' in job.launch ? job.launch.capacityProviders : [])))];
    await ecs.send(
      new CreateClusterCommand({ clusterName: cluster, capacityProviders: providers.length ? providers : ['FARGATE', 'FARGATE_SPOT'] }),
    );
  }

  const byFamily = groupBy(jobs, (job) => job.taskDefinition.split(':')[0] ?? job.taskDefinition);
  for (const [family, familyJobs] of byFamily) {
    const revisions = Math.max(1, ...familyJobs.map((job) => Number(job.taskDefinition.split(':')[1] ?? 1)));
    const sample = familyJobs[0] as JobSpec;
    for (let revision = 1; revision <= revisions; revision++) {
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          ...(sample.taskRole && { taskRoleArn: sample.taskRole }),
          ...(sample.executionRole && { executionRoleArn: sample.executionRole }),
          containerDefinitions: containerNames(familyJobs).map((name) => ({
            name,
            image: `public.ecr.aws/docker/library/busybox:latest`,
            essential: true,
            memory: 512,
          })),
        }),
      );
    }
  }

  const subnets = [...new Set(jobs.flatMap((job) => job.network?.subnets ?? []))];
  const securityGroups = [...new Set(jobs.flatMap((job) => job.network?.securityGroups ?? []))];
  if (subnets.length || securityGroups.length) {
    const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    const vpcId = Vpcs[0]?.VpcId;
    if (!vpcId) throw new Error('the emulator has no default VPC to create the subnets in');
    await requestEc2Ids(emulator, { subnet: subnets, securityGroup: securityGroups });
    for (const [index] of subnets.entries()) {
      // Addresses above the default subnets (172.31.0.0–95.255) of moto's default VPC.
      await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `172.31.${128 + index}.0/24` }));
    }
    for (const [index, id] of securityGroups.entries()) {
      await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: `sandbox-${index}`, Description: `stands in for ${id}` }));
    }
  }
  return { endpoint: emulator.endpoint, tableName, busName, eventQueueUrl: QueueUrl };
}

export interface PublishedEvent {
  'detail-type': string;
  source: string;
  time: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** Takes every event the bus delivered to the capture queue since the last call. */
export async function drainPublishedEvents(world: SandboxWorld): Promise<PublishedEvent[]> {
  const sqs = new SQSClient(clientConfig(world.endpoint));
  const drained: PublishedEvent[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: world.eventQueueUrl, MaxNumberOfMessages: 10 }));
    if (Messages.length === 0) return drained;
    drained.push(...Messages.map((m) => JSON.parse(m.Body ?? '{}') as PublishedEvent));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: world.eventQueueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

/** A JobRuntime wired to the emulator, with the caller's clock. */
export function emulatorJobRuntime(
  world: SandboxWorld,
  automation: Automation,
  clock: { now: () => Date; sleep: (seconds: number) => Promise<void> },
  log: Log,
): JobRuntime {
  const clients = createAwsClients({ ...clientConfig(world.endpoint) });
  return {
    automation,
    ecs: clients.ecs,
    runs: new RunHistory(clients.dynamo, world.tableName, automation.runHistoryRetentionSeconds),
    bus: new EventBus(clients.events, world.busName),
    log,
    now: clock.now,
    sleep: clock.sleep,
    leaseSeconds: 120,
  };
}
