/**
 * The AWS limits a generated stack can outgrow as automation.yml grows, checked before anything is
 * deployed: `validate` and `serverless package` say which limit, the figure, and what to change, instead
 * of a CloudFormation rollback half-way through `serverless deploy`. Pure.
 *
 * Sizes are measured on the template with each CloudFormation function replaced by the longest value it
 * can take (the aws-us-gov partition, a 14-character region, a 12-digit account, the ARN of a named
 * resource of this stack), so a figure within its limit here is within it in any account and region.
 */
import type { CfnResource, StackResources } from './cfn.ts';
import { IAM_POLICY_LIMITS } from './policy-split.ts';
import { SCHEDULES_IN_TEMPLATE_MAX } from './reconciled-schedules.ts';
import { STACK_TAG_KEY } from './tag-scope.ts';

export const AWS_LIMITS = {
  /** IAM: aggregate size of a role's inline policies, whitespace not counted. */
  roleInlinePolicyCharacters: IAM_POLICY_LIMITS.roleInlinePolicyCharacters,
  /** IAM: a customer managed policy's document, whitespace not counted. */
  managedPolicyCharacters: IAM_POLICY_LIMITS.managedPolicyCharacters,
  /** IAM: managed policies attached to a role (default quota). */
  managedPoliciesPerRole: IAM_POLICY_LIMITS.managedPoliciesPerRole,
  /** EventBridge: an event pattern (default quota). */
  eventPatternCharacters: 2_048,
  /** EventBridge: rules per event bus (default quota). */
  rulesPerBus: 300,
  /** CloudFormation: resources in one template. */
  templateResources: 500,
  /** CloudFormation: a template's body uploaded through S3, as serverless deploys it. */
  templateBytes: 1_000_000,
  /** Names: Scheduler schedules and groups, EventBridge rules, IAM roles, Lambda functions. */
  name64: 64,
  /** SQS queue names. */
  queueName: 80,
} as const;

/**
 * Resources osls adds to ours for each function (the function, its version, its log group and its
 * asynchronous invocation settings) and once (the deployment bucket and its policy): the packaging test
 * checks these against a packaged template.
 */
export const SERVERLESS_RESOURCES_PER_FUNCTION = 4;
export const SERVERLESS_RESOURCES_ONCE = 2;
/** Bytes osls adds to the template per function (its definitions, its environment): about 2,900 in the packaging test, with margin. */
export const SERVERLESS_BYTES_PER_FUNCTION = 4_000;

const LONGEST = { partition: 'aws-us-gov', region: 'ap-southeast-2', account: '123456789012' };
const UNKNOWN_ARN_LENGTH = 160;

/** One limit a stack exceeds, said in automation.yml's terms: `path: figure over limit: what to change`. */
export interface LimitProblem {
  /** The part of automation.yml that grows it (`jobs`, `watchedTasks`, …), or `(top level)`. */
  path: string;
  text: string;
}

/** What grows each role's policy, each rule's pattern: the part of automation.yml to name in a problem. */
const GROWN_BY: Record<string, string> = {
  RunBatchJobRole: 'jobs',
  EnforceMaxRuntimeRole: 'jobs',
  OnTaskStoppedRole: 'watchedTasks',
  ScaleServiceRole: 'services',
  ShiftTrafficRole: 'apps',
  NotifyRole: 'notifications',
  SchedulerRole: 'jobs',
};

/** When even managed policies cannot list them all: what makes the lists shorter, or needs none. */
const tooManyToListAdvice = (prefix: string) =>
  `set permissions: tagged and tag the task definitions and roles ${STACK_TAG_KEY}=${prefix} (README, "AWS limits"), name fewer distinct task definitions, roles and clusters, or ask AWS to raise "Managed policies per role" (up to 20)`;

const SPLIT_ADVICE = 'deploy the excess as a second stack (another stage or service name) until ecs-autopilot splits it itself';

/** The limits `stack` exceeds, as problem lines (`jobs: the role …`). */
export function stackLimitProblems(stack: StackResources, names: { service: string; stage: string }): string[] {
  return limitProblems(stack, names).map((problem) => `${problem.path}: ${problem.text}`);
}

