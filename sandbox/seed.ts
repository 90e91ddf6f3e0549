/**
 * Creates in the emulator what automation.yml names — clusters, task definitions, subnets, security
 * groups — plus what the stack would create (the state table, the event bus) and a queue that
 * captures every event published on the bus, so a person or a test can read them back.
 */

import { RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeClustersCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  type Action as ElbAction,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createCloudWatchClient, createElbClient } from '../shared/blue-green/clients.ts';
import { type AppSpec, COLOURS, type Colour, type RouteSpec } from '../shared/blue-green/model.ts';
import { createShiftRuntime, type ShiftRuntime } from '../shared/blue-green/runtime.ts';
import { clusterNameOf } from '../shared/config/cluster.ts';
import type { Automation, LaunchSpec } from '../shared/config/schema.ts';
import { EVENT_SOURCE } from '../shared/events/bus.ts';
import type { Bounds } from '../shared/events/scaling-events.ts';
import { createJobRuntime, type JobRuntime } from '../shared/jobs/runtime.ts';
import type { Log } from '../shared/logger.ts';
import { createAutoScalingClient } from '../shared/scaling/auto-scaling-client.ts';
import { createScalingRuntime, type ScalingRuntime } from '../shared/scaling/runtime.ts';
import { STATE_TABLE_DEFINITION, STATE_TABLE_TTL_ATTRIBUTE } from '../shared/state/table-definition.ts';
import { createStopRuntime, type StopRuntime } from '../shared/stopped-tasks/runtime.ts';
import type { TimerSetter } from '../shared/timers/timers.ts';
import { type Emulator, emulatorClientConfig, requestEc2Ids } from './emulator.ts';
import { standInTestListener } from './stand-ins.ts';
import { EmulatorTimers } from './timers.ts';

export interface SandboxWorld {
  endpoint: string;
  tableName: string;
  busName: string;
  /** The bus's ARN: it names the emulator's partition, region and account, which the rules' ARNs are in. */
  busArn: string;
  eventQueueUrl: string;
  /** The schedule group timers (one-time schedules) are created in. */
  scheduleGroup: string;
  alertTopicArn: string;
  /** Subscribed to the alert topic: every message notify publishes lands here. */
  alertQueueUrl: string;
}

/** Map.groupBy arrives in Node 21; the sandbox also runs on Node 20. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Containers a job's overrides name; a task definition needs each of them. */
function containerNames(jobs: LaunchSpec[]): string[] {
  const names = new Set(jobs.flatMap((job) => Object.keys(job.overrides?.containers ?? {})));
  return names.size > 0 ? [...names] : ['app'];
}

