import { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { AlertTopic } from '../../shared/alerts/publish.ts';
import { alertRoutes, messageTopics, routedDestinations } from '../../shared/alerts/routes.ts';
import { validateAutomation } from '../../shared/config/validate.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { AlertBlock } from '../../shared/events/alert.ts';

const ALERT_TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:ecs-autopilot-test-alerts';
const PLATFORM_ARN = 'arn:aws:sns:eu-west-1:210987654321:platform-alerts';

const alert = (overrides: Partial<AlertBlock> = {}): AlertBlock => ({
  cluster: 'prod',
  subject: { kind: 'service', name: 'web' },
  category: 'failed-to-start',
  severity: 'critical',
  ...overrides,
});

/** The notifications of an automation.yml holding only `notifications`. */
function notificationsOf(notifications: Record<string, unknown>) {
  return validateAutomation({ notifications }).notifications;
}

function problemsOf(notifications: Record<string, unknown>): string[] {
  try {
    validateAutomation({ notifications });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the notifications were accepted');
}

const ONCALL_AND_PLATFORM = {
  topics: { oncall: { email: ['pager@example.com'] } },
  routes: [
    { match: { severity: 'critical', cluster: ['prod'] }, topic: 'oncall', continue: true },
    { match: { category: ['capacity', 'failed-to-start'] }, topicArn: PLATFORM_ARN },
    { match: { subject: 'nightly-report' }, topic: 'oncall' },
  ],
};

describe('routedDestinations', () => {
  const { routes } = notificationsOf(ONCALL_AND_PLATFORM);

  it.each([
    [
      'a critical prod start failure: oncall, then (continue) the platform topic, which stops the walk',
      alert(),
      [{ topic: 'oncall' }, { topicArn: PLATFORM_ARN }],
    ],
    [
      'a critical prod crash loop: oncall, and (continue, nothing else matches) the alert topic',
      alert({ category: 'crash-loop' }),
      [{ topic: 'oncall' }, 'alert-topic'],
    ],
    ['a warning: matches no route, the alert topic alone', alert({ severity: 'warning', category: 'crash-loop' }), ['alert-topic']],
    ['a staging start failure: the platform topic only', alert({ cluster: 'staging' }), [{ topicArn: PLATFORM_ARN }]],
    [
      'a staging job named by the last route: oncall, no alert topic',
      alert({ cluster: 'staging', category: 'job-failing', subject: { kind: 'job', name: 'nightly-report' } }),
      [{ topic: 'oncall' }],
    ],
  ])('%s', (_, routed, expected) => {
    expect(routedDestinations(routed, routes)).toEqual(expected);
  });

  it('sends every message to the alert topic when there are no routes', () => {
    const alertTopic = new AlertTopic(new SNSClient({ region: 'eu-central-1' }), ALERT_TOPIC_ARN);
    expect(messageTopics(alert(), alertTopic, undefined)).toEqual([alertTopic]);
    expect(routedDestinations(alert(), [])).toEqual(['alert-topic']);
  });

  it('publishes once per topic, the stack’s topics found next to the alert topic', () => {
    const sns = new SNSClient({ region: 'eu-central-1' });
    const twice = notificationsOf({
      topics: { oncall: {} },
      routes: [
        { match: { severity: 'critical' }, topic: 'oncall', continue: true },
        { match: { cluster: 'prod' }, topic: 'oncall', continue: true },
      ],
    });
    const topics = messageTopics(alert(), new AlertTopic(sns, ALERT_TOPIC_ARN), alertRoutes(sns, ALERT_TOPIC_ARN, twice.routes));
    expect(topics.map((topic) => topic.topicArn)).toEqual([`${ALERT_TOPIC_ARN}-oncall`, ALERT_TOPIC_ARN]);
  });
});

describe('notifications.routes, topics and groupBy in automation.yml', () => {
  it('reads one value or a list for each label, and defaults what is left out', () => {
    const notifications = notificationsOf(ONCALL_AND_PLATFORM);
    expect(notifications.routes[0]).toEqual({
      match: { severity: ['critical'], cluster: ['prod'] },
      destination: { topic: 'oncall' },
      continue: true,
    });
    expect(notifications.routes[1]?.continue).toBe(false);
    expect(notifications.topics.oncall).toEqual({ email: ['pager@example.com'] });
    expect(notifications.groupBy).toEqual(['cluster', 'subject', 'category']);
    expect(notificationsOf({}).routes).toEqual([]);
    expect(notificationsOf({ groupBy: ['cluster', 'category'] }).groupBy).toEqual(['cluster', 'category']);
  });

  it('names an unknown topic, with the closest declared one', () => {
    expect(problemsOf({ topics: { oncall: {} }, routes: [{ topic: 'oncal' }, { topic: 'oncall' }] })).toEqual([
      'notifications.routes.0.topic: unknown topic "oncal" (did you mean "oncall"?): declare it in notifications.topics (there: oncall)',
    ]);
    expect(problemsOf({ routes: [{ topic: 'oncall' }] })).toEqual([
      'notifications.routes.0.topic: unknown topic "oncall": declare it in notifications.topics',
    ]);
  });

  it('refuses topics that differ only in case, and a topic no route names', () => {
    expect(problemsOf({ topics: { oncall: {}, OnCall: {} }, routes: [{ topic: 'oncall' }, { topic: 'OnCall' }] })).toEqual([
      'notifications.topics.OnCall: topics "oncall" and "OnCall" differ only in case: name them apart',
    ]);
    expect(problemsOf({ topics: { oncall: {}, spare: {} }, routes: [{ topic: 'oncall' }] })).toEqual([
      'notifications.topics.spare: no route names topic "spare": nothing would reach it',
    ]);
  });

  it('wants exactly one destination, a standard topic ARN, and labels it knows', () => {
    expect(problemsOf({ routes: [{ match: { severity: 'critical' } }] })).toEqual([
      'notifications.routes.0: name one destination: topic (a topic of notifications.topics) or topicArn (an existing topic)',
    ]);
    expect(problemsOf({ topics: { oncall: {} }, routes: [{ topic: 'oncall', topicArn: PLATFORM_ARN }] })).toEqual([
      'notifications.routes.0: name one destination: topic (a topic of notifications.topics) or topicArn (an existing topic)',
    ]);
    for (const arn of ['arn:aws:sqs:eu-west-1:210987654321:platform', 'platform-alerts', 'arn:aws:sns:eu-west-1:2109876:platform']) {
      expect(problemsOf({ routes: [{ topicArn: arn }] })).toEqual([
        'notifications.routes.0.topicArn: must be an SNS topic ARN: arn:aws:sns:<region>:<account>:<topic name>',
      ]);
    }
    expect(problemsOf({ routes: [{ topicArn: `${PLATFORM_ARN}.fifo` }] })).toEqual([
      'notifications.routes.0.topicArn: a FIFO topic (.fifo) is not supported: notify publishes to standard topics',
    ]);
    expect(problemsOf({ routes: [{ match: { team: 'data' }, topicArn: PLATFORM_ARN }] })[0]).toMatch(
      /^notifications\.routes\.0\.match\.team: unknown key/,
    );
    expect(problemsOf({ routes: [{ match: { severity: 'page' }, topicArn: PLATFORM_ARN }] })[0]).toMatch(
      /^notifications\.routes\.0\.match\.severity: /,
    );
    expect(problemsOf({ groupBy: ['cluster', 'team'] })[0]).toMatch(/^notifications\.groupBy\.1: /);
    expect(problemsOf({ groupBy: ['cluster', 'cluster'] })).toEqual(['notifications.groupBy: name each label once']);
    expect(problemsOf({ groupBy: [] })[0]).toMatch(/^notifications\.groupBy: /);
  });
});