export function limitProblems(stack: StackResources, names: { service: string; stage: string }): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const functionCount = functionNamesOf(stack).length;
  const resources = stack.Resources;
  const estimate = (value: unknown) => JSON.stringify(resolvedForSize(value, resources)).length;

  for (const [id, resource] of Object.entries(resources)) {
    const properties = resource.Properties as Record<string, unknown>;
    if (resource.Type === 'AWS::IAM::Role') {
      const policies = (properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? [];
      const size = policies.reduce((sum, policy) => sum + estimate(policy.PolicyDocument), 0);
      if (size > AWS_LIMITS.roleInlinePolicyCharacters) {
        problems.push({
          path: GROWN_BY[id] ?? '(top level)',
          text: `the role ${id}'s policy would be about ${size} characters, over IAM's ${AWS_LIMITS.roleInlinePolicyCharacters} for a role's inline policies: ${SPLIT_ADVICE}, or name fewer distinct task definitions, roles and clusters`,
        });
      }
      const managed = ((properties.ManagedPolicyArns as unknown[] | undefined) ?? []).length;
      if (managed > AWS_LIMITS.managedPoliciesPerRole) {
        problems.push({
          path: GROWN_BY[id] ?? '(top level)',
          text: `the role ${id} would need ${managed} managed policies for its permissions, over IAM's default ${AWS_LIMITS.managedPoliciesPerRole} per role: ${tooManyToListAdvice(`${names.service}-${names.stage}`)}`,
        });
      }
    }
    if (resource.Type === 'AWS::IAM::ManagedPolicy') {
      const size = estimate(properties.PolicyDocument);
      if (size > AWS_LIMITS.managedPolicyCharacters) {
        const role = id.replace(/ManagedPolicy\d+$/, '');
        problems.push({
          path: GROWN_BY[role] ?? '(top level)',
          text: `the managed policy ${id} would be about ${size} characters, over IAM's ${AWS_LIMITS.managedPolicyCharacters}, and one of its statements cannot be cut further: ${tooManyToListAdvice(`${names.service}-${names.stage}`)}`,
        });
      }
    }
    if (resource.Type === 'AWS::Events::Rule' && properties.EventPattern !== undefined) {
      const size = estimate(properties.EventPattern);
      if (size > AWS_LIMITS.eventPatternCharacters) {
        problems.push({
          path: ruleGrownBy(id),
          text: `the event rule ${String(properties.Name ?? id)}'s pattern would be about ${size} characters, over EventBridge's default ${AWS_LIMITS.eventPatternCharacters}: ${SPLIT_ADVICE}, or ask AWS to raise the quota "Event pattern size"`,
        });
      }
    }
    problems.push(...nameProblems(id, resource));
  }

  const rulesByBus = new Map<string, number>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const bus = JSON.stringify((resource.Properties as { EventBusName?: unknown }).EventBusName ?? 'default');
    rulesByBus.set(bus, (rulesByBus.get(bus) ?? 0) + 1);
  }
  for (const [bus, count] of rulesByBus) {
    if (count > AWS_LIMITS.rulesPerBus) {
      problems.push({
        path: '(top level)',
        text: `${count} rules on the event bus ${bus}, over EventBridge's default ${AWS_LIMITS.rulesPerBus}: ${SPLIT_ADVICE}`,
      });
    }
  }

  const total = Object.keys(resources).length + functionCount * SERVERLESS_RESOURCES_PER_FUNCTION + SERVERLESS_RESOURCES_ONCE;
  if (total > AWS_LIMITS.templateResources) {
    problems.push({
      path: '(top level)',
      text: `the stack would hold ${total} resources, over CloudFormation's ${AWS_LIMITS.templateResources} for a template (its managed policies, split rules and, up to ${SCHEDULES_IN_TEMPLATE_MAX}, schedules): ${SPLIT_ADVICE}`,
    });
  }
  const bytes = JSON.stringify(stack).length + functionCount * SERVERLESS_BYTES_PER_FUNCTION;
  if (bytes > AWS_LIMITS.templateBytes) {
    problems.push({
      path: '(top level)',
      text: `the template would be about ${bytes} bytes, over CloudFormation's ${AWS_LIMITS.templateBytes}: ${SPLIT_ADVICE}`,
    });
  }
  for (const fn of functionNamesOf(stack)) {
    const name = `${names.service}-${names.stage}-${fn}`;
    if (name.length > AWS_LIMITS.name64) {
      problems.push({
        path: '(top level)',
        text: `the function name ${name} is ${name.length} characters, over Lambda's ${AWS_LIMITS.name64}: use a shorter stage`,
      });
    }
  }
  return problems;
}