export async function seedSandbox(emulator: Emulator, automation: Automation, names = { stage: 'sandbox' }): Promise<SandboxWorld> {
  const config = emulatorClientConfig(emulator.endpoint);
  const ecs = new ECSClient(config);
  const ec2 = new EC2Client(config);
  const dynamo = new DynamoDBClient(config);
  const events = new EventBridgeClient(config);
  const sqs = new SQSClient(config);
  // Jobs and watched tasks both launch from a spec: their clusters, task definitions and networks are seeded alike.
  const jobs: LaunchSpec[] = [...Object.values(automation.jobs), ...Object.values(automation.watchedTasks)];
  const tableName = `ecs-autopilot-${names.stage}-state`;
  const busName = `ecs-autopilot-${names.stage}`;

  await dynamo.send(new CreateTableCommand({ TableName: tableName, ...STATE_TABLE_DEFINITION } as never));
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: STATE_TABLE_TTL_ATTRIBUTE },
    }),
  );

  const { EventBusArn: busArn = '' } = await events.send(new CreateEventBusCommand({ Name: busName }));
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `${busName}-capture` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(
    new PutRuleCommand({ Name: 'capture-all', EventBusName: busName, EventPattern: JSON.stringify({ source: [EVENT_SOURCE] }) }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'capture-all', EventBusName: busName, Targets: [{ Id: 'capture', Arn: Attributes?.QueueArn }] }),
  );

  const scheduleGroup = `ecs-autopilot-${names.stage}`;
  await new SchedulerClient(config).send(new CreateScheduleGroupCommand({ Name: scheduleGroup }));
  const sns = new SNSClient(config);
  const { TopicArn: alertTopicArn = '' } = await sns.send(new CreateTopicCommand({ Name: `ecs-autopilot-${names.stage}-alerts` }));
  const alertQueue = await sqs.send(new CreateQueueCommand({ QueueName: `ecs-autopilot-${names.stage}-alerts-capture` }));
  const alertQueueUrl = alertQueue.QueueUrl ?? '';
  const alertQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: alertQueueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn;
  await sns.send(new SubscribeCommand({ TopicArn: alertTopicArn, Protocol: 'sqs', Endpoint: alertQueueArn }));

  const byCluster = groupBy(jobs, (job) => clusterNameOf(job.cluster));
  const serviceClusters = Object.values(automation.services).map((service) => clusterNameOf(service.cluster));
  for (const cluster of serviceClusters) if (!byCluster.has(cluster)) byCluster.set(cluster, []);
  for (const [cluster, clusterJobs] of byCluster) {
    const providers = [...new Set(clusterJobs.flatMap((job) => ('capacityProviders' in job.launch ? job.launch.capacityProviders : [])))];
    await ecs.send(
      new CreateClusterCommand({ clusterName: cluster, capacityProviders: providers.length ? providers : ['FARGATE', 'FARGATE_SPOT'] }),
    );
  }

  const byFamily = groupBy(jobs, (job) => job.taskDefinition.split(':')[0] ?? job.taskDefinition);
  for (const [family, familyJobs] of byFamily) {
    const revisions = Math.max(1, ...familyJobs.map((job) => Number(job.taskDefinition.split(':')[1] ?? 1)));
    const sample = familyJobs[0] as LaunchSpec;
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
  return { endpoint: emulator.endpoint, tableName, busName, busArn, eventQueueUrl: QueueUrl, scheduleGroup, alertTopicArn, alertQueueUrl };
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
  const sqs = new SQSClient(emulatorClientConfig(world.endpoint));
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

/** A JobRuntime wired to the emulator, with the caller's clock; its timers are kept in the emulator (the caller's, when given). */
export function emulatorJobRuntime(
  world: SandboxWorld,
  automation: Automation,
  clock: { now: () => Date; sleep: (seconds: number) => Promise<void> },
  log: Log,
  timers: TimerSetter = new EmulatorTimers(world),
): JobRuntime {
  return createJobRuntime({
    automation,
    tableName: world.tableName,
    busName: world.busName,
    clientConfig: emulatorClientConfig(world.endpoint),
    timers,
    log,
    now: clock.now,
    sleep: clock.sleep,
    leaseSeconds: 120,
  });
}

/** A StopRuntime (on-task-stopped) wired to the emulator, with the caller's clock and timers. */
export function emulatorStopRuntime(
  world: SandboxWorld,
  automation: Automation,
  clock: { now: () => Date },
  timers: TimerSetter,
  log: Log,
): StopRuntime {
  return createStopRuntime({
    automation,
    tableName: world.tableName,
    busName: world.busName,
    clientConfig: emulatorClientConfig(world.endpoint),
    timers,
    log,
    now: clock.now,
  });
}

/** How a seeded service starts: its desiredCount, and the bounds of its scalable target when it has one. */
export interface SeededServiceShape {
  desiredCount: number;
  bounds?: Bounds | undefined;
}

/**
 * Creates the ECS services automation.yml names (in the clusters seedSandbox created), each with a task
 * definition of its own name and the given desiredCount (1 unless told), and registers a scalable
 * target for those given bounds. The bridge makes each service's first deployment COMPLETED.
 */
export async function seedServices(
  world: SandboxWorld,
  automation: Automation,
  shapes: Record<string, SeededServiceShape> = {},
): Promise<void> {
  const config = emulatorClientConfig(world.endpoint);
  const ecs = new ECSClient(config);
  const autoScaling = createAutoScalingClient(config);
  for (const [key, watch] of Object.entries(automation.services)) {
    const cluster = clusterNameOf(watch.cluster);
    const shape = shapes[key] ?? { desiredCount: 1 };
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: watch.service,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/docker/library/busybox:latest', essential: true, memory: 512 }],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: watch.service,
        taskDefinition: taskDefinition?.taskDefinitionArn,
        desiredCount: shape.desiredCount,
        launchType: 'FARGATE',
      }),
    );
    if (shape.bounds) {
      await autoScaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ResourceId: `service/${cluster}/${watch.service}`,
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: shape.bounds.min,
          MaxCapacity: shape.bounds.max,
        }),
      );
    }
  }
}

/** A ScalingRuntime (scale-service) wired to the emulator, with the caller's clock and timers. */
export function emulatorScalingRuntime(
  world: SandboxWorld,
  automation: Automation,
  clock: { now: () => Date },
  timers: TimerSetter,
  log: Log,
): ScalingRuntime {
  return createScalingRuntime({
    automation,
    tableName: world.tableName,
    busName: world.busName,
    clientConfig: emulatorClientConfig(world.endpoint),
    timers,
    log,
    now: clock.now,
  });
}

