/**
 * automation.yml `apps`: the blue/green apps whose traffic shift-traffic moves between two services
 * behind one or more ALB or NLB listeners (or rules). Part of the one schema (schema.ts wires it in);
 * resolved into AppSpec.
 */
import * as z from 'zod';
import type { AppSpec, MetricCheck, RouteSpec, ShiftStep, StrategyName } from '../blue-green/model.ts';
import { duration } from './duration-schema.ts';
import { hooksSchema, resolveHooks, resolveTest, roleArn, testSchema } from './hooks-schema.ts';

const ARN_HEAD = 'arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}';
export const LISTENER_ARN = new RegExp(`^${ARN_HEAD}:listener/(app|net)/[\\w-]+/[0-9a-f]+/[0-9a-f]+$`);
export const RULE_ARN = new RegExp(`^${ARN_HEAD}:listener-rule/(app|net)/[\\w-]+/[0-9a-f]+/[0-9a-f]+/[0-9a-f]+$`);
export const TARGET_GROUP_ARN = new RegExp(`^${ARN_HEAD}:targetgroup/[\\w-]+/[0-9a-f]+$`);

const targetGroupArn = z
  .string()
  .regex(TARGET_GROUP_ARN, { error: 'must be an Elastic Load Balancing target group ARN (…:targetgroup/<name>/<id>)' });

const colour = z.strictObject({
  service: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'a service name holds letters, digits, "-" and "_"' }),
  targetGroup: targetGroupArn
    .optional()
    .meta({ description: "the service's target group; may be left out when every entry of listeners names its targetGroups" }),
});

const listenerArn = z.string().regex(LISTENER_ARN, {
  error: 'must be an Application or Network Load Balancer listener ARN (…:listener/app/<lb>/<id>/<id> or …:listener/net/<lb>/<id>/<id>)',
});
const ruleArn = z.string().regex(RULE_ARN, { error: 'must be a listener rule ARN (…:listener-rule/app/<lb>/<id>/<id>/<id>)' });

/** One more listener (or rule) the app's traffic goes through; all of them shift in lockstep. */
const listenerEntry = z.strictObject({
  listener: listenerArn,
  rule: ruleArn.optional().meta({ description: "shift this rule's forward action instead of the listener's default action" }),
  targetGroups: z
    .strictObject({ blue: targetGroupArn, green: targetGroupArn })
    .optional()
    .meta({ description: "the colours' target groups on this listener; default: blue.targetGroup and green.targetGroup" }),
  shift: z.enum(['weighted', 'switch']).default('weighted').meta({
    description:
      'weighted: every step sets weights; switch: a forward to one target group, all the traffic moving at once with the step reaching 100% (for a listener that takes one target group only)',
  }),
});

const percent = (what: string) =>
  z
    .number()
    .int({ error: `${what} is a whole percent` })
    .min(1, { error: `${what} must be at least 1` })
    .max(99, { error: `${what} must be below 100 (100% always comes last, followed by bakeTime)` });

const pause = z.union([z.literal('until-promoted'), duration('a pause', { min: 0, max: 7 * 86_400 })]).meta({
  description: 'how long to hold the step before its gates are checked, or "until-promoted" (until `ecs-autopilot promote`)',
});

const strategy = z
  .union(
    [
      z.literal('all-at-once'),
      z.strictObject({
        canary: z.strictObject({ percent: percent('canary.percent'), bake: duration('the canary bake', { min: 0, max: 7 * 86_400 }) }),
      }),
      z.strictObject({
        linear: z.strictObject({
          step: percent('linear.step'),
          interval: duration('the interval between steps', { min: 0, max: 86_400 }),
        }),
      }),
      z.strictObject({
        steps: z.array(z.strictObject({ weight: percent('a step weight'), pause })).min(1, { error: 'name at least one step' }),
      }),
    ],
    {
      error:
        'strategy is "all-at-once", { canary: { percent, bake } }, { linear: { step, interval } } or { steps: [{ weight, pause }, …] }',
    },
  )
  .meta({ description: 'how traffic moves to the new colour before 100%' });

