/**
 * What IAM authorizes for each AWS call the functions make: the action(s), the resource ARN(s) and the
 * request context, per client and command, after the Service Authorization Reference
 * (docs.aws.amazon.com/service-authorization/latest/reference: "Actions, resources, and condition keys
 * for Amazon ECS", "… Amazon DynamoDB", "… Amazon EventBridge", "… Amazon EventBridge Scheduler",
 * "… Amazon SNS", "… Application Auto Scaling", "… Amazon CloudWatch", "… Elastic Load Balancing V2",
 * "… AWS Identity and Access Management"). The simulator (@cloud-copilot/iam-simulate) checks each
 * resource ARN against the action's resource types and each context key against its condition keys, so
 * a wrong row here fails the check rather than passing it.
 *
 * The table holds the commands the functions send, no more; a command missing from it fails the check,
 * so a new code path cannot slip through unchecked.
 */
import type { AwsCall } from '../helpers/faults.ts';

export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

export interface Where {
  region: string;
  account: string;
}

type Input = Record<string, unknown>;
type Mapper = (input: Input, output: Input, where: Where) => IamRequest[];

const arn = (where: Where, service: string, resource: string) => `arn:aws:${service}:${where.region}:${where.account}:${resource}`;
const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new Error(`the call has no ${what}`);
  return value;
};
const list = (value: unknown): Input[] => (Array.isArray(value) ? (value as Input[]) : []);
const lastPart = (value: string) => value.split('/').pop() ?? value;

// DynamoDB: item actions on the table (the document client's commands are the table's).
const tableArn = (where: Where, table: unknown) => {
  const name = text(table, 'TableName');
  return name.startsWith('arn:') ? name : arn(where, 'dynamodb', `table/${name}`);
};
const onTable =
  (action: string): Mapper =>
  (input, _output, where) => [{ action, resource: tableArn(where, input.TableName), context: {} }];
const query: Mapper = (input, _output, where) => [
  {
    action: 'dynamodb:Query',
    resource: `${tableArn(where, input.TableName)}${input.IndexName ? `/index/${text(input.IndexName, 'IndexName')}` : ''}`,
    context: {},
  },
];
const batchGet: Mapper = (input, _output, where) =>
  Object.keys((input.RequestItems ?? {}) as Input).map((table) => ({
    action: 'dynamodb:BatchGetItem',
    resource: tableArn(where, table),
    context: {},
  }));
/** TransactWriteItems is authorized as its items' own actions ("Using IAM with DynamoDB transactions"). */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};
const transactWrite: Mapper = (input, _output, where) =>
  list(input.TransactItems).flatMap((item) =>
    Object.entries(item).map(([kind, operation]) => {
      const action = TRANSACT_ITEM_ACTIONS[kind];
      if (!action) throw new Error(`TransactWriteItems item of kind ${kind} is not mapped to IAM`);
      return { action, resource: tableArn(where, (operation as Input).TableName), context: {} };
    }),
  );
const DYNAMODB: Record<string, Mapper> = {
  Get: onTable('dynamodb:GetItem'),
  Put: onTable('dynamodb:PutItem'),
  Update: onTable('dynamodb:UpdateItem'),
  Query: query,
  BatchGet: batchGet,
  TransactWrite: transactWrite,
};

// ECS: tasks, services and task definitions, with the cluster as ecs:cluster.
const clusterArn = (where: Where, cluster: unknown) => {
  const name = typeof cluster === 'string' && cluster !== '' ? cluster : 'default';
  return name.startsWith('arn:') ? name : arn(where, 'ecs', `cluster/${name}`);
};
const taskArn = (where: Where, cluster: unknown, task: string) =>
  task.startsWith('arn:') ? task : arn(where, 'ecs', `task/${lastPart(clusterArn(where, cluster))}/${task}`);
const taskDefinitionArn = (where: Where, taskDefinition: string) =>
  taskDefinition.startsWith('arn:') ? taskDefinition : arn(where, 'ecs', `task-definition/${taskDefinition}`);
const tagContext = (tags: unknown): Record<string, string | string[]> => {
  const pairs = list(tags).map((tag) => [String(tag.key ?? tag.Key), String(tag.value ?? tag.Value)] as const);
  if (pairs.length === 0) return {};
  return { 'aws:TagKeys': pairs.map(([key]) => key), ...Object.fromEntries(pairs.map(([key, value]) => [`aws:RequestTag/${key}`, value])) };
};
/** A role given to ECS for its tasks is passed (iam:PassRole, iam:PassedToService ecs-tasks.amazonaws.com). */
const passToEcsTasks = (roles: unknown[]): IamRequest[] =>
  roles
    .filter((role): role is string => typeof role === 'string' && role !== '')
    .map((role) => ({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }));