/** What seedApps created for an app: the ARNs moto chose (it cannot reproduce the configured ones). */
export interface SeededApp {
  listener: string;
  rule?: string | undefined;
  targetGroups: Record<Colour, string>;
  /** The stand-in test listener (or rule) seeded for apps.<name>.test. */
  test?: AppSpec['test'];
  /** Every listener or rule of the app, with the ARNs moto gave them (the first is the one above). */
  routes: RouteSpec[];
}

export interface SeedAppsOptions {
  /** The live (blue) colour's desiredCount; 2 unless told. */
  desiredCount?: number | undefined;
  /** Target group stickiness on the forward action, in seconds; none unless told. */
  stickinessSeconds?: number | undefined;
}

/**
 * Creates what automation.yml's apps name: per listener of an app a load balancer (named as in its
 * listener ARN, an ALB or an NLB as the ARN says, in the default VPC), the blue and green target groups
 * (ip targets), the listener — and the rule, when the app shifts one — forwarding blue 100 / green 0
 * (blue alone for a `switch` listener), the two services (blue running `<app>:1` with two tasks, green
 * idle at 0) registered in each of their target groups, and the gate alarms (OK).
 *
 * moto invents every ELB ARN, so the configured ones cannot exist in it: the returned automation is the
 * given one with each app's listener, rule and target groups replaced by the ARNs moto created. Run the
 * handlers with that automation.
 */