const METRIC_ID = /^[a-z][A-Za-z0-9_]*$/;

/**
 * A gate alarm's name goes into the alarm's ARN in shift-traffic's IAM policy, where "*" and "?" are
 * wildcards ("*" would let it read every alarm), and into a Fn::Sub, where "${" starts a variable.
 */
const alarmName = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => !/[*?]|\$\{/.test(name), {
    error: 'an alarm name may not hold "*" or "?" (they would be wildcards in its ARN in the IAM policy) nor "${"; name the alarm exactly',
  });

const metricCheck = z
  .strictObject({
    expression: z.string().min(1).meta({ description: 'CloudWatch metric math over the metric ids, e.g. 100 * errors / requests' }),
    metrics: z.record(
      z.string().regex(METRIC_ID, { error: 'a metric id starts with a lower-case letter and holds letters, digits and "_"' }),
      z.strictObject({
        namespace: z
          .string()
          .optional()
          .meta({ description: "default: the listener's load balancer's, AWS/ApplicationELB or AWS/NetworkELB" }),
        metric: z.string().min(1),
        stat: z.string().default('Sum'),
        dimensions: z
          .record(z.string(), z.string())
          .default({})
          .meta({ description: "added to (or replacing) the colour's TargetGroup and LoadBalancer dimensions" }),
      }),
    ),
    window: duration('the window the metric is evaluated over', { min: 60, max: 86_400 }).default(300),
    max: z.number().optional().meta({ description: "the new colour's value must be at most this" }),
    min: z.number().optional().meta({ description: "the new colour's value must be at least this" }),
    baseline: z
      .strictObject({ maxIncrease: z.number().min(0) })
      .optional()
      .meta({ description: 'compare with the live colour over the same window: new ≤ live + maxIncrease' }),
    onNoData: z
      .enum(['pass', 'fail', 'inconclusive'])
      .default('pass')
      .meta({ description: 'what a window without data means; inconclusive: as gates.onInconclusive says' }),
    inconclusiveMargin: z.number().min(0).optional().meta({
      description:
        "a value past max, min or the baseline's maxIncrease by at most this much (the expression's unit) is inconclusive, not a failure",
    }),
  })
  .superRefine((check, ctx) => {
    const ids = Object.keys(check.metrics);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', path: ['metrics'], message: 'name at least one metric' });
    if (check.min !== undefined && check.max !== undefined && check.min > check.max) {
      ctx.addIssue({
        code: 'custom',
        message: `min (${check.min}) is above max (${check.max}): no value can pass the check; min must be at most max`,
      });
    }
    const mentioned = new Set(check.expression.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
    if (ids.length > 0 && !ids.some((id) => mentioned.has(id))) {
      ctx.addIssue({ code: 'custom', path: ['expression'], message: `the expression uses none of the metric ids (${ids.join(', ')})` });
    }
    if (check.max === undefined && check.min === undefined && check.baseline === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a metric check needs max, min or baseline' });
    }
  });

const family = z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, {
  error: 'a task definition family holds letters, digits, "-" and "_" (no wildcards, no revision)',
});

/**
 * `registry/path`, where `*` stands for any characters but "/". The registry and the first part of the
 * path are written out: `…amazonaws.com/*` would allow every repository of the account.
 */
const imagePattern = z.string().regex(/^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+)(:\d+)?\/[^*/\s:@]+(\/[^/\s:@]+)*$/, {
  error:
    'an image pattern is a repository without tag or digest, its registry and the first part of its path written out, e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/*" ("*": any characters but "/")',
});

