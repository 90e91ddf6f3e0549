/**
 * Watching the watcher: the alarms on the stack's own dead-letter queues and functions, the topic policy
 * that lets CloudWatch publish them, and the dashboard with its URL as an output. That they refer only to
 * resources that exist, without cycles, is checked for the whole stack in stack-resources.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { validateAutomation } from '../../shared/config/load.ts';
import type { AutomationInput } from '../../shared/config/schema.ts';
import { METRICS } from '../../shared/metrics/catalogue.ts';
import { LOGICAL_IDS } from '../../shared/stack/naming.ts';
import { type CfnResource, type StackResources, stackResources } from '../../shared/stack/resources.ts';
import { shopApp } from '../helpers/shop-app.ts';

const NAMES = { service: 'ecs-autopilot', stage: 'qa' };
const NOW = new Date('2026-11-22T12:00:00Z');
const FUNCTIONS = ['run-batch-job', 'enforce-max-runtime', 'on-task-stopped', 'notify', 'scale-service', 'shift-traffic'];
const TOPIC = { Ref: LOGICAL_IDS.alertTopic };

const BASE: AutomationInput = {
  defaults: { cluster: 'batch', timezone: 'Europe/Berlin' },
  jobs: { 'nightly-report': { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'nightly-report:12' } },
  watchedTasks: { 'queue-worker': { taskDefinition: 'queue-worker' } },
  notifications: { email: ['ops@example.com'] },
};
const WITH_APPS: AutomationInput = {
  ...BASE,
  apps: { shop: shopApp({ gates: { alarms: ['shop-5xx'] } }) },
};

const generate = (config: AutomationInput): StackResources => stackResources(validateAutomation(config), NAMES, NOW);
const ofType = (stack: StackResources, type: string): [string, CfnResource][] =>
  Object.entries(stack.Resources).filter(([, r]) => r.Type === type);

describe('alarms on ecs-autopilot itself', () => {
  it.each([
    ['without apps', BASE, 8],
    ['with blue/green apps and gate alarms', WITH_APPS, 11],
  ])('%s: one alarm per dead-letter queue, on any visible message, to the alert topic', (_, config, queueCount) => {
    const stack = generate(config);
    const queues = ofType(stack, 'AWS::SQS::Queue');
    const queueAlarms = ofType(stack, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.Namespace === 'AWS/SQS');

    expect(queues).toHaveLength(queueCount);
    expect(queueAlarms.map(([, a]) => a.Properties.Dimensions)).toEqual(
      queues.map(([, q]) => [{ Name: 'QueueName', Value: q.Properties.QueueName }]),
    );
    for (const [, a] of queueAlarms) {
      expect(a.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
        AlarmActions: [TOPIC],
        OKActions: [TOPIC],
      });
    }
    expect(stack.Resources.NotifyDeadLetterQueueAlarm?.Properties).toMatchObject({
      AlarmName: 'ecs-autopilot-qa-notify-dlq-not-empty',
      Dimensions: [{ Name: 'QueueName', Value: 'ecs-autopilot-qa-notify-dlq' }],
    });
  });

  it('alarms on Errors and on Throttles of each of the six functions, by deployed name, to the alert topic', () => {
    const stack = generate(BASE);
    const functionAlarms = ofType(stack, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.Namespace === 'AWS/Lambda');

    expect(
      functionAlarms.map(([, a]) => `${(a.Properties.Dimensions as { Value: string }[])[0]?.Value} ${a.Properties.MetricName}`),
    ).toEqual(FUNCTIONS.flatMap((name) => [`ecs-autopilot-qa-${name} Errors`, `ecs-autopilot-qa-${name} Throttles`]));
    expect(stack.Resources.RunDashbatchDashjobErrorsAlarm?.Properties).toEqual({
      AlarmName: 'ecs-autopilot-qa-run-batch-job-errors',
      AlarmDescription: expect.any(String),
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: 'ecs-autopilot-qa-run-batch-job' }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
  });

  it('names every alarm after the stack, so the topic policy admits exactly them', () => {
    for (const [, a] of ofType(generate(WITH_APPS), 'AWS::CloudWatch::Alarm')) {
      expect(a.Properties.AlarmName).toMatch(/^ecs-autopilot-qa-[a-z0-9-]+$/);
    }
  });

  it('lets only CloudWatch alarms of this stack and account publish to the alert topic', () => {
    const [[id, policy] = [], ...more] = ofType(generate(BASE), 'AWS::SNS::TopicPolicy');

    expect(more).toEqual([]);
    expect(id).toBe('AlertTopicPolicy');
    expect(policy?.Properties).toEqual({
      Topics: [TOPIC],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AlarmsOfThisStackPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: TOPIC,
            Condition: {
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:ecs-autopilot-qa-*`,
                },
              },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          },
        ],
      },
    });
  });
});

describe('the dashboard of ecs-autopilot itself', () => {
  interface Body {
    widgets: {
      type: string;
      properties: { title: string; region: string; stat: string; metrics: (string[] | [{ expression: string }])[] };
    }[];
  }
  /** The widgets on AWS's own metrics, and those on ecs-autopilot's (SEARCH expressions). */
  const isAws = (w: Body['widgets'][number]) => w.properties.metrics.every((m) => typeof m[0] === 'string');
  const body = (stack: StackResources): Body => {
    const dashboard = stack.Resources.Dashboard;
    if (!dashboard) throw new Error('the stack has no Dashboard');
    return JSON.parse((dashboard.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as Body;
  };

  it('shows the depth of every dead-letter queue and each function’s errors, throttles, invocations and duration, in the stack’s region', () => {
    const stack = generate(WITH_APPS);
    const { widgets } = body(stack);
    const queueNames = ofType(stack, 'AWS::SQS::Queue').map(([, q]) => q.Properties.QueueName);
    const lambda = (metric: string) => FUNCTIONS.map((name) => ['AWS/Lambda', metric, 'FunctionName', `ecs-autopilot-qa-${name}`]);

    expect(stack.Resources.Dashboard?.Properties.DashboardName).toBe('ecs-autopilot-qa');
    expect(widgets.filter(isAws).map((w) => [w.properties.stat, w.properties.metrics])).toEqual([
      ['Maximum', queueNames.map((name) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', name])],
      ['Sum', lambda('Errors')],
      ['Sum', lambda('Throttles')],
      ['Sum', lambda('Invocations')],
      ['p99', lambda('Duration')],
    ]);
    for (const w of widgets) expect(w.properties.region).toBe(`\${AWS::Region}`);
  });

  it('uses only the AWS/SQS and AWS/Lambda metrics AWS itself emits, besides its own', () => {
    const widgets = body(generate(WITH_APPS)).widgets.filter(isAws);
    const namespaces = new Set(widgets.flatMap((w) => w.properties.metrics.map((m) => m[0])));

    expect([...namespaces]).toEqual(['AWS/SQS', 'AWS/Lambda']);
  });

  /** Each SEARCH of the dashboard: the namespace and dimensions of its schema, the metric it names. */
  const searches = (stack: StackResources) =>
    body(stack)
      .widgets.filter((w) => !isAws(w))
      .flatMap((w) => w.properties.metrics.map((m) => (m[0] as { expression: string }).expression))
      .flatMap((expression) => [...expression.matchAll(/SEARCH\('\{([^}]*)\} MetricName="([^"]+)"/g)])
      .map(([, schema = '', name]) => {
        const [namespace, ...dimensions] = schema.split(',').map((part) => part.replaceAll('"', ''));
        return { namespace, dimensions, name };
      });

  it('searches its own metrics in the stack’s namespace, each by the name and exactly the dimensions the functions emit it with', () => {
    const found = searches(generate(WITH_APPS));
    const emitted = Object.values(METRICS).map((m) => ({ name: m.name, dimensions: [...m.dimensions] }));

    expect(found.length).toBeGreaterThan(0);
    for (const search of found) {
      expect(search.namespace).toBe('ecs-autopilot-qa');
      expect(emitted).toContainEqual({ name: search.name, dimensions: search.dimensions });
    }
  });

  it('shows job outcomes, restarts, alerts, scaling and deployments where automation.yml has them, and leaves out the others', () => {
    const shown = (config: AutomationInput) => new Set(searches(generate(config)).map((s) => s.name));
    const withEverything: AutomationInput = {
      ...WITH_APPS,
      services: {
        web: { cluster: 'web', scaling: { periods: { day: { days: 'MON-FRI', from: '08:00', to: '18:00', min: 2, max: 10 } } } },
      },
    };

    expect([...shown(withEverything)].sort()).toEqual(
      Object.values(METRICS)
        .map((m) => m.name)
        .sort(),
    );
    expect([...shown({ notifications: { email: ['ops@example.com'] } })].sort()).toEqual(['AlertsHeld', 'AlertsSent', 'EventsPublished']);
    expect(shown(BASE)).toEqual(
      new Set([
        ...shown({ notifications: { email: ['ops@example.com'] } }),
        'JobRuns',
        'JobLaunchRounds',
        'WatchedTaskRestarts',
        'WatchedTaskRestartsPaused',
        'WatchedTaskRestartsResumed',
      ]),
    );
  });

  it('puts the dashboard’s console URL in the outputs', () => {
    expect(generate(BASE).Outputs.DashboardUrl).toEqual({
      Description: expect.any(String),
      Value: {
        'Fn::Sub': `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards:name=\${Dashboard}`,
      },
    });
  });
});