export async function seedApps(
  world: SandboxWorld,
  automation: Automation,
  options: SeedAppsOptions = {},
): Promise<{ automation: Automation; apps: Record<string, SeededApp> }> {
  const config = emulatorClientConfig(world.endpoint);
  const elb = createElbClient(config);
  const ecs = new ECSClient(config);
  const ec2 = new EC2Client(config);
  const cloudWatch = createCloudWatchClient(config);
  const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  const vpcId = Vpcs[0]?.VpcId;
  const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  if (!vpcId || Subnets.length < 2) throw new Error('the emulator has no default VPC with two subnets to put the load balancers in');

  const nameIn = (pattern: RegExp, arn: string) => pattern.exec(arn)?.[1] ?? arn;
  const loadBalancers = new Map<string, { arn: string; listeners: number }>();
  const listeners = new Map<string, string>();
  const targetGroups = new Map<string, string>();
  const clusters = new Set<string>();
  const seeded: Record<string, SeededApp> = {};
  const apps: Record<string, AppSpec> = {};
  let rulePriority = 0;

  for (const app of Object.values(automation.apps)) {
    const routes: RouteSpec[] = [];
    let firstLoadBalancer: string | undefined;
    for (const route of app.routes) {
      const kind = /:listener\/net\//.test(route.listener) ? 'network' : 'application';
      const lbName = nameIn(/:listener\/(?:app|net)\/([^/]+)\//, route.listener);
      let loadBalancer = loadBalancers.get(lbName);
      if (!loadBalancer) {
        const { LoadBalancers = [] } = await elb.send(
          new CreateLoadBalancerCommand({ Name: lbName, Type: kind, Subnets: Subnets.slice(0, 2).map((s) => s.SubnetId ?? '') }),
        );
        loadBalancer = { arn: LoadBalancers[0]?.LoadBalancerArn ?? '', listeners: 0 };
        loadBalancers.set(lbName, loadBalancer);
      }
      firstLoadBalancer ??= loadBalancer.arn;
      for (const colour of COLOURS) {
        const configured = route.targetGroups[colour];
        if (targetGroups.has(configured)) continue;
        const { TargetGroups = [] } = await elb.send(
          new CreateTargetGroupCommand({
            Name: nameIn(/:targetgroup\/([^/]+)\//, configured),
            Protocol: kind === 'network' ? 'TCP' : 'HTTP',
            Port: 80,
            VpcId: vpcId,
            TargetType: 'ip',
          }),
        );
        targetGroups.set(configured, TargetGroups[0]?.TargetGroupArn ?? '');
      }
      const forward: ElbAction =
        route.shift === 'switch'
          ? { Type: 'forward', TargetGroupArn: targetGroups.get(route.targetGroups.blue) }
          : {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: targetGroups.get(route.targetGroups.blue), Weight: 100 },
                  { TargetGroupArn: targetGroups.get(route.targetGroups.green), Weight: 0 },
                ],
                ...(options.stickinessSeconds !== undefined && {
                  TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: options.stickinessSeconds },
                }),
              },
            };

      let listener = listeners.get(route.listener);
      if (!listener) {
        // The app that shifts the listener's default action decides it; rules alone leave a 404 behind them.
        const owns = !route.rule || app.routes.some((r) => r.listener === route.listener && !r.rule);
        const notFound: ElbAction = { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } };
        const { Listeners = [] } = await elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: loadBalancer.arn,
            Protocol: kind === 'network' ? 'TCP' : 'HTTP',
            Port: 80 + loadBalancer.listeners,
            DefaultActions: [owns ? forward : notFound],
          }),
        );
        loadBalancer.listeners += 1;
        listener = Listeners[0]?.ListenerArn ?? '';
        listeners.set(route.listener, listener);
      }
      let rule: string | undefined;
      if (route.rule) {
        rulePriority += 1;
        const { Rules = [] } = await elb.send(
          new CreateRuleCommand({
            ListenerArn: listener,
            Priority: rulePriority,
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/${app.name}/*`] } }],
            Actions: [forward],
          }),
        );
        rule = Rules[0]?.RuleArn;
      }
      routes.push({
        ...route,
        listener,
        rule,
        targetGroups: { blue: targetGroups.get(route.targetGroups.blue) ?? '', green: targetGroups.get(route.targetGroups.green) ?? '' },
      });
    }

    const cluster = clusterNameOf(app.cluster);
    if (!clusters.has(cluster)) {
      clusters.add(cluster);
      const { clusters: existing = [] } = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
      // CreateCluster in moto replaces a cluster, capacity providers and all.
      if (!existing.some((c) => c.status === 'ACTIVE')) await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    }
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: app.name,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          { name: 'app', image: `public.ecr.aws/example/${app.name}:v1`, essential: true, portMappings: [{ containerPort: 80 }] },
        ],
      }),
    );
    for (const colour of COLOURS) {
      await ecs.send(
        new CreateServiceCommand({
          cluster,
          serviceName: app.colours[colour].service,
          taskDefinition: taskDefinition?.taskDefinitionArn,
          desiredCount: colour === 'blue' ? (options.desiredCount ?? 2) : 0,
          launchType: 'FARGATE',
          // Registered in each of its target groups (one per listener, or one for several).
          loadBalancers: [...new Set(routes.map((route) => route.targetGroups[colour]))].map((targetGroupArn) => ({
            targetGroupArn,
            containerName: 'app',
            containerPort: 80,
          })),
        }),
      );
    }
    for (const alarm of app.gates.alarms) {
      await cloudWatch.send(
        new PutMetricAlarmCommand({
          AlarmName: alarm,
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'HTTPCode_Target_5XX_Count',
          Dimensions: [{ Name: 'LoadBalancer', Value: nameIn(/:loadbalancer\/(.*)$/, firstLoadBalancer ?? '') }],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 10,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
    }

    const [first] = routes;
    if (!first) throw new Error(`apps.${app.name} names no listener`);
    const test = await standInTestListener({ elb, ecs }, app, {
      loadBalancer: firstLoadBalancer ?? '',
      listenerOf: async (configured) => listeners.get(configured) ?? first.listener,
      blueTargetGroup: first.targetGroups.blue,
      port: 8443 + Object.keys(seeded).length,
    });
    seeded[app.name] = {
      listener: first.listener,
      ...(first.rule && { rule: first.rule }),
      targetGroups: first.targetGroups,
      routes,
      ...(test.test && { test: test.test }),
    };
    apps[app.name] = {
      ...app,
      ...test,
      listener: first.listener,
      rule: first.rule,
      colours: {
        blue: { ...app.colours.blue, targetGroup: first.targetGroups.blue },
        green: { ...app.colours.green, targetGroup: first.targetGroups.green },
      },
      routes,
    };
  }
  return { automation: { ...automation, apps }, apps: seeded };
}

/** A ShiftRuntime (shift-traffic) wired to the emulator, with the caller's clock; pass seedApps' automation. */
export function emulatorShiftRuntime(world: SandboxWorld, automation: Automation, clock: { now: () => Date }, log: Log): ShiftRuntime {
  return createShiftRuntime({
    automation,
    tableName: world.tableName,
    busName: world.busName,
    clientConfig: emulatorClientConfig(world.endpoint),
    log,
    now: clock.now,
  });
}

/**
 * Makes every registered target of the group report `state` (moto reports them all healthy) until it is
 * set back to 'healthy': a colour whose tasks never pass their health check.
 */
export async function setTargetHealth(world: SandboxWorld, targetGroup: string, state: 'healthy' | 'initial' | 'unhealthy'): Promise<void> {
  const response = await fetch(`${world.endpoint}/moto-api/x-elbv2/set-target-health`, {
    method: 'POST',
    body: JSON.stringify({ targetGroup, state }),
  });
  if (!response.ok) throw new Error(`moto bridge x-elbv2/set-target-health answered ${response.status}: ${await response.text()}`);
}
