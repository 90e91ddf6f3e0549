/**
 * The EventBridge rules of the stack (shared/stack/event-rules.ts says which, from automation.yml), each
 * invoking one function, with its retries, its dead-letter queue and the function's permission.
 */
import { getAtt, ref, type StackResource } from './cfn.ts';
import { deployedRuleName, type EventRule, type EventRuleName } from './event-rules.ts';
import { type FunctionName, LOGICAL_IDS, lambdaLogicalId } from './naming.ts';
import { deadLetterQueue } from './stores.ts';

/**
 * EventBridge's retry of a rule target it could not deliver to (Lambda throttling, the function missing
 * or being updated): its maximum, 185 attempts over 24 h. Both functions decide from the event's own
 * time, so a late stop still restarts a watched task and a late alert still reports what is (or was)
 * wrong; only what is still undeliverable after that is parked in the rule's dead-letter queue.
 * A function's own failures are retried by Lambda (serverless.yml), not by this policy.
 */
const RULE_TARGET_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/**
 * The ECS task events of the configured clusters, on the default bus (where AWS services publish), to
 * on-task-stopped. Filtered in the rule, so the function is invoked only for what it acts on: a task
 * that stopped, or a capacity reclaim notice (Fargate Spot's two-minute warning: still RUNNING, desired
 * STOPPED), which lets a watched task's replacement start before the old one is gone. No clusters, no rule.
 * And the watched services' own ECS events, only the problems alerted and the recoveries that resolve them
 * (shared/service-events/trigger.ts). No services, no rule.
 */
export function taskEventResources(prefix: string, rules: EventRule[]): Record<string, StackResource> {
  return { ...ruleResources(prefix, rules, 'task-events'), ...ruleResources(prefix, rules, 'service-events') };
}

/** The template's ids of each rule (shared/stack/event-rules.ts) and of its dead-letter queue, queue policy and permission. */
export const RULE_LOGICAL_IDS: Record<EventRuleName, Pick<RuleToFunction, 'ruleId' | 'queueId' | 'queuePolicyId' | 'permissionId'>> = {
  'task-events': {
    ruleId: LOGICAL_IDS.taskEventsRule,
    queueId: LOGICAL_IDS.taskEventsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.taskEventsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.taskEventsInvokePermission,
  },
  'service-events': {
    ruleId: LOGICAL_IDS.serviceEventsRule,
    queueId: LOGICAL_IDS.serviceEventsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.serviceEventsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.serviceEventsInvokePermission,
  },
  alerts: {
    ruleId: LOGICAL_IDS.alertsRule,
    queueId: LOGICAL_IDS.alertsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.alertsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.alertsInvokePermission,
  },
  'job-chains': {
    ruleId: LOGICAL_IDS.jobChainsRule,
    queueId: LOGICAL_IDS.jobChainsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.jobChainsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.jobChainsInvokePermission,
  },
  'deployment-requests': {
    ruleId: LOGICAL_IDS.deploymentRequestsRule,
    queueId: LOGICAL_IDS.deploymentRequestsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.deploymentRequestsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.deploymentRequestsInvokePermission,
  },
  'deployment-ecs-events': {
    ruleId: LOGICAL_IDS.deploymentServiceEventsRule,
    queueId: LOGICAL_IDS.deploymentServiceEventsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.deploymentServiceEventsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.deploymentServiceEventsInvokePermission,
  },
  'deployment-alarms': {
    ruleId: LOGICAL_IDS.deploymentAlarmsRule,
    queueId: LOGICAL_IDS.deploymentAlarmsDeadLetterQueue,
    queuePolicyId: LOGICAL_IDS.deploymentAlarmsDeadLetterQueuePolicy,
    permissionId: LOGICAL_IDS.deploymentAlarmsInvokePermission,
  },
};

/** The named rule, when automation.yml gives it one, as CloudFormation: nothing when it does not. */
export function ruleResources(prefix: string, rules: EventRule[], name: EventRuleName): Record<string, StackResource> {
  const parts = rules.filter((candidate) => candidate.name === name);
  const [first] = parts;
  if (!first) return {};
  return ruleInvokingFunction({
    ...RULE_LOGICAL_IDS[name],
    functionName: first.target,
    rules: parts.map((rule) => ({
      Name: `${prefix}-${deployedRuleName(rule)}`,
      Description: rule.description,
      ...(rule.bus === 'own' && { EventBusName: getAtt(LOGICAL_IDS.eventBus, 'Name') }),
      EventPattern: rule.pattern,
    })),
    queueName: `${prefix}-${name}-dlq`,
  });
}

export interface RuleToFunction {
  ruleId: string;
  queueId: string;
  queuePolicyId: string;
  permissionId: string;
  functionName: FunctionName;
  /**
   * The rule's own properties: Name, Description, EventPattern, EventBusName (default bus if absent);
   * several when the rule is split (rule-split.ts): parts after the first get ids `<ruleId><n>`,
   * `<permissionId><n>`, and share the dead-letter queue.
   */
  rules: Record<string, unknown>[];
  queueName: string;
}

/** The id of part `index` (from 0) of a split rule's `id`: the first keeps the id of a whole rule. */
const partId = (id: string, index: number) => (index === 0 ? id : `${id}${index + 1}`);

/**
 * An EventBridge rule with one target, a function: retried per RULE_TARGET_RETRY, then dead-lettered
 * into its own queue, which only this rule (its parts) may write to; and the function's resource
 * policy, which lets only this rule invoke it.
 */
export function ruleInvokingFunction(spec: RuleToFunction): Record<string, StackResource> {
  const functionArn = getAtt(lambdaLogicalId(spec.functionName), 'Arn');
  const ruleArns = spec.rules.map((_, index) => getAtt(partId(spec.ruleId, index), 'Arn'));
  const fromThisRule = { ArnEquals: { 'aws:SourceArn': ruleArns.length === 1 ? ruleArns[0] : ruleArns } };
  const resources: Record<string, StackResource> = {};
  spec.rules.forEach((rule, index) => {
    resources[partId(spec.ruleId, index)] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        ...rule,
        State: 'ENABLED',
        Targets: [
          {
            Id: spec.functionName,
            Arn: functionArn,
            RetryPolicy: { ...RULE_TARGET_RETRY },
            DeadLetterConfig: { Arn: getAtt(spec.queueId, 'Arn') },
          },
        ],
      },
    };
    resources[partId(spec.permissionId, index)] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: functionArn,
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(partId(spec.ruleId, index), 'Arn'),
      },
    };
  });
  return {
    ...resources,
    [spec.queueId]: deadLetterQueue(spec.queueName),
    [spec.queuePolicyId]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(spec.queueId)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DeadLettersOfTheRule',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: getAtt(spec.queueId, 'Arn'),
              Condition: fromThisRule,
            },
          ],
        },
      },
    },
  };
}
