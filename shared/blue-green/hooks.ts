/**
 * Test before traffic: the test listener (or rule) that points at the new colour from the start of a
 * deployment, and the lifecycle hooks that test it at the stages users know. Pure: the types, what a
 * hook is given (environment, Lambda payload), and what its outcome means; apply.ts starts and reads them,
 * decide.ts moves the deployment on or rolls it back.
 *
 * A hook runs either an ECS task (a smoke test: it passes when every essential container exits 0 within
 * the hook's timeout) or a Lambda function (it passes when it answers `{ "pass": true }`). Each is started
 * at least once: a task under a clientToken derived from the deployment and the hook, so a replay gets
 * the same task; a Lambda may be invoked again after a crash with the same `hookId` and must be idempotent.
 */
import type { LogLink } from '../events/stopped-task-events.ts';

/** Where in a deployment a hook runs; the names automation.yml uses under `apps.<name>.hooks`. */
export type HookStage = 'beforeTraffic' | 'afterStep' | 'afterTraffic' | 'beforeScaleDown';
export const HOOK_STAGES: readonly HookStage[] = ['beforeTraffic', 'afterStep', 'afterTraffic', 'beforeScaleDown'];

/** When each stage runs, in words (messages, README). */
export const HOOK_STAGE_WHEN: Record<HookStage, string> = {
  beforeTraffic: 'before any production traffic (the test listener already points at the new colour)',
  afterStep: 'after each step below 100%, before its pause',
  afterTraffic: 'after 100%, before the bake',
  beforeScaleDown: 'after the rollback window, before the old colour scales to 0',
};

export interface TaskHookSpec {
  kind: 'task';
  /** family (its latest ACTIVE revision) or family:revision. */
  taskDefinition: string;
  launch: { launchType: 'FARGATE' | 'EC2' | 'EXTERNAL' } | { capacityProviders: string[] } | { clusterDefault: true };
  platformVersion?: string | undefined;
  network?: { subnets: string[]; securityGroups: string[]; assignPublicIp: boolean } | undefined;
  /** The task definition's roles, which starting it must be allowed to pass (iam:PassRole names exactly these). */
  taskRole?: string | undefined;
  executionRole?: string | undefined;
  timeoutSeconds: number;
}

export interface LambdaHookSpec {
  kind: 'lambda';
  /** The function's ARN (lambda:InvokeFunction names exactly it). */
  function: string;
  timeoutSeconds: number;
}

export type HookSpec = TaskHookSpec | LambdaHookSpec;

/** The test listener's default action, or a rule of a listener (e.g. one matching `X-Canary: 1`), and the URL that reaches it. */
export interface TestSpec {
  listener: string;
  rule?: string | undefined;
  /** Handed to hooks (ECS_AUTOPILOT_TEST_URL, `testUrl`); ecs-autopilot never calls it. */
  url?: string | undefined;
}

/** The test listener during a deployment: as read at the start (`original`), and where it is now. */
export interface TestForward {
  /** The whole action list as ELB returned it, and its split: what is put back at the end. */
  original: { targetGroups: { arn: string; weight: number }[]; raw: string };
  /** original: not written yet; set: points at the new colour; restored: put back; left: someone else changed it, left as it was. */
  state: 'original' | 'set' | 'restored' | 'left';
  /** What `left` found, in words. */
  note?: string | undefined;
}

/** One hook run of a deployment, as status and the events show it. */
export interface HookRun {
  /** `beforeTraffic`, `afterStep:2` …: unique within the deployment; its key (`<deployment id>:hook:<id>`) names the task and the events. */
  id: string;
  stage: HookStage;
  /** 1-based, for afterStep. */
  step?: number | undefined;
  /** `task shop-smoke`, `lambda shop-check`. */
  runs: string;
  startedAt: string;
  /** The hook fails (timeout) when it has not passed by then. */
  deadline: string;
  status: 'running' | 'passed' | 'failed';
  taskArn?: string | undefined;
  /** The essential containers of the hook's task definition: all of them must exit 0. */
  essential?: string[] | undefined;
  logs?: LogLink[] | undefined;
  /** What the hook said: exit codes, stop reason, container reasons, or the Lambda's reason. */
  output?: string | undefined;
  endedAt?: string | undefined;
}

/** A hook task as DescribeTasks (or RunTask's failures) read it. */
export type HookTaskFacts =
  | { status: 'running'; lastStatus: string }
  | {
      status: 'stopped';
      stopCode?: string | undefined;
      stoppedReason?: string | undefined;
      containers: { name: string; exitCode?: number | undefined; reason?: string | undefined }[];
    }
  /** RunTask started nothing (its failures), or ECS no longer knows the task. */
  | { status: 'not-started'; reason: string };

/** What a Lambda hook answered: its payload as text, and Lambda's FunctionError when the function threw. */
export interface LambdaAnswer {
  payload: string;
  functionError?: string | undefined;
  /** The invoke itself did not complete within the hook's timeout. */
  timedOut?: boolean | undefined;
}

