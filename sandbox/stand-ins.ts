/**
 * Stand-ins for what an emulator cannot have as the automation file names it: the jobs' subnets and
 * security groups (an emulator without the bridge picks its own ids), and the apps' test listeners and
 * hook task definitions.
 */
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { type ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateRuleCommand,
  type ElasticLoadBalancingV2Client,
  type Action as ElbAction,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AppSpec } from '../shared/blue-green/model.ts';
import type { Automation } from '../shared/config/schema.ts';
import { EMULATOR_REGION, type Emulator, emulatorClientConfig } from './emulator.ts';

/** The automation without the networks of its jobs and watched tasks: what is seeded when stand-ins replace them. */
export function withoutNetworks(automation: Automation): Automation {
  const strip = <T extends { network: unknown }>(specs: Record<string, T>) =>
    Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { ...spec, network: undefined }]));
  return { ...automation, jobs: strip(automation.jobs), watchedTasks: strip(automation.watchedTasks) };
}

const STAND_IN_TAG = 'ecs-autopilot:stands-in-for';

/**
 * An emulator without the bridge picks its own subnet and security group ids, so the ids the automation
 * file names cannot exist there. The sandbox creates (or, on a later run, finds) one stand-in for each and
 * runs the jobs with the stand-ins' ids in their place. Returns the automation to run and what was replaced.
 */
export async function standInNetwork(emulator: Emulator, automation: Automation): Promise<{ automation: Automation; replaced: string[] }> {
  const jobs = Object.values(automation.jobs);
  const subnets = [...new Set(jobs.flatMap((job) => job.network?.subnets ?? []))];
  const securityGroups = [...new Set(jobs.flatMap((job) => job.network?.securityGroups ?? []))];
  if (subnets.length === 0 && securityGroups.length === 0) return { automation, replaced: [] };
  const ec2 = new EC2Client(emulatorClientConfig(emulator.endpoint));
  const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  const vpcId = Vpcs[0]?.VpcId;
  if (!vpcId) throw new Error(`the emulator at ${emulator.endpoint} has no default VPC to create stand-in subnets in`);
  const standIns = new Map<string, string>();
  for (const [index, id] of subnets.entries()) {
    const tagged = { Name: `tag:${STAND_IN_TAG}`, Values: [id] };
    const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ Filters: [tagged] }));
    const existing = Subnets[0]?.SubnetId;
    const created = existing
      ? undefined
      : await ec2.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: `172.31.${192 + index}.0/24`,
            TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: STAND_IN_TAG, Value: id }] }],
          }),
        );
    standIns.set(id, existing ?? created?.Subnet?.SubnetId ?? id);
  }
  for (const id of securityGroups) {
    const GroupName = `ecs-autopilot-sandbox-${id}`;
    const { SecurityGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [GroupName] }] }),
    );
    const existing = SecurityGroups[0]?.GroupId;
    const created = existing
      ? undefined
      : await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName, Description: `stands in for ${id}` }));
    standIns.set(id, existing ?? created?.GroupId ?? id);
  }
  const swap = (ids: string[]) => ids.map((id) => standIns.get(id) ?? id);
  return {
    automation: {
      ...automation,
      jobs: Object.fromEntries(
        Object.entries(automation.jobs).map(([name, job]) => [
          name,
          job.network
            ? { ...job, network: { ...job.network, subnets: swap(job.network.subnets), securityGroups: swap(job.network.securityGroups) } }
            : job,
        ]),
      ),
    },
    replaced: [...standIns].map(([id, standIn]) => `${id} → ${standIn}`),
  };
}

/**
 * The app's test listener (or test rule) and its hooks' task definitions, which the emulator cannot have
 * as the automation file names them: a listener on the app's load balancer (port 8443 and up) or a rule
 * matching `X-Canary: 1`, forwarding to the blue target group as a test listener does between
 * deployments, and a one-container task definition (logging with awslogs) for each hook task's family.
 * Returns the app's test settings with the stand-ins' ARNs in place.
 */
export async function standInTestListener(
  clients: { elb: ElasticLoadBalancingV2Client; ecs: ECSClient },
  app: AppSpec,
  seeded: { loadBalancer: string; listenerOf: (configured: string) => Promise<string>; blueTargetGroup: string; port: number },
): Promise<Pick<AppSpec, 'test'>> {
  const families = new Set(
    Object.values(app.hooks ?? {}).flatMap((hook) =>
      hook.kind === 'task' ? [hook.taskDefinition.split(':')[0] ?? hook.taskDefinition] : [],
    ),
  );
  for (const family of families) {
    await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        // No awsvpc network mode: moto would want the file's subnets to exist for the task's network interface.
        containerDefinitions: [
          {
            name: 'smoke',
            image: `public.ecr.aws/example/${family}:v1`,
            essential: true,
            memory: 128,
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': `/ecs/${family}`, 'awslogs-region': EMULATOR_REGION, 'awslogs-stream-prefix': 'smoke' },
            },
          },
        ],
      }),
    );
  }
  if (!app.test) return {};
  const forward: ElbAction = { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: seeded.blueTargetGroup, Weight: 1 }] } };
  if (app.test.rule) {
    const listener = await seeded.listenerOf(app.test.listener);
    const { Rules = [] } = await clients.elb.send(
      new CreateRuleCommand({
        ListenerArn: listener,
        Priority: 1_000 + seeded.port,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['1'] } }],
        Actions: [forward],
      }),
    );
    return { test: { ...app.test, listener, rule: Rules[0]?.RuleArn } };
  }
  const { Listeners = [] } = await clients.elb.send(
    new CreateListenerCommand({ LoadBalancerArn: seeded.loadBalancer, Protocol: 'HTTP', Port: seeded.port, DefaultActions: [forward] }),
  );
  return { test: { ...app.test, listener: Listeners[0]?.ListenerArn ?? '' } };
}
