/**
 * Stand-ins for what an emulator without the bridge cannot have as the automation file names it: the
 * jobs' subnets and security groups (it picks its own ids).
 */
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import type { Automation } from '../shared/config/schema.ts';
import { type Emulator, emulatorClientConfig } from './emulator.ts';

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
