/**
 * The stack's CloudWatch dashboard: the depth of every dead-letter queue, and each function's errors,
 * throttles and duration (AWS/SQS, AWS/Lambda); then what ecs-autopilot did, from the metrics its functions
 * emit (shared/metrics/catalogue.ts, namespace the stack's prefix): job outcomes, restarts, alerts, scaling,
 * deployments. Those are SEARCH expressions, a line per job, service or app that has data, so the dashboard
 * does not change when automation.yml does; a widget whose capability automation.yml does not use is left
 * out, as it would only ever show "no data". Its URL is a stack output.
 */
import { METRICS, type MetricDefinition } from '../metrics/catalogue.ts';
import type { CfnString, Resource } from './cfn.ts';
import type { DeadLetterQueue } from './watch-alarms.ts';
import { WATCHED_FUNCTIONS } from './watch-alarms.ts';

export const DASHBOARD_LOGICAL_ID = 'Dashboard';
export const DASHBOARD_OUTPUT = 'DashboardUrl';

const FULL_WIDTH = 24;
const HALF_WIDTH = 12;
const HEIGHT = 6;

type Metric = [namespace: string, metricName: string, dimensionName: string, dimensionValue: string];
/** A metric math expression in a widget's `metrics`: CloudWatch wants it alone in its row. */
type Expression = [{ expression: string; label?: string; id: string }];

/** The capabilities automation.yml uses: each has its widgets. */
export interface DashboardScope {
  jobs: boolean;
  watchedTasks: boolean;
  scaling: boolean;
  apps: boolean;
}

interface Widget {
  type: 'metric';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** The dashboard is named after the stack's prefix (service-stage), one per stage, as is the namespace of its metrics. */
export function dashboard(
  prefix: string,
  queues: DeadLetterQueue[],
  scope: DashboardScope,
): Record<string, Resource<'AWS::CloudWatch::Dashboard'>> {
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
    ...placed(ownWidgets(prefix, scope), 3 * HEIGHT),
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
      Description:
        'CloudWatch dashboard of ecs-autopilot itself: dead-letter queues, function errors, throttles and duration, job outcomes, restarts, alerts, scaling, deployments',
      Value: {
        'Fn::Sub': `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards:name=\${${DASHBOARD_LOGICAL_ID}}`,
      },
    },
  };
}

const PERIOD = 300;

/** Its title and what it shows, placed later; `full` takes the dashboard's width. */
interface OwnWidget {
  title: string;
  metrics: Expression[];
  stat: string;
  full?: boolean;
}

/** The widgets of ecs-autopilot's own metrics, those of capabilities automation.yml does not use left out. */
function ownWidgets(namespace: string, scope: DashboardScope): OwnWidget[] {
  const find = (metric: MetricDefinition, stat: string, where: Record<string, string> = {}) => search(namespace, metric, stat, where);
  const jobStatuses = ['succeeded', 'failed', 'timed-out', 'missed', 'skipped', 'replaced', 'launched'];
  return [
    ...(scope.jobs
      ? [
          {
            title: 'Job runs by status',
            metrics: jobStatuses.map((status, i) => expression(`SUM(${find(METRICS.jobRuns, 'Sum', { status })})`, `e${i + 1}`, status)),
            stat: 'Sum',
          },
          {
            title: 'Job runs failed, timed out or missed, per job',
            metrics: ['failed', 'timed-out', 'missed'].map((status, i) =>
              expression(find(METRICS.jobRuns, 'Sum', { status }), `e${i + 1}`),
            ),
            stat: 'Sum',
          },
          {
            title: 'Job launches: passes over the capacity providers (most in a launch)',
            metrics: [expression(find(METRICS.jobLaunchRounds, 'Maximum'), 'e1')],
            stat: 'Maximum',
          },
        ]
      : []),
    ...(scope.watchedTasks
      ? [
          {
            title: 'Watched tasks: restarts, pauses, resumes',
            metrics: [
              expression(find(METRICS.watchedTaskRestarts, 'Sum'), 'e1'),
              expression(find(METRICS.watchedTaskRestartsPaused, 'Sum'), 'e2'),
              expression(find(METRICS.watchedTaskRestartsResumed, 'Sum'), 'e3'),
            ],
            stat: 'Sum',
          },
        ]
      : []),
    {
      title: 'Alerts: messages sent, and held back (silenced, muted, inhibited)',
      metrics: [expression(find(METRICS.alertsSent, 'Sum'), 'e1'), expression(find(METRICS.alertsHeld, 'Sum'), 'e2')],
      stat: 'Sum',
    },
    ...(scope.scaling
      ? [
          {
            title: 'Scheduled scaling: changes, deferrals, failures',
            metrics: [
              expression(find(METRICS.scalingChanges, 'Sum'), 'e1'),
              expression(find(METRICS.scalingDeferrals, 'Sum'), 'e2'),
              expression(find(METRICS.scalingFailures, 'Sum'), 'e3'),
            ],
            stat: 'Sum',
          },
        ]
      : []),
    ...(scope.apps
      ? [
          {
            title: 'Deployments by outcome',
            metrics: [expression(find(METRICS.deploymentOutcomes, 'Sum'), 'e1')],
            stat: 'Sum',
          },
          {
            title: 'Deployments: longest step and longest deployment (seconds)',
            metrics: [
              expression(find(METRICS.deploymentStepDuration, 'Maximum'), 'e1'),
              expression(find(METRICS.deploymentDuration, 'Maximum'), 'e2'),
            ],
            stat: 'Maximum',
          },
        ]
      : []),
    {
      title: 'Events published on the bus, by detail-type',
      metrics: [expression(find(METRICS.eventsPublished, 'Sum'), 'e1')],
      stat: 'Sum',
      full: true,
    },
  ];
}

/** Two half-width widgets a row from `top`, a full-width one on a row of its own. */
function placed(widgets: OwnWidget[], top: number): Widget[] {
  let x = 0;
  let y = top;
  return widgets.map(({ title, metrics, stat, full }) => {
    if (full && x > 0) {
      x = 0;
      y += HEIGHT;
    }
    const width = full ? FULL_WIDTH : HALF_WIDTH;
    const placedWidget = widget({ x, y, width }, title, { metrics, stat, period: PERIOD });
    x += width;
    if (x >= FULL_WIDTH) {
      x = 0;
      y += HEIGHT;
    }
    return placedWidget;
  });
}

/**
 * A SEARCH of `metric` in `namespace` with exactly the metric's dimensions (a line per combination that has
 * data), narrowed to `where`'s values. Names with a character other than letters and digits are quoted.
 */
export function search(namespace: string, metric: MetricDefinition, stat: string, where: Record<string, string> = {}): string {
  const quoted = (name: string) => (/^[A-Za-z0-9]+$/.test(name) ? name : `"${name}"`);
  const schema = [namespace, ...metric.dimensions].map(quoted).join(',');
  const terms = [`MetricName="${metric.name}"`, ...Object.entries(where).map(([name, value]) => `${quoted(name)}="${value}"`)];
  return `SEARCH('{${schema}} ${terms.join(' ')}', '${stat}', ${PERIOD})`;
}

function expression(text: string, id: string, label?: string): Expression {
  return [{ expression: text, id, ...(label !== undefined && { label }) }];
}

function widget(
  at: { x: number; y: number; width: number },
  title: string,
  { metrics, stat, period }: { metrics: (Metric | Expression)[]; stat: string; period: number },
): Widget {
  return {
    type: 'metric',
    ...at,
    height: HEIGHT,
    properties: { title, view: 'timeSeries', stacked: false, region: `\${AWS::Region}`, metrics, stat, period },
  };
}
