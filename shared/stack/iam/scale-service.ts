/** scale-service's role: its statements (lambdaRole adds its own logs). */

import type { ScaledService } from '../../schedules/desired.ts';
import { serviceArn } from '../arns.ts';
import { getAtt, ownArn } from '../cfn.ts';
import { distinct } from '../distinct.ts';
import { LOGICAL_IDS } from '../naming.ts';
import type { StackScope } from './scope.ts';
import { type PolicyStatement, publishStatement, statement, stateStatement, timerStatements } from './statements.ts';

/**
 * scale-service reads and sets a scaled service's desired count and its Application Auto Scaling bounds,
 * remembers in the state table how the service was before it changed it, publishes its decisions and
 * retries with timers. Without a service that has scaling it touches no service at all.
 */
export function scaleServiceStatements(services: ScaledService[], scope: StackScope): PolicyStatement[] {
  const scaling =
    services.length > 0
      ? [
          statement(
            'ScaleConfiguredServices',
            ['ecs:DescribeServices', 'ecs:UpdateService'],
            distinct(services.map((s) => serviceArn(s.service))),
          ),
          registerEcsScalableTargetsStatement(),
          describeScalableTargetsStatement(),
        ]
      : [];
  return [
    stateStatement('ReadAndWriteScalingState', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], {
      withIndexes: false,
    }),
    publishStatement(),
    ...scaling,
    ...timerStatements(scope.prefix),
    statement('DeadLetterFailedScalings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.scaleServiceDeadLetterQueue, 'Arn')]),
  ];
}

/**
 * The Service Authorization Reference ("Actions, resources, and condition keys for AWS Application Auto
 * Scaling", docs.aws.amazon.com/service-authorization/latest/reference/list_awsapplicationautoscaling.html)
 * gives RegisterScalableTarget the scalable-target resource type and the condition keys
 * application-autoscaling:service-namespace and application-autoscaling:scalable-dimension. A scalable
 * target's ARN ends in an identifier Application Auto Scaling assigns ("How Application Auto Scaling
 * works with IAM": scalable-target/1234abcd56ab78cd901ef1234567890ab123), not the service's name, so no
 * ARN can name one service's target: the account's targets, narrowed to ECS services' desired counts.
 */
export function registerEcsScalableTargetsStatement(): PolicyStatement {
  return {
    ...statement(
      'SetEcsServiceScalingBounds',
      ['application-autoscaling:RegisterScalableTarget'],
      [ownArn('application-autoscaling', 'scalable-target/*')],
    ),
    Condition: {
      StringEquals: {
        'application-autoscaling:service-namespace': 'ecs',
        'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
      },
    },
  };
}

/**
 * The same reference lists no resource type for DescribeScalableTargets (no resource-level permissions)
 * and no condition key for it, so "*" is the only grant that works. It reads scaling bounds only.
 */
export function describeScalableTargetsStatement(): PolicyStatement {
  return statement('DescribeScalableTargets', ['application-autoscaling:DescribeScalableTargets'], ['*']);
}
