/**
 * Schedules past what a template can hold. Each job's schedule and each scaling boundary's is a
 * CloudFormation resource while there are at most SCHEDULES_IN_TEMPLATE_MAX of them; past that (a
 * thousand jobs and three hundred scaled services come to 1,300 schedules, against CloudFormation's 500
 * resources and 1 MB of template), the template holds one custom resource instead, and the deploy-time
 * reconciler (functions/reconcile-schedules.ts, shared/schedules/) makes a schedule group of their own,
 * `<service>-<stage>-schedules`, hold exactly the schedules automation.yml asks for.
 *
 * Why a reconciler and not nested stacks: nested stacks would still be one resource per schedule, three
 * or more templates that osls does not package (each uploaded and referenced by URL), a thousand
 * resources for CloudFormation to create one by one on the first deploy and to diff on every later one,
 * and a fixed split to rebalance as the file grows. The reconciler reads the group, writes only the
 * differences (a deploy that changes one job changes one schedule), is idempotent and resumable, and
 * needs one function and one resource however large the file grows. Its own group keeps it apart from
 * the timers and watchdogs, so it may delete whatever in it is not desired.
 * Pure: the resources; the function's role (always there, as serverless.yml names it) lives here too.
 */
import { createHash } from 'node:crypto';
import type { Automation } from '../config/schema.ts';
import { desiredSchedules } from '../schedules/desired.ts';
import { FUNCTION_NAMES, LOGICAL_IDS, lambdaLogicalId, logGroupLogicalId } from './naming.ts';
import type { CfnResource, CfnString, PolicyStatement } from './resources.ts';

/** More schedules than this, and they are reconciled rather than templated: room left for the rest of a large stack within 500 resources. */
export const SCHEDULES_IN_TEMPLATE_MAX = 200;

/** The reconciler, as serverless.yml names it. Not among FUNCTION_NAMES: it runs at deploy time only, so no alarm or dashboard watches it. */
export const RECONCILE_SCHEDULES_FUNCTION = 'reconcile-schedules';

export const RECONCILED_LOGICAL_IDS = {
  group: 'ReconciledScheduleGroup',
  schedules: 'ReconciledSchedules',
  role: 'ReconcileSchedulesRole',
} as const;

/** The reconciled group's name: the stack's prefix and `-schedules`. */
export const reconciledGroupName = (prefix: string): string => `${prefix}-schedules`;

const sub = (template: string): CfnString => ({ 'Fn::Sub': template });
const getAtt = (logicalId: string, attribute = 'Arn'): CfnString => ({ 'Fn::GetAtt': [logicalId, attribute] });
const ownArn = (service: string, resource: string): CfnString =>
  sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);

/**
 * The reconciled group and the custom resource that fills it. `Digest` is the schedules' own (with the
 * targets left out, which are the template's), so CloudFormation sends the reconciler an Update exactly
 * when a schedule changes.
 */
export function reconciledScheduleResources(prefix: string, automation: Automation, now: Date): Record<string, CfnResource> {
  const placeholders = { groupName: '', runBatchJobArn: '', scaleServiceArn: '', roleArn: '', deadLetterArn: '' };
  const digest = createHash('sha256')
    .update(JSON.stringify(desiredSchedules(automation, now, placeholders)))
    .digest('hex');
  return {
    [RECONCILED_LOGICAL_IDS.group]: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: reconciledGroupName(prefix) } },
    [RECONCILED_LOGICAL_IDS.schedules]: {
      Type: 'Custom::ReconciledSchedules',
      Properties: {
        ServiceToken: getAtt(lambdaLogicalId(RECONCILE_SCHEDULES_FUNCTION)),
        GroupName: { Ref: RECONCILED_LOGICAL_IDS.group },
        RoleArn: getAtt(LOGICAL_IDS.schedulerRole),
        DeadLetterArn: getAtt(LOGICAL_IDS.scheduleDeadLetterQueue),
        RunBatchJobArn: getAtt(lambdaLogicalId(FUNCTION_NAMES.runBatchJob)),
        ScaleServiceArn: getAtt(lambdaLogicalId(FUNCTION_NAMES.scaleService)),
        Digest: digest,
      },
    },
  };
}

/**
 * The reconciler's role: read, create, update and delete the schedules of the reconciled group only,
 * pass the SchedulerRole to them, and write its own logs. ListSchedules supports no resource-level
 * permission (the Service Authorization Reference lists no resource type for it), hence "*": it lists
 * names, and the function asks for its group's only.
 */
export function reconcilerRole(prefix: string): CfnResource {
  const statements: PolicyStatement[] = [
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [ownArn('logs', `log-group:\${${logGroupLogicalId(RECONCILE_SCHEDULES_FUNCTION)}}:*`)],
    },
    {
      Sid: 'ReconcileGroupSchedules',
      Effect: 'Allow',
      Action: ['scheduler:GetSchedule', 'scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      Resource: [ownArn('scheduler', `schedule/${reconciledGroupName(prefix)}/*`)],
    },
    { Sid: 'ListSchedules', Effect: 'Allow', Action: ['scheduler:ListSchedules'], Resource: ['*'] },
    {
      Sid: 'PassSchedulerRoleToSchedules',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [getAtt(LOGICAL_IDS.schedulerRole)],
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    },
  ];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `Execution role of ${RECONCILE_SCHEDULES_FUNCTION}`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [{ PolicyName: RECONCILE_SCHEDULES_FUNCTION, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}