export const appSchema = z
  .strictObject({
    cluster: z.string().optional(),
    listener: listenerArn.optional().meta({ description: 'the listener whose forward action splits the traffic (or use listeners)' }),
    rule: ruleArn.optional().meta({ description: "shift this rule's forward action instead of the listener's default action" }),
    listeners: z.array(listenerEntry).min(1, { error: 'name at least one listener' }).max(10).optional().meta({
      description: 'several listeners or rules (HTTP and HTTPS, internal and external), shifted in lockstep; instead of listener',
    }),
    serviceConnect: z
      .unknown()
      .optional()
      .meta({ description: 'refused: ecs-autopilot cannot shift Service Connect traffic between two services (README)' }),
    blue: colour,
    green: colour,
    strategy: strategy.default({ canary: { percent: 10, bake: 300 } }),
    gates: z
      .strictObject({
        alarms: z.array(alarmName).max(20).default([]),
        minHealthyTargets: z
          .number()
          .int()
          .min(1)
          .max(1_000, { error: 'at most 1000: a target group holds at most 1,000 targets, so more can never be healthy' })
          .default(1),
        metrics: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), metricCheck).default({}),
        onInconclusive: z.enum(['rollback', 'pause']).default('rollback').meta({
          description: 'an inconclusive metric check: roll back, or pause: hold the deployment until a person promotes or aborts',
        }),
      })
      .default({ alarms: [], minHealthyTargets: 1, metrics: {}, onInconclusive: 'rollback' }),
    bakeTime: duration('how long 100% is held before the deployment counts as good', { min: 0, max: 7 * 86_400 }).default(600),
    rollbackWindow: duration('how long the old colour keeps running after the bake', { min: 0, max: 7 * 86_400 }).default(1_800),
    timeouts: z
      .strictObject({
        ready: duration('the time the new colour has to become steady and healthy', { min: 60, max: 6 * 3_600 }).default(900),
        promote: duration('the longest an until-promoted pause waits', { min: 60, max: 7 * 86_400 }).default(86_400),
        hold: duration('the longest a held deployment waits for promote or abort', { min: 60, max: 7 * 86_400 }).default(3_600),
      })
      .default({ ready: 900, promote: 86_400, hold: 3_600 }),
    onTimeout: z.enum(['rollback', 'promote', 'hold']).default('rollback').meta({
      description:
        'when an until-promoted pause reaches timeouts.promote or a held deployment timeouts.hold: roll back, promote (move on), or hold (wait for a person, without a deadline)',
    }),
    canarySizing: z
      .strictObject({ minTasks: z.number().int().min(1).max(1_000).default(1) })
      .optional()
      .meta({
        description:
          'before 100%, the new colour runs ceil(live count × weight%) tasks, at least minTasks (and gates.minHealthyTargets); default: as many as the live colour',
      }),
    allowedFamilies: z
      .array(family)
      .min(1, { error: 'name at least one family' })
      .max(20)
      .optional()
      .meta({ description: 'task definition families a deployment may name or register; default: the app name' }),
    allowedImages: z
      .array(imagePattern)
      .min(1, { error: 'name at least one repository pattern (leave allowedImages out to allow any image)' })
      .max(20)
      .optional()
      .meta({ description: 'repositories every image of a deployed revision must come from; default: any image' }),
    taskRoles: z
      .array(roleArn)
      .max(20)
      .default([])
      .meta({ description: 'the task and execution roles the revisions may carry; iam:PassRole names exactly these' }),
    test: testSchema.optional(),
    hooks: hooksSchema.optional(),
  })
  .superRefine((app, ctx) => {
    if (app.blue.service === app.green.service)
      ctx.addIssue({ code: 'custom', path: ['green', 'service'], message: 'blue and green must be two services' });
    if (app.serviceConnect !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['serviceConnect'],
        message:
          "ecs-autopilot cannot shift Service Connect traffic: each Service Connect endpoint belongs to one service, and only ECS's own blue/green deployment of that one service shifts it (no public API sets weights between two services); leave serviceConnect out and shift through load balancer listeners, or use ECS blue/green deployments for it",
      });
    }
    checkRoutes(app, ctx);
    const lb = (arn: string) => /:(?:listener|listener-rule|targetgroup)\/(.*)$/.exec(arn)?.[1] ?? '';
    const routes = app.listeners ?? (app.listener ? [{ listener: app.listener, rule: app.rule }] : []);
    if (app.test && !app.test.rule && routes.some((route) => !route.rule && route.listener === app.test?.listener)) {
      ctx.addIssue({
        code: 'custom',
        path: ['test', 'listener'],
        message:
          'the test listener must be another listener (e.g. port 8443), or name a rule of it (test.rule) that matches a header or query',
      });
    }
    if (
      app.test?.rule &&
      (routes.some((route) => route.rule === app.test?.rule) || !lb(app.test.rule).startsWith(`${lb(app.test.listener)}/`))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['test', 'rule'],
        message: "the test rule must belong to the test listener and not be the app's own rule",
      });
    }
    if (typeof app.strategy === 'object' && 'steps' in app.strategy) {
      const weights = app.strategy.steps.map((step) => step.weight);
      weights.forEach((weight, index) => {
        if (index > 0 && weight <= (weights[index - 1] ?? 0)) {
          ctx.addIssue({ code: 'custom', path: ['strategy', 'steps', index, 'weight'], message: 'step weights must increase' });
        }
      });
    }
  });

