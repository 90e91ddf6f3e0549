/**
 * The stack's CloudWatch dashboard: the depth of every dead-letter queue, and each function's errors,
 * throttles and duration. Only AWS-provided metrics (AWS/SQS, AWS/Lambda): the functions emit no metrics
 * of their own yet, and a widget on a metric nothing emits would only ever show "no data".
 * Its URL is a stack output.
 */
import type { CfnResource, CfnString } from './resources.ts';
import type { DeadLetterQueue } from './watch-alarms.ts';
import { WATCHED_FUNCTIONS } from './watch-alarms.ts';

export const DASHBOARD_LOGICAL_ID = 'Dashboard';
export const DASHBOARD_OUTPUT = 'DashboardUrl';

const FULL_WIDTH = 24;
const HALF_WIDTH = 12;
const HEIGHT = 6;

type Metric = [namespace: string, metricName: string, dimensionName: string, dimensionValue: string];

interface Widget {
  type: 'metric';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** The dashboard is named after the stack's prefix (service-stage), one per stage. */
export function dashboard(prefix: string, queues: DeadLetterQueue[]): Record<string, CfnResource> {
  const functionNames = WATCHED_FUNCTIONS.map((functionName) => `${prefix}-${functionName}`);
  const lambda = (metricName: string): Metric[] => functionNames.map((name) => ['AWS/Lambda', metricName, 'FunctionName', name]);
  const widgets: Widget[] = [
    widget({ x: 0, y: 0, width: FULL_WIDTH }, 'Dead-letter queues: messages waiting (should be 0)', {
      metrics: queues.map((queue): Metric => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queue.queueName]),
      stat: 'Maximum',
      period: 60,
    }),
    widget({ x: 0, y: HEIGHT, width: HALF_WIDTH }, 'Function errors', { metrics: lambda('Errors'), stat: 'Sum', period: 300 }),
    widget({ x: HALF_WIDTH, y: HEIGHT, width: HALF_WIDTH }, 'Function throttles', {
      metrics: lambda('Throttles'),
      stat: 'Sum',
      period: 300,
    }),
    widget({ x: 0, y: 2 * HEIGHT, width: HALF_WIDTH }, 'Function invocations', {
      metrics: lambda('Invocations'),
      stat: 'Sum',
      period: 300,
    }),
    widget({ x: HALF_WIDTH, y: 2 * HEIGHT, width: HALF_WIDTH }, 'Function duration, p99 (ms)', {
      metrics: lambda('Duration'),
      stat: 'p99',
      period: 300,
    }),
  ];
  return {
    [DASHBOARD_LOGICAL_ID]: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: prefix,
        // A string, as CloudFormation wants it; Fn::Sub fills in the stack's region, which every widget names.
        DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) } satisfies CfnString,
      },
    },
  };
}

/** The console's address of the dashboard, in the stack's region. */
export function dashboardOutput(): Record<string, { Description: string; Value: CfnString }> {
  return {
    [DASHBOARD_OUTPUT]: {
      Description: 'CloudWatch dashboard of ecs-autopilot itself: dead-letter queues, function errors, throttles and duration',
      Value: {
        'Fn::Sub': `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards:name=\${${DASHBOARD_LOGICAL_ID}}`,
      },
    },
  };
}

function widget(
  at: { x: number; y: number; width: number },
  title: string,
  { metrics, stat, period }: { metrics: Metric[]; stat: string; period: number },
): Widget {
  return {
    type: 'metric',
    ...at,
    height: HEIGHT,
    properties: { title, view: 'timeSeries', stacked: false, region: `\${AWS::Region}`, metrics, stat, period },
  };
}
