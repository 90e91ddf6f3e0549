/** The role EventBridge Scheduler assumes for the schedules and timers. */
import { getAtt, type Resource } from '../cfn.ts';
import { FUNCTION_NAMES, LOGICAL_IDS } from '../naming.ts';
import { RECONCILED_LOGICAL_IDS } from '../reconciled-schedules.ts';
import type { StackScope } from './scope.ts';
import { policy, statement } from './statements.ts';

/**
 * The role Scheduler assumes for the schedules and timers: invoke the functions, dead-letter what fails.
 * shift-traffic only when there are apps, since only their watchdog schedule invokes it.
 */
export function schedulerRole(
  scope: StackScope,
  { withApps, reconciled }: { withApps: boolean; reconciled: boolean },
): Resource<'AWS::IAM::Role'> {
  const invocable = [
    FUNCTION_NAMES.runBatchJob,
    FUNCTION_NAMES.enforceMaxRuntime,
    FUNCTION_NAMES.onTaskStopped,
    FUNCTION_NAMES.notify,
    FUNCTION_NAMES.scaleService,
    ...(withApps ? [FUNCTION_NAMES.shiftTraffic] : []),
  ];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `EventBridge Scheduler invokes the ${scope.prefix} functions`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            // Confused-deputy guard: only schedules of this stack's groups may use the role (the reconciled
            // group's too, when the schedules are past the template: shared/stack/reconciled-schedules.ts).
            Condition: {
              StringEquals: {
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                'aws:SourceArn': reconciled
                  ? [getAtt(LOGICAL_IDS.scheduleGroup, 'Arn'), getAtt(RECONCILED_LOGICAL_IDS.group, 'Arn')]
                  : getAtt(LOGICAL_IDS.scheduleGroup, 'Arn'),
              },
            },
          },
        ],
      },
      Policies: [
        policy('invoke-functions', [
          statement('InvokeScheduledFunctions', ['lambda:InvokeFunction'], invocable.map(scope.functionArn)),
          statement('DeadLetterUndeliveredFirings', ['sqs:SendMessage'], [getAtt(LOGICAL_IDS.scheduleDeadLetterQueue, 'Arn')]),
        ]),
      ],
    },
  };
}