/**
 * RunTask is authorized on the task definition (the revision ECS resolved: the launched tasks name it),
 * in the cluster; tags given at launch are authorized as ecs:TagResource on the new tasks with
 * ecs:CreateAction RunTask; role overrides are passed to ECS tasks, and so are the task definition's
 * roles (iamRequestsOf adds those: the recording reads them from the task definition).
 */
const runTask: Mapper = (input, output, where) => {
  const tasks = list(output.tasks);
  const launched = typeof tasks[0]?.taskDefinitionArn === 'string' ? tasks[0].taskDefinitionArn : undefined;
  const cluster = clusterArn(where, input.cluster);
  const providers = list(input.capacityProviderStrategy).map((p) => String(p.capacityProvider));
  const overrides = (input.overrides ?? {}) as Input;
  const requests: IamRequest[] = [
    {
      action: 'ecs:RunTask',
      resource: launched ?? taskDefinitionArn(where, text(input.taskDefinition, 'taskDefinition')),
      context: { 'ecs:cluster': cluster, ...(providers.length > 0 && { 'ecs:capacity-provider': providers }), ...tagContext(input.tags) },
    },
  ];
  if (list(input.tags).length > 0) {
    for (const task of tasks)
      requests.push({
        action: 'ecs:TagResource',
        resource: text(task.taskArn, 'launched task ARN'),
        context: { 'ecs:CreateAction': 'RunTask', ...tagContext(input.tags) },
      });
  }
  return [...requests, ...passToEcsTasks([overrides.taskRoleArn, overrides.executionRoleArn])];
};
const onTasks =
  (action: string, field: 'tasks' | 'task'): Mapper =>
  (input, _output, where) => {
    const tasks = field === 'tasks' ? (input.tasks as string[]) : [text(input.task, 'task')];
    return tasks.map((task) => ({
      action,
      resource: taskArn(where, input.cluster, task),
      context: { 'ecs:cluster': clusterArn(where, input.cluster) },
    }));
  };
const serviceArn = (where: Where, cluster: unknown, service: string) =>
  service.startsWith('arn:') ? service : arn(where, 'ecs', `service/${lastPart(clusterArn(where, cluster))}/${service}`);
const describeServices: Mapper = (input, _output, where) =>
  (input.services as string[]).map((service) => ({
    action: 'ecs:DescribeServices',
    resource: serviceArn(where, input.cluster, service),
    context: { 'ecs:cluster': clusterArn(where, input.cluster) },
  }));
const updateService: Mapper = (input, _output, where) => [
  {
    action: 'ecs:UpdateService',
    resource: serviceArn(where, input.cluster, text(input.service, 'service')),
    context: {
      'ecs:cluster': clusterArn(where, input.cluster),
      ...(typeof input.taskDefinition === 'string' && { 'ecs:task-definition': taskDefinitionArn(where, input.taskDefinition) }),
    },
  },
];
/**
 * RegisterTaskDefinition is authorized on the new revision (the answer names it); its tags as
 * ecs:TagResource with ecs:CreateAction RegisterTaskDefinition; its roles are passed to ECS tasks.
 */
const registerTaskDefinition: Mapper = (input, output) => {
  const registered = text((output.taskDefinition as Input | undefined)?.taskDefinitionArn, 'registered task definition ARN');
  const requests: IamRequest[] = [{ action: 'ecs:RegisterTaskDefinition', resource: registered, context: tagContext(input.tags) }];
  if (list(input.tags).length > 0)
    requests.push({
      action: 'ecs:TagResource',
      resource: registered,
      context: { 'ecs:CreateAction': 'RegisterTaskDefinition', ...tagContext(input.tags) },
    });
  return [...requests, ...passToEcsTasks([input.taskRoleArn, input.executionRoleArn])];
};
/** No resource-level permission: IAM checks these against "*". */
const anyResource =
  (action: string, context: (input: Input, where: Where) => Record<string, string> = () => ({})): Mapper =>
  (input, _output, where) => [{ action, resource: '*', context: context(input, where) }];
const ECS: Record<string, Mapper> = {
  RunTask: runTask,
  DescribeTasks: onTasks('ecs:DescribeTasks', 'tasks'),
  StopTask: onTasks('ecs:StopTask', 'task'),
  // The reference's resource type for ListTasks is the container instance, which a cluster-wide list names none of.
  ListTasks: anyResource('ecs:ListTasks', (input, where) => ({ 'ecs:cluster': clusterArn(where, input.cluster) })),
  DescribeTaskDefinition: anyResource('ecs:DescribeTaskDefinition'),
  DescribeServices: describeServices,
  UpdateService: updateService,
  RegisterTaskDefinition: registerTaskDefinition,
};

