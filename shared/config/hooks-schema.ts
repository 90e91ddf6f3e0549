/**
 * automation.yml `apps.<name>.test` and `apps.<name>.hooks`: test before traffic (shared/blue-green/hooks.ts).
 * Part of the app's schema (apps-schema.ts); resolved into AppSpec's `test` and `hooks`.
 */
import * as z from 'zod';
import { HOOK_STAGES, type HookSpec, type HookStage, type TestSpec } from '../blue-green/hooks.ts';
import { duration } from './duration-schema.ts';
import { network } from './network-schema.ts';

const ARN_HEAD = 'arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}';
const LISTENER_ARN = new RegExp(`^${ARN_HEAD}:listener/app/[\\w-]+/[0-9a-f]+/[0-9a-f]+$`);
const RULE_ARN = new RegExp(`^${ARN_HEAD}:listener-rule/app/[\\w-]+/[0-9a-f]+/[0-9a-f]+/[0-9a-f]+$`);

/** A role passed to ECS tasks; iam:PassRole names exactly it. */
export const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
  error: 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), no wildcards',
});

export const testSchema = z
  .strictObject({
    listener: z.string().regex(LISTENER_ARN, {
      error: 'must be an Application Load Balancer listener ARN (…:listener/app/<lb>/<id>/<id>), e.g. a test port such as 8443',
    }),
    rule: z.string().regex(RULE_ARN, { error: 'must be a listener rule ARN (…:listener-rule/app/<lb>/<id>/<id>/<id>)' }).optional().meta({
      description: "point this rule's forward action (e.g. one matching the header X-Canary: 1) instead of the listener's default action",
    }),
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .optional()
      .meta({ description: 'the URL that reaches the test listener, handed to hooks as ECS_AUTOPILOT_TEST_URL / testUrl' }),
  })
  .meta({
    description: 'a listener (or rule) that points at the new colour before it gets production traffic, and is put back as it was after',
  });

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;

/** shift-traffic waits for a Lambda hook's answer within its own 60-second timeout. */
export const MAX_LAMBDA_HOOK_SECONDS = 40;
const DEFAULT_TASK_HOOK_SECONDS = 600;
const DEFAULT_LAMBDA_HOOK_SECONDS = 30;

const hook = z
  .strictObject({
    task: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}(:\d+)?$/, { error: 'must be a task definition family or family:revision, e.g. "shop-smoke"' })
      .optional()
      .meta({ description: 'run this task definition (family or family:revision): it passes when every essential container exits 0' }),
    lambda: z
      .string()
      .regex(LAMBDA_ARN, { error: 'must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])' })
      .optional()
      .meta({ description: 'invoke this function: it passes when it answers {"pass": true}' }),
    timeout: duration('how long the hook has to pass', { min: 1, max: 6 * 3_600 })
      .optional()
      .meta({ description: `a task hook 10m by default; a Lambda hook 30s by default, at most ${MAX_LAMBDA_HOOK_SECONDS}s` }),
    launchType: z.enum(['FARGATE', 'EC2', 'EXTERNAL']).optional(),
    capacityProviders: z.array(z.string().min(1).max(255)).min(1).max(1).optional(),
    platformVersion: z.string().optional(),
    network: network.optional(),
    taskRole: roleArn.optional().meta({ description: "the hook task definition's task role, which starting it must be allowed to pass" }),
    executionRole: roleArn
      .optional()
      .meta({ description: "the hook task definition's execution role, which starting it must be allowed to pass" }),
  })
  .superRefine((h, ctx) => {
    if ((h.task === undefined) === (h.lambda === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a hook runs either a task (task: <family>) or a function (lambda: <ARN>), exactly one of them',
      });
      return;
    }
    if (h.lambda !== undefined) {
      const taskOnly = (['launchType', 'capacityProviders', 'platformVersion', 'network', 'taskRole', 'executionRole'] as const).filter(
        (key) => h[key] !== undefined,
      );
      if (taskOnly.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: [taskOnly[0] ?? ''],
          message: `${taskOnly.join(', ')} apply to a task hook, not a Lambda hook`,
        });
      }
      if (h.timeout !== undefined && h.timeout > MAX_LAMBDA_HOOK_SECONDS) {
        ctx.addIssue({
          code: 'custom',
          path: ['timeout'],
          message: `a Lambda hook answers within ${MAX_LAMBDA_HOOK_SECONDS}s (shift-traffic waits for it within its own 60s); run a longer test as a task hook`,
        });
      }
      return;
    }
    if (h.launchType !== undefined && h.capacityProviders !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['capacityProviders'], message: 'launchType and capacityProviders are alternatives: give one' });
    }
    if (h.launchType === 'FARGATE' && !h.network) {
      ctx.addIssue({ code: 'custom', path: ['network'], message: 'a Fargate hook task needs a network (subnets, securityGroups)' });
    }
    if (h.timeout !== undefined && h.timeout < 60) {
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'a task hook needs at least 60s (a task takes a while to start)' });
    }
  });

export const hooksSchema = z
  .strictObject(Object.fromEntries(HOOK_STAGES.map((stage) => [stage, hook.optional()])) as Record<HookStage, z.ZodOptional<typeof hook>>)
  .meta({
    description:
      'lifecycle hooks: beforeTraffic (the test listener points at the new colour, no production traffic yet), afterStep (each step below 100%), afterTraffic (100%), beforeScaleDown (before the old colour scales to 0)',
  });

type ParsedHook = z.output<typeof hook>;

function resolveHook(h: ParsedHook): HookSpec {
  if (h.lambda !== undefined) return { kind: 'lambda', function: h.lambda, timeoutSeconds: h.timeout ?? DEFAULT_LAMBDA_HOOK_SECONDS };
  return {
    kind: 'task',
    taskDefinition: h.task ?? '',
    launch: h.launchType
      ? { launchType: h.launchType }
      : h.capacityProviders
        ? { capacityProviders: h.capacityProviders }
        : { clusterDefault: true },
    platformVersion: h.platformVersion,
    network: h.network,
    taskRole: h.taskRole,
    executionRole: h.executionRole,
    timeoutSeconds: h.timeout ?? DEFAULT_TASK_HOOK_SECONDS,
  };
}

export function resolveHooks(hooks: z.output<typeof hooksSchema> | undefined): Partial<Record<HookStage, HookSpec>> | undefined {
  if (!hooks) return undefined;
  const entries = HOOK_STAGES.flatMap((stage) => {
    const h = hooks[stage];
    return h ? [[stage, resolveHook(h)] as const] : [];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

export const resolveTest = (test: z.output<typeof testSchema> | undefined): TestSpec | undefined =>
  test && { listener: test.listener, rule: test.rule, url: test.url };