export const deployersSchema = z
  .array(
    z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:(root|role\/[^*?]+|user\/[^*?]+|assumed-role\/[^*?]+)$/, {
      error:
        'must be an IAM principal ARN (arn:aws:iam::<account>:root, …:role/<name>, …:user/<name> or arn:aws:sts::<account>:assumed-role/<role>/<session>), without "*" or "?"',
    }),
  )
  .max(20)
  .default([])
  .meta({
    description:
      'Who may put Deployment Requested, Promotion Requested and Abort Requested on the bus (IAM principal ARNs); empty: this account only',
  });

type ParsedApp = z.output<typeof appSchema>;

/** The app's listeners and rules with their target groups: `listener`/`rule`, or each entry of `listeners`. */
export function routesOf(app: ParsedApp): RouteSpec[] {
  const colours = (targetGroups: { blue: string; green: string } | undefined) =>
    targetGroups ?? { blue: app.blue.targetGroup ?? '', green: app.green.targetGroup ?? '' };
  if (app.listeners) {
    return app.listeners.map((entry) => ({
      listener: entry.listener,
      rule: entry.rule,
      targetGroups: colours(entry.targetGroups),
      shift: entry.shift,
    }));
  }
  return app.listener ? [{ listener: app.listener, rule: app.rule, targetGroups: colours(undefined), shift: 'weighted' }] : [];
}

interface RoutesInput {
  listener?: string | undefined;
  rule?: string | undefined;
  listeners?:
    | Array<{ listener: string; rule?: string | undefined; targetGroups?: { blue: string; green: string } | undefined }>
    | undefined;
  blue: { targetGroup?: string | undefined };
  green: { targetGroup?: string | undefined };
}

/** `listener` (and `rule`) or `listeners`; each route's two target groups, its rule on its listener, no route twice. */
function checkRoutes(app: RoutesInput, ctx: z.RefinementCtx): void {
  if (app.listeners !== undefined && (app.listener !== undefined || app.rule !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['listeners'],
      message: 'name either listener (and rule) or listeners, not both: put the first listener in listeners too',
    });
    return;
  }
  if (app.listeners === undefined && app.listener === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['listener'],
      message: 'missing: name the listener (or listeners) whose forward action splits the traffic',
    });
    return;
  }
  const entries = app.listeners ?? [{ listener: app.listener ?? '', rule: app.rule }];
  const lb = (arn: string) => /:(?:listener|listener-rule|targetgroup)\/(.*)$/.exec(arn)?.[1] ?? '';
  const seen = new Set<string>();
  const colourOf = new Map<string, string>();
  entries.forEach((entry, index) => {
    const path = app.listeners ? ['listeners', index] : [];
    if (entry.rule && !lb(entry.rule).startsWith(`${lb(entry.listener)}/`)) {
      ctx.addIssue({ code: 'custom', path: [...path, 'rule'], message: 'the rule must belong to the listener' });
    }
    const key = entry.rule ?? entry.listener;
    if (seen.has(key)) {
      ctx.addIssue({ code: 'custom', path, message: `${entry.rule ? 'this rule' : "this listener's default action"} is named twice` });
    }
    seen.add(key);
    const targetGroups = entry.targetGroups ?? { blue: app.blue.targetGroup, green: app.green.targetGroup };
    for (const colour of ['blue', 'green'] as const) {
      const targetGroup = targetGroups[colour];
      if (targetGroup === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [colour, 'targetGroup'],
          message: `missing: name the ${colour} target group here, or in targetGroups of ${app.listeners ? `listeners[${index}]` : 'each listener'}`,
        });
        continue;
      }
      const other = colourOf.get(targetGroup);
      if (other !== undefined && other !== colour) {
        ctx.addIssue({
          code: 'custom',
          path: entry.targetGroups ? [...path, 'targetGroups', colour] : [colour, 'targetGroup'],
          message: 'blue and green must have their own target groups',
        });
      }
      colourOf.set(targetGroup, colour);
    }
  });
}

