/**
 * notifications.topics, .routes and .groupBy of automation.yml: which SNS topics a message goes to, and
 * which alerts share a message stream — Alertmanager's routes (with `continue`) and group_by, in the
 * operator's words. The stack creates the topics named here; notify walks the routes for each message
 * (shared/alerts/routes.ts) and groups by the labels (shared/events/alert.ts).
 *
 *   notifications:
 *     groupBy: [cluster, category]
 *     topics:
 *       oncall: { email: [pager@example.com] }
 *     routes:
 *       - match: { severity: critical, cluster: [prod] }
 *         topic: oncall
 *         continue: true
 *       - match: { category: [capacity, host-lost] }
 *         topicArn: arn:aws:sns:eu-west-1:123456789012:platform-alerts
 */
import * as z from 'zod';
import { DEFAULT_GROUP_BY, GROUP_LABELS } from '../events/alert.ts';
import { didYouMean } from './closest-name.ts';
import { RESERVED_NAMES } from './own-names.ts';

/** Each label a route may match: any of the values listed (one value is a list of one). */
export interface RouteMatch {
  severity?: ('critical' | 'warning')[];
  category?: string[];
  cluster?: string[];
  subject?: string[];
}

export type RouteDestination =
  /** A topic of `notifications.topics`, which the stack creates. */
  | { topic: string }
  /** A topic that exists already, anywhere notify's role may publish to. */
  | { topicArn: string };

export interface AlertRoute {
  /** Every label named must match; no label named: every alert matches. */
  match: RouteMatch;
  destination: RouteDestination;
  /** Go on to the later routes after this one matched (Alertmanager's `continue`). */
  continue: boolean;
}

/** A topic the stack creates (`<service>-<stage>-alerts-<name>`) and the addresses it mails. */
export interface RouteTopic {
  email: string[];
}

const TOPIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** A standard topic: a FIFO topic (.fifo) needs a message group id on every Publish, which notify does not send. */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/;

const topicName = z
  .string()
  .regex(TOPIC_NAME, { error: 'a topic name may hold letters, digits, "-" and "_" (at most 64, starting with a letter or digit)' })
  .refine((value) => !RESERVED_NAMES.has(value), {
    error: (issue) => `a topic may not be named "${String(issue.input)}", a name every JavaScript object has; choose another`,
  });

const topicArn = z
  .string()
  .refine((value) => !value.endsWith('.fifo'), { error: 'a FIFO topic (.fifo) is not supported: notify publishes to standard topics' })
  .refine((value) => value.endsWith('.fifo') || TOPIC_ARN.test(value), {
    error: 'must be an SNS topic ARN: arn:aws:sns:<region>:<account>:<topic name>',
  });

/** One value or a list of them, read as a list. */
const oneOrMore = <T extends z.ZodType<string>>(value: T) =>
  z.union([value, z.array(value).min(1)]).transform((v): z.output<T>[] => (Array.isArray(v) ? v : [v]));

const label = z.string().min(1);

const match = z
  .strictObject({
    severity: oneOrMore(z.enum(['critical', 'warning'])).optional(),
    category: oneOrMore(label).optional(),
    cluster: oneOrMore(label).optional(),
    subject: oneOrMore(label).optional(),
  })
  .meta({ description: 'Labels the alert must have, each one value or a list of values (any of them); none: every alert' });

const route = z
  .strictObject({
    match: match.default({}),
    topic: topicName.optional().meta({ description: 'A topic of notifications.topics' }),
    topicArn: topicArn.optional().meta({ description: 'An existing standard SNS topic; its policy must let notify publish' }),
    continue: z.boolean().default(false).meta({ description: 'Go on to the later routes after this one matched' }),
  })
  .superRefine((r, ctx) => {
    if ((r.topic === undefined) === (r.topicArn === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'name one destination: topic (a topic of notifications.topics) or topicArn (an existing topic)',
      });
    }
  })
  .transform(
    (r): AlertRoute => ({
      match: Object.fromEntries(Object.entries(r.match).filter(([, values]) => values !== undefined)) as RouteMatch,
      destination: r.topic !== undefined ? { topic: r.topic } : { topicArn: r.topicArn ?? '' },
      continue: r.continue,
    }),
  );

export const alertTopicsSchema = z
  .record(
    topicName,
    z.strictObject({
      email: z
        .array(z.email({ error: 'must be an email address' }))
        .max(20)
        .default([]),
    }),
  )
  .default({})
  .meta({ description: 'Topics the stack creates for routes (<service>-<stage>-alerts-<name>), with their email subscriptions' });

export const alertRoutesSchema = z.array(route).max(50).default([]).meta({
  description:
    'In order: a message goes to the topic of each route it matches until one without continue; past the last, to the alert topic',
});

export const groupBySchema = z
  .array(z.enum(GROUP_LABELS))
  .min(1)
  .refine((labels) => new Set(labels).size === labels.length, { error: 'name each label once' })
  .default([...DEFAULT_GROUP_BY])
  .meta({ description: 'The labels that make alerts one group (one message stream): cluster, subject, category, severity' });

/**
 * What only topics and routes together can tell: a route naming a topic that is not declared, a topic no
 * route names (nothing would ever reach it), topic names that differ only in case (two topics a reader
 * takes for one).
 */
export function alertRoutingProblems(
  notifications: { topics: Record<string, RouteTopic>; routes: AlertRoute[] },
  ctx: z.RefinementCtx,
): void {
  const declared = Object.keys(notifications.topics);
  const named = new Set<string>();
  notifications.routes.forEach(({ destination }, index) => {
    // A route that failed its own checks has no destination to look at: its problem is reported already.
    if (typeof destination !== 'object' || !('topic' in destination)) return;
    named.add(destination.topic);
    if (!Object.hasOwn(notifications.topics, destination.topic)) {
      const known =
        declared.length > 0
          ? `: declare it in notifications.topics (there: ${declared.join(', ')})`
          : ': declare it in notifications.topics';
      ctx.addIssue({
        code: 'custom',
        path: ['routes', index, 'topic'],
        message: `unknown topic "${destination.topic}"${didYouMean(destination.topic, declared)}${known}`,
      });
    }
  });
  // Which topics are named is only known when every route could be read.
  const everyRouteRead = notifications.routes.every(({ destination }) => typeof destination === 'object');
  const byLowerCase = new Map<string, string>();
  for (const name of declared) {
    const same = byLowerCase.get(name.toLowerCase());
    if (same !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['topics', name],
        message: `topics "${same}" and "${name}" differ only in case: name them apart`,
      });
    }
    byLowerCase.set(name.toLowerCase(), name);
    if (everyRouteRead && !named.has(name)) {
      ctx.addIssue({ code: 'custom', path: ['topics', name], message: `no route names topic "${name}": nothing would reach it` });
    }
  }
}