function ruleGrownBy(id: string): string {
  if (id.startsWith('TaskEvents')) return 'defaults';
  if (id.startsWith('ServiceEvents')) return 'services';
  if (id.startsWith('JobChains')) return 'jobs';
  if (id.startsWith('Deployment')) return 'apps';
  return '(top level)';
}

const NAME_LIMITS: Record<string, { property: string; limit: number; what: string }> = {
  'AWS::Scheduler::Schedule': { property: 'Name', limit: AWS_LIMITS.name64, what: 'Scheduler schedule' },
  'AWS::Scheduler::ScheduleGroup': { property: 'Name', limit: AWS_LIMITS.name64, what: 'Scheduler schedule group' },
  'AWS::Events::Rule': { property: 'Name', limit: AWS_LIMITS.name64, what: 'EventBridge rule' },
  'AWS::IAM::Role': { property: 'RoleName', limit: AWS_LIMITS.name64, what: 'IAM role' },
  'AWS::SQS::Queue': { property: 'QueueName', limit: AWS_LIMITS.queueName, what: 'SQS queue' },
};

function nameProblems(id: string, resource: CfnResource): LimitProblem[] {
  const rule = NAME_LIMITS[resource.Type];
  const name = rule ? (resource.Properties as Record<string, unknown>)[rule.property] : undefined;
  if (!rule || typeof name !== 'string' || name.length <= rule.limit) return [];
  return [
    {
      path: '(top level)',
      text: `the ${rule.what} name ${name} (${id}) is ${name.length} characters, over AWS's ${rule.limit}: use a shorter stage or name`,
    },
  ];
}

/** The functions the stack's roles serve (one role each, named <Function>Role). */
function functionNamesOf(stack: StackResources): string[] {
  return Object.values(stack.Resources).flatMap((resource) => {
    const description = (resource.Properties as { Description?: unknown }).Description;
    return resource.Type === 'AWS::IAM::Role' && typeof description === 'string' && description.startsWith('Execution role of ')
      ? [description.slice('Execution role of '.length)]
      : [];
  });
}

/** `value` with every CloudFormation function replaced by the longest text it can stand for. */
export function resolvedForSize(value: unknown, resources: Record<string, CfnResource>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolvedForSize(item, resources));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only) {
    const [key, argument] = only;
    if (key === 'Ref') return refText(String(argument), resources);
    if (key === 'Fn::GetAtt') return arnOf(String((argument as unknown[])[0]), resources);
    if (key === 'Fn::Sub') return subText(argument, resources);
    if (key === 'Fn::Join' && Array.isArray(argument)) {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map((part) => String(resolvedForSize(part, resources))).join(separator);
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolvedForSize(item, resources)]));
}

function subText(argument: unknown, resources: Record<string, CfnResource>): string {
  const template = typeof argument === 'string' ? argument : String((argument as unknown[])[0]);
  return template.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
    name.endsWith('.Arn') ? arnOf(name.slice(0, -'.Arn'.length), resources) : refText(name, resources),
  );
}

function refText(name: string, resources: Record<string, CfnResource>): string {
  if (name === 'AWS::Partition') return LONGEST.partition;
  if (name === 'AWS::Region') return LONGEST.region;
  if (name === 'AWS::AccountId') return LONGEST.account;
  return nameOf(resources[name]) ?? 'x'.repeat(UNKNOWN_ARN_LENGTH);
}

function arnOf(logicalId: string, resources: Record<string, CfnResource>): string {
  const name = nameOf(resources[logicalId]);
  return name === undefined
    ? 'x'.repeat(UNKNOWN_ARN_LENGTH)
    : `arn:${LONGEST.partition}:service:${LONGEST.region}:${LONGEST.account}:resource-type/${name}`;
}

function nameOf(resource: CfnResource | undefined): string | undefined {
  if (!resource) return undefined;
  const properties = resource.Properties as Record<string, unknown>;
  for (const key of ['Name', 'TableName', 'QueueName', 'TopicName', 'RoleName']) {
    if (typeof properties[key] === 'string') return properties[key] as string;
  }
  return undefined;
}
