/**
 * What each action of bench/aws-call-actions.ts cost in AWS calls before issue 11: measured at commit
 * 9f64114 ("Toolchain test: npm's own one-time EBADENGINE note…"), the parent of bcc39c3 ("State layer:
 * one versioned put…"), where issue 11's changes begin. Measured with moto 5.2.1, by running this
 * bench's own files in a worktree of that commit (the sandbox's seeding, runtimes and the raw handlers'
 * signatures were the same then; only the import of Rejections had another path):
 *
 *   git worktree add --detach /tmp/before 9f64114
 *   ln -s "$PWD/node_modules" /tmp/before/node_modules      # package-lock.json differs by @smithy/core only
 *   cp bench/aws-call-actions.ts bench/aws-call-count.ts bench/aws-calls.ts bench/aws-calls-before.ts /tmp/before/bench/
 *   cp test/helpers/faults.ts /tmp/before/test/helpers/
 *   sed -i "s#'../shared/state/deployment-rejections.ts'#'../shared/blue-green/rejections.ts'#" /tmp/before/bench/aws-call-actions.ts
 *   (cd /tmp/before && npx node bench/aws-calls.ts --record before.json)
 *
 * and pasting before.json here. Each invocation's calls in order, as `<client> <command>`.
 */
import type { ActionCalls } from './aws-call-count.ts';

export const BEFORE_ISSUE_11: ActionCalls[] = [
  {
    action: 'job firing (run-batch-job, one task launched)',
    invocations: [
      {
        label: 'run-batch-job: the firing',
        calls: [
          'DynamoDBDocument Get',
          'ECS ListTasks',
          'DynamoDBDocument Put',
          'ECS RunTask',
          'DynamoDBDocument Put',
          'EventBridge PutEvents',
          'DynamoDBDocument Put',
        ],
      },
    ],
  },
  {
    action: "job task's stop (on-task-stopped, run succeeded)",
    invocations: [
      {
        label: 'on-task-stopped: the stop',
        calls: [
          'DynamoDBDocument Update',
          'ECS DescribeTaskDefinition',
          'DynamoDBDocument Query',
          'DynamoDBDocument Put',
          'EventBridge PutEvents',
          'DynamoDBDocument Put',
          'DynamoDBDocument Update',
        ],
      },
    ],
  },
  {
    action: "watched task's crash stop (restart timer set)",
    invocations: [
      {
        label: 'on-task-stopped: the stop',
        calls: [
          'DynamoDBDocument Update',
          'ECS DescribeTaskDefinition',
          'DynamoDBDocument Get',
          'Scheduler CreateSchedule',
          'DynamoDBDocument Put',
          'EventBridge PutEvents',
          'DynamoDBDocument Update',
        ],
      },
    ],
  },
  {
    action: "watched task's restart timer",
    invocations: [
      {
        label: 'on-task-stopped: the timer',
        calls: ['DynamoDBDocument Get', 'ECS RunTask', 'DynamoDBDocument Get', 'EventBridge PutEvents'],
      },
    ],
  },
  {
    action: 'counted service task stop',
    invocations: [
      {
        label: 'on-task-stopped: the stop',
        calls: [
          'DynamoDBDocument Update',
          'ECS DescribeTaskDefinition',
          'DynamoDBDocument Update',
          'DynamoDBDocument Query',
          'EventBridge PutEvents',
          'DynamoDBDocument Update',
        ],
      },
    ],
  },
  {
    action: 'scaling change (a period starts: bounds and count)',
    invocations: [
      {
        label: 'scale-service: the firing',
        calls: [
          'DynamoDBDocument Get',
          'ECS DescribeServices',
          'ApplicationAutoScaling DescribeScalableTargets',
          'DynamoDBDocument Get',
          'DynamoDBDocument Put',
          'ApplicationAutoScaling RegisterScalableTarget',
          'ECS UpdateService',
          'DynamoDBDocument Put',
          'EventBridge PutEvents',
        ],
      },
    ],
  },
  {
    action: 'scaling restore (the period ends: bounds given back)',
    invocations: [
      {
        label: 'scale-service: the firing',
        calls: [
          'DynamoDBDocument Get',
          'ECS DescribeServices',
          'ApplicationAutoScaling DescribeScalableTargets',
          'DynamoDBDocument Get',
          'ApplicationAutoScaling RegisterScalableTarget',
          'ECS UpdateService',
          'DynamoDBDocument Put',
          'EventBridge PutEvents',
        ],
      },
    ],
  },
  {
    action: 'blue/green step tick (canary → 100%)',
    invocations: [
      {
        label: 'shift-traffic: the tick',
        calls: [
          'DynamoDBDocument Get',
          'DynamoDBDocument Put',
          'CloudWatch DescribeAlarms',
          'ElasticLoadBalancingV2 DescribeTargetHealth',
          'DynamoDBDocument Put',
          'ElasticLoadBalancingV2 ModifyListener',
          'ElasticLoadBalancingV2 DescribeListeners',
          'DynamoDBDocument Put',
          'EventBridge PutEvents',
          'DynamoDBDocument Put',
        ],
      },
    ],
  },
  {
    action: 'blue/green start (the request, up to the first step)',
    invocations: [
      {
        label: 'shift-traffic: the request',
        calls: [
          'DynamoDBDocument Get',
          'DynamoDBDocument Put',
          'ElasticLoadBalancingV2 DescribeListeners',
          'ECS DescribeServices',
          'CloudWatch DescribeAlarms',
          'DynamoDBDocument Put',
          'DynamoDBDocument Put',
          'DynamoDBDocument Put',
          'EventBridge PutEvents',
          'ECS DescribeServices',
          'ECS DescribeTaskDefinition',
          'ECS RegisterTaskDefinition',
          'ECS UpdateService',
          'DynamoDBDocument Put',
          'ECS DescribeServices',
          'ElasticLoadBalancingV2 DescribeTargetHealth',
          'DynamoDBDocument Put',
          'ElasticLoadBalancingV2 ModifyListener',
          'ElasticLoadBalancingV2 DescribeListeners',
          'DynamoDBDocument Put',
          'EventBridge PutEvents',
          'DynamoDBDocument Put',
        ],
      },
    ],
  },
  {
    action: "notify episode (one alert event, then the flush's message)",
    invocations: [
      {
        label: 'notify: the event',
        calls: [
          'DynamoDBDocument Update',
          'DynamoDBDocument Update',
          'Scheduler CreateSchedule',
          'DynamoDBDocument Update',
          'Scheduler CreateSchedule',
        ],
      },
      {
        label: 'notify: the flush (the message)',
        calls: ['DynamoDBDocument Get', 'SNS Publish', 'DynamoDBDocument Update'],
      },
    ],
  },
];