function stepsOf(strategy: ParsedApp['strategy'], bakeSeconds: number): { name: StrategyName; steps: ShiftStep[] } {
  const last: ShiftStep = { weight: 100, pause: { kind: 'for', seconds: bakeSeconds } };
  const pauseOf = (value: number | 'until-promoted'): ShiftStep['pause'] =>
    value === 'until-promoted' ? { kind: 'until-promoted' } : { kind: 'for', seconds: value };
  if (strategy === 'all-at-once') return { name: 'all-at-once', steps: [last] };
  if ('canary' in strategy)
    return { name: 'canary', steps: [{ weight: strategy.canary.percent, pause: pauseOf(strategy.canary.bake) }, last] };
  if ('linear' in strategy) {
    const steps: ShiftStep[] = [];
    for (let weight = strategy.linear.step; weight < 100; weight += strategy.linear.step)
      steps.push({ weight, pause: pauseOf(strategy.linear.interval) });
    return { name: 'linear', steps: [...steps, last] };
  }
  return { name: 'steps', steps: [...strategy.steps.map((step) => ({ weight: step.weight, pause: pauseOf(step.pause) })), last] };
}

export function resolveApp(name: string, app: ParsedApp, defaultCluster: string | undefined): AppSpec {
  const { name: strategy, steps } = stepsOf(app.strategy, app.bakeTime);
  const metrics: MetricCheck[] = Object.entries(app.gates.metrics).map(([checkName, check]) => ({
    name: checkName,
    expression: check.expression,
    queries: Object.fromEntries(
      Object.entries(check.metrics).map(([id, m]) => [
        id,
        { namespace: m.namespace, metric: m.metric, stat: m.stat, dimensions: m.dimensions },
      ]),
    ),
    windowSeconds: check.window,
    max: check.max,
    min: check.min,
    baseline: check.baseline,
    onNoData: check.onNoData,
    inconclusiveMargin: check.inconclusiveMargin,
  }));
  const routes = routesOf(app);
  const first = routes[0];
  return {
    name,
    cluster: app.cluster ?? defaultCluster ?? '',
    listener: first?.listener ?? '',
    rule: first?.rule,
    colours: {
      blue: { service: app.blue.service, targetGroup: first?.targetGroups.blue ?? '' },
      green: { service: app.green.service, targetGroup: first?.targetGroups.green ?? '' },
    },
    routes,
    strategy,
    steps,
    gates: { alarms: app.gates.alarms, minHealthyTargets: app.gates.minHealthyTargets, metrics, onInconclusive: app.gates.onInconclusive },
    bakeSeconds: app.bakeTime,
    rollbackWindowSeconds: app.rollbackWindow,
    timeouts: { readySeconds: app.timeouts.ready, promoteSeconds: app.timeouts.promote, holdSeconds: app.timeouts.hold },
    onTimeout: app.onTimeout,
    canarySizing: app.canarySizing,
    // The services' family cannot be read at validate time: the app's name is the convention.
    allowed: { families: app.allowedFamilies ?? [name], images: app.allowedImages, roles: app.taskRoles },
    ...(app.test && { test: resolveTest(app.test) }),
    ...(app.hooks && { hooks: resolveHooks(app.hooks) }),
  };
}