// EventBridge: each entry on its bus, with its source and detail-type.
const busArn = (where: Where, bus: unknown) => {
  const name = typeof bus === 'string' && bus !== '' ? bus : 'default';
  return name.startsWith('arn:') ? name : arn(where, 'events', `event-bus/${name}`);
};
const putEvents: Mapper = (input, _output, where) =>
  list(input.Entries).map((entry) => ({
    action: 'events:PutEvents',
    resource: busArn(where, entry.EventBusName),
    context: { 'events:source': String(entry.Source), 'events:detail-type': String(entry.DetailType) },
  }));

// Scheduler: the schedule in its group; the role it runs with is passed to Scheduler.
const scheduleArn = (where: Where, input: Input) =>
  arn(
    where,
    'scheduler',
    `schedule/${typeof input.GroupName === 'string' ? input.GroupName : 'default'}/${text(input.Name, 'schedule Name')}`,
  );
const createSchedule: Mapper = (input, _output, where): IamRequest[] => {
  const role = (input.Target as Input | undefined)?.RoleArn;
  return [
    { action: 'scheduler:CreateSchedule', resource: scheduleArn(where, input), context: {} },
    { action: 'iam:PassRole', resource: text(role, 'Target.RoleArn'), context: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
  ];
};

// Application Auto Scaling: a scalable target's ARN ends in an id AWS assigns, so the request names the
// account's targets; the namespace and dimension are the condition keys.
const registerScalableTarget: Mapper = (input, _output, where) => [
  {
    action: 'application-autoscaling:RegisterScalableTarget',
    resource: arn(where, 'application-autoscaling', 'scalable-target/*'),
    context: {
      'application-autoscaling:service-namespace': text(input.ServiceNamespace, 'ServiceNamespace'),
      'application-autoscaling:scalable-dimension': text(input.ScalableDimension, 'ScalableDimension'),
    },
  },
];

// CloudWatch: alarms by name.
const describeAlarms: Mapper = (input, _output, where) => {
  const names = (input.AlarmNames as string[] | undefined) ?? [];
  if (names.length === 0) return [{ action: 'cloudwatch:DescribeAlarms', resource: arn(where, 'cloudwatch', 'alarm:*'), context: {} }];
  return names.map((name) => ({ action: 'cloudwatch:DescribeAlarms', resource: arn(where, 'cloudwatch', `alarm:${name}`), context: {} }));
};

const TABLE: Record<string, Record<string, Mapper>> = {
  // The functions use DynamoDB through the document client only.
  DynamoDBDocument: DYNAMODB,
  ECS,
  EventBridge: { PutEvents: putEvents },
  Scheduler: { CreateSchedule: createSchedule },
  SNS: {
    Publish: (input) => [{ action: 'sns:Publish', resource: text(input.TopicArn, 'TopicArn'), context: {} }],
  },
  ApplicationAutoScaling: {
    RegisterScalableTarget: registerScalableTarget,
    DescribeScalableTargets: anyResource('application-autoscaling:DescribeScalableTargets'),
  },
  CloudWatch: {
    DescribeAlarms: describeAlarms,
    GetMetricData: anyResource('cloudwatch:GetMetricData'),
  },
  ElasticLoadBalancingV2: {
    DescribeListeners: anyResource('elasticloadbalancing:DescribeListeners'),
    DescribeRules: anyResource('elasticloadbalancing:DescribeRules'),
    DescribeTargetHealth: anyResource('elasticloadbalancing:DescribeTargetHealth'),
    ModifyListener: (input) => [
      { action: 'elasticloadbalancing:ModifyListener', resource: text(input.ListenerArn, 'ListenerArn'), context: {} },
    ],
    ModifyRule: (input) => [{ action: 'elasticloadbalancing:ModifyRule', resource: text(input.RuleArn, 'RuleArn'), context: {} }],
  },
};

export class UnmappedCall extends Error {
  override name = 'UnmappedCall';
}

/** The IAM requests one call makes; throws UnmappedCall for a client or command the table does not know. */
export function iamRequestsOf(
  call: AwsCall & { taskDefinitionRoles?: string[]; taskDefinitionArn?: string | undefined },
  where: Where,
): IamRequest[] {
  const mapper = TABLE[call.service]?.[call.command];
  if (!mapper) throw new UnmappedCall(`${call.service} ${call.command} has no IAM mapping in test/packaging/iam-requests.ts`);
  // A launch that started nothing names no revision in its answer: the one ECS resolved, when the recording read it.
  const input = { ...((call.input ?? {}) as Input), ...(call.taskDefinitionArn && { taskDefinition: call.taskDefinitionArn }) };
  const requests = mapper(input, (call.output ?? {}) as Input, where);
  // A launch passes the roles of the task definition it runs, which only the task definition names.
  if (call.service === 'ECS' && call.command === 'RunTask') requests.push(...passToEcsTasks(call.taskDefinitionRoles ?? []));
  return requests;
}