export type HookVerdict = { pass: true; output: string } | { pass: false; output: string };

export const hookKey = (deploymentId: string, hookId: string) => `${deploymentId}:hook:${hookId}`;

/** The hook run of a stage, `afterStep` once per step. */
export const hookIdOf = (stage: HookStage, step?: number) => (stage === 'afterStep' ? `${stage}:${step ?? 0}` : stage);

export const describeHook = (spec: HookSpec): string =>
  spec.kind === 'task' ? `task ${spec.taskDefinition}` : `lambda ${spec.function.slice(spec.function.lastIndexOf(':') + 1)}`;

/** Every essential container exited 0: pass. Anything else fails, saying what each container and ECS said. */
export function taskVerdict(facts: HookTaskFacts, essential: string[] | undefined): HookVerdict | undefined {
  if (facts.status === 'running') return undefined;
  if (facts.status === 'not-started') return { pass: false, output: facts.reason };
  const names = essential && essential.length > 0 ? essential : facts.containers.map((c) => c.name);
  const judged = names.map((name) => ({ name, container: facts.containers.find((c) => c.name === name) }));
  const said = (c: { name: string; exitCode?: number | undefined; reason?: string | undefined } | undefined, name: string) =>
    `container ${name} ${c?.exitCode === undefined ? 'has no exit code' : `exited ${c.exitCode}`}${c?.reason ? ` (${c.reason})` : ''}`;
  const bad = judged.filter(({ container }) => container?.exitCode !== 0);
  const stop = [facts.stopCode, facts.stoppedReason].filter((part) => part !== undefined && part !== '').join(': ');
  if (bad.length === 0) return { pass: true, output: judged.map(({ name, container }) => said(container, name)).join(', ') };
  return {
    pass: false,
    output: `${bad.map(({ name, container }) => said(container, name)).join(', ')}${stop ? `; task stopped: ${stop}` : ''}`,
  };
}

const MAX_OUTPUT = 500;

/**
 * The Lambda hook's contract: it answers `{ "pass": true }` or `{ "pass": false, "reason": "…" }` (other
 * fields are ignored). An error thrown by the function, an answer of another shape, or no answer within
 * the timeout fails the hook.
 */
export function lambdaVerdict(answer: LambdaAnswer, timeoutSeconds: number): HookVerdict {
  if (answer.timedOut) return { pass: false, output: `the function did not answer within ${timeoutSeconds}s` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.payload);
  } catch {
    parsed = undefined;
  }
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, MAX_OUTPUT) : undefined);
  if (answer.functionError) {
    const message = typeof parsed === 'object' && parsed !== null ? text((parsed as Record<string, unknown>).errorMessage) : undefined;
    return { pass: false, output: `the function failed (${answer.functionError})${message ? `: ${message}` : ''}` };
  }
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as Record<string, unknown>).pass === 'boolean') {
    const { pass, reason } = parsed as Record<string, unknown>;
    const said = text(reason);
    return pass === true
      ? { pass: true, output: said ?? 'the function answered pass' }
      : { pass: false, output: said ? `the function answered: ${said}` : 'the function answered pass: false, without a reason' };
  }
  return {
    pass: false,
    output: `the function answered ${answer.payload.slice(0, 200) || 'nothing'} instead of {"pass": true} or {"pass": false, "reason": "…"}`,
  };
}

/** What a hook is told: the deployment's ids and the test URL (environment of a task, payload of a Lambda). */
export interface HookContext {
  app: string;
  deploymentId: string;
  hook: HookStage;
  hookId: string;
  step?: number | undefined;
  newPercent: number;
  newColour: string;
  newService: string;
  taskDefinition: string;
  testUrl?: string | undefined;
}

/** The hook task's environment (each essential container gets it in a container override). */
export function hookEnvironment(context: HookContext): { name: string; value: string }[] {
  const entries: [string, string | number | undefined][] = [
    ['ECS_AUTOPILOT_APP', context.app],
    ['ECS_AUTOPILOT_DEPLOYMENT_ID', context.deploymentId],
    ['ECS_AUTOPILOT_HOOK', context.hook],
    ['ECS_AUTOPILOT_HOOK_ID', context.hookId],
    ['ECS_AUTOPILOT_STEP', context.step],
    ['ECS_AUTOPILOT_NEW_PERCENT', context.newPercent],
    ['ECS_AUTOPILOT_NEW_COLOUR', context.newColour],
    ['ECS_AUTOPILOT_NEW_SERVICE', context.newService],
    ['ECS_AUTOPILOT_TASK_DEFINITION', context.taskDefinition],
    ['ECS_AUTOPILOT_TEST_URL', context.testUrl],
  ];
  return entries.flatMap(([name, value]) => (value === undefined ? [] : [{ name, value: String(value) }]));
}
