/**
 * The effects of blue/green: the only code that talks to AWS for a deployment. Each action is carried
 * out and answered with what was observed (read back, never assumed); the transition decides what it means.
 *
 * The listener is written only over a split ecs-autopilot left on it (the action names them): anything
 * else is someone else's change, answered with `forward-changed` and left as it is. A revision from
 * images is tagged with the deployment's id and found again by a replay, never registered twice.
 *
 * Failures: a transient AWS error (throttling, 5xx, no answer) throws RetryableAwsError and the
 * invocation is retried; a permanent one (a listener, target group or service that does not exist, a
 * permission missing, a parameter refused) becomes an `action-failed` event saying what failed and what
 * to do. A configured alarm that does not exist is permanent too: a gate that cannot fire protects nothing.
 */
import { createHash } from 'node:crypto';
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  type ScalableTarget,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  type RunTaskCommandInput,
  type Service,
  type TaskDefinition,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  type Action as ElbAction,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { type AwsErrorLike, isTransientAwsError } from '../aws/transient-errors.ts';
import { clusterNameOf } from '../config/cluster.ts';
import { RetryableAwsError } from '../errors.ts';
import { essentialContainersOf, logLinksOf } from '../stopped-tasks/links.ts';
import { actionsWithWeights, forwardOf, originalActions, routeNotOurs, sameSplit, sameSplits } from './forward.ts';
import { type MetricWindow, metricWindow } from './gates.ts';
import {
  type HookContext,
  type HookRun,
  type HookTaskFacts,
  hookEnvironment,
  hookKey,
  type LambdaHookSpec,
  type TaskHookSpec,
  type TestForward,
} from './hooks.ts';
import {
  type Action,
  type AppSpec,
  type Colour,
  type Deployment,
  type DeploymentEvent,
  type ForwardSnapshot,
  type MetricCheck,
  type MetricResult,
  otherColour,
  type RevisionFacts,
  type RouteSpec,
  routeKey,
  type ScalableTargetFacts,
  type ServiceFacts,
  type Splits,
  type TargetHealthCount,
  type WeightedTargetGroup,
} from './model.ts';
import type { ShiftRuntime } from './runtime.ts';
import { familyOf, revisionRefusal } from './scope.ts';

/** An action that failed for good; its message says what failed and what to do next. */
class ActionFailure extends Error {
  override name = 'ActionFailure';
}

/** Carries out one action; answers with the observation, or nothing for actions that observe nothing. */
export async function applyAction(
  action: Action,
  deployment: Deployment,
  app: AppSpec,
  rt: ShiftRuntime,
): Promise<DeploymentEvent | undefined> {
  try {
    return await carryOut(action, deployment, app, rt);
  } catch (error) {
    if (!(error instanceof ActionFailure)) throw error;
    rt.log.warn('blue/green action failed', { app: app.name, deployment: deployment.id, action: action.kind, error: error.message });
    return { kind: 'action-failed', action: action.kind, error: error.message };
  }
}

async function carryOut(action: Action, deployment: Deployment, app: AppSpec, rt: ShiftRuntime): Promise<DeploymentEvent | undefined> {
  switch (action.kind) {
    case 'inspect': {
      // What a named task definition runs is read before anything changes: the app may refuse it (scope.ts).
      const named = deployment.images ? undefined : deployment.taskDefinition;
      const test = testPlace(app);
      const [forward, services, alarmsInAlarm, requested, testForward, scalable] = await Promise.all([
        readForwards(app, rt),
        readServices(app, ['blue', 'green'], rt),
        alarmsIn(app, rt),
        named ? readRevision(named, app, rt) : undefined,
        test ? readForward(rt, test) : undefined,
        scalableTargetsOf(app, rt),
      ]);
      return {
        kind: 'inspected',
        forward,
        services: { blue: factsOf(services.blue), green: factsOf(services.green) },
        alarmsInAlarm,
        scalable,
        requested,
        ...(testForward && { testForward }),
      };
    }
    case 'register-revision':
      return registerWithImages(action.base, action.images, deployment, app, rt);
    case 'update-new-colour': {
      if (!action.taskDefinition)
        throw new ActionFailure('the deployment names neither a task definition nor images; request it again with one of them');
      const updated = await updateService(
        app,
        action.colour,
        { taskDefinition: action.taskDefinition, desiredCount: action.desiredCount },
        rt,
      );
      return { kind: 'new-colour-updated', taskDefinition: updated?.taskDefinition ?? action.taskDefinition };
    }
    case 'check-ready': {
      const [services, health, forward] = await Promise.all([
        readServices(app, [action.colour], rt),
        healthOf(app, action.colour, rt),
        readForwards(app, rt),
      ]);
      const facts = factsOf(services[action.colour]);
      return { kind: 'ready-checked', steady: facts.steady, health, runs: facts.primaryTaskDefinition, forward: splitsOf(forward) };
    }
    case 'set-weights': {
      // Every route is checked before any is written: a change by someone else on one leaves them all as they are.
      const before = splitsOf(await readForwards(app, rt));
      if (sameSplits(action.targetGroups, before)) return { kind: 'weights-set', expected: action.targetGroups, observed: before };
      if (routeNotOurs(app, before, action.ours)) return { kind: 'forward-changed', observed: before };
      for (const route of app.routes) {
        const weights = action.targetGroups[routeKey(route)];
        if (!weights || sameSplit(before[routeKey(route)] ?? [], weights)) continue;
        await writeForward(
          app,
          actionsWithWeights(originalOf(deployment, route), weights),
          'setting the weights',
          rt,
          routePlace(app, route),
        );
      }
      const observed = splitsOf(await readForwards(app, rt));
      return { kind: 'weights-set', expected: action.targetGroups, observed };
    }
    case 'check-gates': {
      const since = action.since === undefined ? undefined : new Date(action.since);
      const [alarmsInAlarm, health, metrics, services, forward] = await Promise.all([
        alarmsIn(app, rt),
        healthOf(app, action.colour, rt),
        Promise.all(app.gates.metrics.map((check) => metricResultsOf(check, action.colour, since, app, rt))),
        // The live colour too, in the same call: its count now sizes the new colour for the next step.
        readServices(app, [action.colour, otherColour(action.colour)], rt),
        readForwards(app, rt),
      ]);
      const runs = factsOf(services[action.colour]).primaryTaskDefinition;
      const liveDesiredCount = services[otherColour(action.colour)].desiredCount;
      return {
        kind: 'gates-checked',
        alarmsInAlarm,
        health,
        metrics: metrics.flat(),
        runs,
        forward: splitsOf(forward),
        liveDesiredCount,
      };
    }
    case 'restore-forward': {
      const before = await readForwards(app, rt);
      if (routeNotOurs(app, splitsOf(before), action.ours)) return { kind: 'forward-changed', observed: splitsOf(before) };
      for (const route of app.routes) {
        const original = originalOf(deployment, route);
        if (before[routeKey(route)]?.raw === original.raw) continue;
        await writeForward(app, originalActions(original), 'putting back the original forward action', rt, routePlace(app, route));
      }
      const observed = splitsOf(await readForwards(app, rt));
      const originals = Object.fromEntries(app.routes.map((route) => [routeKey(route), originalOf(deployment, route).targetGroups]));
      return { kind: 'forward-restored', observed, matches: sameSplits(originals, observed) };
    }
    case 'set-test-forward':
    case 'restore-test-forward':
      return moveTestForward(action, deployment, app, rt);
    case 'start-hook': {
      const { run, spec } = hookOf(action.hook, deployment, app);
      return spec.kind === 'task' ? startHookTask(run, spec, deployment, app, rt) : invokeHookFunction(run, spec, deployment, app, rt);
    }
    case 'check-hook':
      return checkHookTask(action.hook, deployment, app, rt);
    case 'scale-colour':
      await updateService(app, action.colour, { taskDefinition: action.taskDefinition, desiredCount: action.desiredCount }, rt);
      return { kind: 'colour-scaled', colour: action.colour, desiredCount: action.desiredCount };
    case 'set-scaling':
      await setScaling(action, app, rt);
      return undefined;
    case 'lock-services':
      await Promise.all(
        (['blue', 'green'] as const).map((colour) => {
          const holder = {
            cluster: clusterNameOf(app.cluster),
            service: app.colours[colour].service,
            deploymentId: deployment.id,
            startedAt: deployment.requestedAt,
          };
          return aws(
            `writing the BLUE_GREEN lock of service ${holder.service}`,
            'check that the state table exists and the function may write it',
            () =>
              action.status === 'in-progress'
                ? rt.locks.hold(holder, action.expiresAt ? new Date(action.expiresAt) : undefined)
                : rt.locks.release(holder, rt.now()),
          );
        }),
      );
      return undefined;
    case 'publish':
      await publishEvent(action, app, rt);
      return undefined;
  }
}

/** Puts one decided event on the bus, with its id. */
export async function publishEvent(action: Action & { kind: 'publish' }, app: AppSpec, rt: ShiftRuntime): Promise<void> {
  await aws(`publishing ${action.detailType}`, 'check that the event bus exists and the function may put events on it', () =>
    rt.bus.publish([{ detailType: action.detailType, detail: action.detail, id: action.id, resources: [app.listener], time: rt.now() }]),
  );
}

/**
 * One AWS call: a transient failure throws RetryableAwsError (the invocation is retried), a permanent one
 * an ActionFailure naming `what` and the next step; anything else (a bug) is thrown as it is.
 */
async function aws<T>(what: string, nextStep: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (typeof error !== 'object' || error === null || !('$metadata' in error)) throw error;
    const e = error as AwsErrorLike;
    const text = `${what} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
    if (isTransientAwsError(error)) throw new RetryableAwsError(text, { cause: error });
    const denied = /AccessDenied|not authorized/i.test(`${e.name} ${e.message}`);
    throw new ActionFailure(
      `${text}; ${denied ? 'the shift-traffic role lacks this permission: redeploy ecs-autopilot with this app in automation.yml' : nextStep}`,
    );
  }
}

/** A route's forward action before the deployment; a deployment of an older version recorded the first route's only. */
function originalOf(deployment: Deployment, route: RouteSpec): ForwardSnapshot {
  const original = deployment.originals?.[routeKey(route)] ?? (deployment.originals ? undefined : deployment.original);
  if (!original) {
    throw new Error(`deployment ${deployment.id} has no original forward action of ${forwardOwner(route)}: it was never inspected`);
  }
  return original;
}

const forwardOwner = (route: RouteSpec) => (route.rule ? `rule ${route.rule}` : `listener ${route.listener}`);
const forwardConfigPath = (app: AppSpec) => `apps.${app.name}.${app.routes.length > 1 ? 'listeners' : app.rule ? 'rule' : 'listener'}`;

/** The split of each route's forward action. */
const splitsOf = (forwards: Record<string, ForwardSnapshot>): Splits =>
  Object.fromEntries(Object.entries(forwards).map(([key, forward]) => [key, forward.targetGroups]));

/** Every route's forward action: the listeners in one DescribeListeners, the rules in one DescribeRules. */
async function readForwards(app: AppSpec, rt: ShiftRuntime): Promise<Record<string, ForwardSnapshot>> {
  const listeners = app.routes.filter((route) => !route.rule).map((route) => route.listener);
  const rules = app.routes.flatMap((route) => (route.rule ? [route.rule] : []));
  const next = `check ${forwardConfigPath(app)} in automation.yml: each must exist in this account and region`;
  const [listed, ruled] = await Promise.all([
    listeners.length === 0
      ? []
      : aws(`reading the forward action of listener ${listeners.join(', ')}`, next, () =>
          rt.elb.send(new DescribeListenersCommand({ ListenerArns: listeners })),
        ).then(({ Listeners = [] }) => Listeners),
    rules.length === 0
      ? []
      : aws(`reading the forward action of rule ${rules.join(', ')}`, next, () =>
          rt.elb.send(new DescribeRulesCommand({ RuleArns: rules })),
        ).then(({ Rules = [] }) => Rules),
  ]);
  return Object.fromEntries(
    app.routes.map((route) => {
      const actions = route.rule
        ? ruled.find((rule) => rule.RuleArn === route.rule)?.Actions
        : listed.find((listener) => listener.ListenerArn === route.listener)?.DefaultActions;
      return [routeKey(route), forwardOf(actions ?? [])];
    }),
  );
}

/** Where a route of the app is, as writeForward names it. */
const routePlace = (app: AppSpec, route: RouteSpec): ForwardPlace => ({
  listener: route.listener,
  rule: route.rule,
  name: forwardOwner(route),
  configPath: forwardConfigPath(app),
});

/** A listener's default action, or a rule's actions: the production one (the app's) or the test one (apps.<name>.test). */
interface ForwardPlace {
  listener: string;
  rule?: string | undefined;
  /** In messages: `listener …`, `test rule …`. */
  name: string;
  configPath: string;
}

function testPlace(app: AppSpec): ForwardPlace | undefined {
  const test = app.test;
  if (!test) return undefined;
  return {
    listener: test.listener,
    rule: test.rule,
    name: test.rule ? `test rule ${test.rule}` : `test listener ${test.listener}`,
    configPath: `apps.${app.name}.test.${test.rule ? 'rule' : 'listener'}`,
  };
}

/** The forward action of one place (the test listener: the app's own are read together, readForwards). */
async function readForward(rt: ShiftRuntime, place: ForwardPlace): Promise<ForwardSnapshot> {
  const what = `reading the forward action of ${place.name}`;
  const next = `check ${place.configPath} in automation.yml: it must exist in this account and region`;
  if (place.rule) {
    const rule = place.rule;
    const { Rules = [] } = await aws(what, next, () => rt.elb.send(new DescribeRulesCommand({ RuleArns: [rule] })));
    return forwardOf(Rules[0]?.Actions ?? []);
  }
  const { Listeners = [] } = await aws(what, next, () => rt.elb.send(new DescribeListenersCommand({ ListenerArns: [place.listener] })));
  return forwardOf(Listeners[0]?.DefaultActions ?? []);
}

async function writeForward(app: AppSpec, actions: ElbAction[], doing: string, rt: ShiftRuntime, place: ForwardPlace): Promise<void> {
  const what = `${doing} on ${place.name}`;
  const next = `check ${place.configPath} and the blue and green target groups of apps.${app.name} in automation.yml`;
  const rule = place.rule;
  await aws(what, next, () =>
    rule
      ? rt.elb.send(new ModifyRuleCommand({ RuleArn: rule, Actions: actions }))
      : rt.elb.send(new ModifyListenerCommand({ ListenerArn: place.listener, DefaultActions: actions })),
  );
}

/**
 * The test listener to the new colour (all of its forward to that target group), or back as it was.
 * Each is written only over what the other leaves: set over the original action, restored over the new
 * colour's; anything else is someone else's change, answered with `test-forward-changed` and left as it is.
 */
async function moveTestForward(
  action: Action & { kind: 'set-test-forward' | 'restore-test-forward' },
  deployment: Deployment,
  app: AppSpec,
  rt: ShiftRuntime,
): Promise<DeploymentEvent> {
  const place = testPlace(app);
  const test: TestForward | undefined = deployment.test;
  if (!place || !test)
    throw new ActionFailure(`app ${app.name} has no test listener (apps.${app.name}.test) in the deployed automation.yml`);
  const pointed: WeightedTargetGroup[] = [{ arn: app.colours[action.colour].targetGroup, weight: 1 }];
  const before = await readForward(rt, place);
  if (action.kind === 'set-test-forward') {
    if (!sameSplit(before.targetGroups, pointed)) {
      if (before.raw !== test.original.raw) return { kind: 'test-forward-changed', observed: before.targetGroups };
      await writeForward(app, actionsWithWeights(test.original, pointed), `pointing the test listener at ${action.colour}`, rt, place);
    }
    const observed = (await readForward(rt, place)).targetGroups;
    return { kind: 'test-forward-set', observed, matches: sameSplit(observed, pointed) };
  }
  if (before.raw !== test.original.raw) {
    if (!sameSplit(before.targetGroups, pointed)) return { kind: 'test-forward-changed', observed: before.targetGroups };
    await writeForward(app, originalActions(test.original), 'putting back the test listener', rt, place);
  }
  const observed = await readForward(rt, place);
  return { kind: 'test-forward-restored', observed: observed.targetGroups, matches: observed.raw === test.original.raw };
}

function hookOf(id: string, deployment: Deployment, app: AppSpec) {
  const run = deployment.hooks?.find((hook) => hook.id === id);
  const spec = run && app.hooks?.[run.stage];
  if (!run || !spec) {
    throw new ActionFailure(`hook ${id} of deployment ${deployment.id} is not in apps.${app.name}.hooks of the deployed automation.yml`);
  }
  return { run, spec };
}

function hookContext(run: HookRun, deployment: Deployment, app: AppSpec): HookContext {
  const to = deployment.to ?? otherColour(deployment.from ?? 'blue');
  return {
    app: app.name,
    deploymentId: deployment.id,
    hook: run.stage,
    hookId: hookKey(deployment.id, run.id),
    step: run.step,
    newPercent: deployment.newPercent,
    newColour: to,
    newService: app.colours[to].service,
    taskDefinition: deployment.taskDefinition ?? '',
    testUrl: app.test?.url,
  };
}

/** RunTask's clientToken of a hook (at most 64 characters): the same hook of the same deployment, the same token. */
const hookClientToken = (key: string): string => createHash('sha256').update(key).digest('base64url');

/**
 * RunTask of the hook's task definition, the hook's facts in each essential container's environment,
 * under a clientToken from the hook's key: a replay (the outbox after a crash, a tick) gets the task the
 * first call started, never a second one.
 */
async function startHookTask(
  run: HookRun,
  spec: TaskHookSpec,
  deployment: Deployment,
  app: AppSpec,
  rt: ShiftRuntime,
): Promise<DeploymentEvent> {
  const configPath = `apps.${app.name}.hooks.${run.stage}`;
  const read = await aws(
    `reading task definition ${spec.taskDefinition} of the ${run.stage} hook`,
    `check ${configPath}.task in automation.yml: it must exist in this account and region`,
    () => rt.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: spec.taskDefinition })),
  );
  const containers = read.taskDefinition?.containerDefinitions ?? [];
  const essential = essentialContainersOf(containers);
  const environment = hookEnvironment(hookContext(run, deployment, app));
  const request: RunTaskCommandInput = {
    cluster: app.cluster,
    taskDefinition: spec.taskDefinition,
    count: 1,
    startedBy: 'ecs-autopilot-hook',
    clientToken: hookClientToken(hookKey(deployment.id, run.id)),
    overrides: { containerOverrides: essential.map((name) => ({ name, environment })) },
    ...('launchType' in spec.launch && { launchType: spec.launch.launchType }),
    ...('capacityProviders' in spec.launch && {
      capacityProviderStrategy: [{ capacityProvider: spec.launch.capacityProviders[0], weight: 1 }],
    }),
    ...(spec.platformVersion && { platformVersion: spec.platformVersion }),
    ...(spec.network && {
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: spec.network.subnets,
          securityGroups: spec.network.securityGroups,
          assignPublicIp: spec.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
        },
      },
    }),
  };
  const { tasks = [], failures = [] } = await aws(
    `starting the ${run.stage} hook task ${spec.taskDefinition} in cluster ${app.cluster}`,
    `check ${configPath} in automation.yml (launch type, network, roles)`,
    () => rt.ecs.send(new RunTaskCommand(request)),
  );
  const taskArn = tasks[0]?.taskArn;
  if (!taskArn) {
    const reasons = failures.map((f) => [f.reason, f.detail].filter(Boolean).join(': ')).join('; ') || 'RunTask started no task';
    return { kind: 'hook-checked', hook: run.id, facts: { status: 'not-started', reason: `its task could not start: ${reasons}` } };
  }
  const [, , , region = ''] = taskArn.split(':');
  const logs = logLinksOf({ region, taskId: taskArn.slice(taskArn.lastIndexOf('/') + 1) }, containers);
  return { kind: 'hook-started', hook: run.id, taskArn, essential, logs };
}

async function checkHookTask(id: string, deployment: Deployment, app: AppSpec, rt: ShiftRuntime): Promise<DeploymentEvent | undefined> {
  const { run } = hookOf(id, deployment, app);
  const taskArn = run.taskArn;
  if (!taskArn) return undefined;
  const { tasks = [], failures = [] } = await aws(
    `reading the ${run.stage} hook task ${taskArn}`,
    `check apps.${app.name}.cluster in automation.yml`,
    () => rt.ecs.send(new DescribeTasksCommand({ cluster: app.cluster, tasks: [taskArn] })),
  );
  const task = tasks[0];
  let facts: HookTaskFacts;
  if (!task) {
    facts = { status: 'not-started', reason: `ECS no longer knows its task ${taskArn} (${failures[0]?.reason ?? 'MISSING'})` };
  } else if (task.lastStatus !== 'STOPPED') {
    facts = { status: 'running', lastStatus: task.lastStatus ?? 'PENDING' };
  } else {
    facts = {
      status: 'stopped',
      stopCode: task.stopCode,
      stoppedReason: task.stoppedReason,
      containers: (task.containers ?? []).map((c) => ({ name: c.name ?? '', exitCode: c.exitCode, reason: c.reason })),
    };
  }
  return { kind: 'hook-checked', hook: id, facts };
}

/**
 * The Lambda hook, invoked and waited for (RequestResponse) for at most its timeout; shift-traffic's own
 * timeout bounds that (the schema keeps it below). A replay invokes it again with the same hookId.
 */
async function invokeHookFunction(
  run: HookRun,
  spec: LambdaHookSpec,
  deployment: Deployment,
  app: AppSpec,
  rt: ShiftRuntime,
): Promise<DeploymentEvent> {
  const payload = new TextEncoder().encode(JSON.stringify(hookContext(run, deployment, app)));
  try {
    const answer = await aws(
      `invoking the ${run.stage} hook function ${spec.function}`,
      `check apps.${app.name}.hooks.${run.stage}.lambda in automation.yml: the function must exist in this account and region`,
      () =>
        rt.lambda.send(new InvokeCommand({ FunctionName: spec.function, InvocationType: 'RequestResponse', Payload: payload }), {
          abortSignal: AbortSignal.timeout(spec.timeoutSeconds * 1000),
        }),
    );
    const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
    return { kind: 'hook-answered', hook: run.id, answer: { payload: text, functionError: answer.FunctionError } };
  } catch (error) {
    if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
      return { kind: 'hook-answered', hook: run.id, answer: { payload: '', timedOut: true } };
    }
    throw error;
  }
}

async function readServices(app: AppSpec, colours: Colour[], rt: ShiftRuntime): Promise<Record<Colour, Service>> {
  const names = colours.map((colour) => app.colours[colour].service);
  const { services = [], failures = [] } = await aws(
    `reading ECS services ${names.join(', ')} in cluster ${app.cluster}`,
    `check apps.${app.name}.cluster in automation.yml`,
    () => rt.ecs.send(new DescribeServicesCommand({ cluster: app.cluster, services: names })),
  );
  const found = {} as Record<Colour, Service>;
  for (const colour of colours) {
    const name = app.colours[colour].service;
    const service = services.find((s) => s.serviceName === name && s.status === 'ACTIVE');
    if (!service) {
      const why =
        failures.find((f) => f.arn?.endsWith(`/${name}`))?.reason ?? services.find((s) => s.serviceName === name)?.status ?? 'MISSING';
      throw new ActionFailure(
        `ECS service ${name} (${colour}) in cluster ${app.cluster} is not active (${why}); check apps.${app.name}.${colour}.service and apps.${app.name}.cluster in automation.yml`,
      );
    }
    found[colour] = service;
  }
  return found;
}

/** ECS's steady state: one deployment, rolled out, running as many tasks as it wants. */
function factsOf(service: Service): ServiceFacts {
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const desiredCount = service.desiredCount ?? 0;
  const runningCount = service.runningCount ?? 0;
  return {
    desiredCount,
    runningCount,
    taskDefinition: service.taskDefinition ?? '',
    primaryTaskDefinition: primary?.taskDefinition ?? service.taskDefinition ?? '',
    steady: deployments.length <= 1 && (primary?.rolloutState ?? 'COMPLETED') === 'COMPLETED' && runningCount === desiredCount,
    serviceConnect: deployments.some((d) => d.serviceConnectConfiguration?.enabled === true),
  };
}

/** UpdateService; answers with the service as ECS updated it. */
async function updateService(
  app: AppSpec,
  colour: Colour,
  change: { taskDefinition?: string | undefined; desiredCount: number },
  rt: ShiftRuntime,
): Promise<Service | undefined> {
  const service = app.colours[colour].service;
  const { service: updated } = await aws(
    `updating ECS service ${service} (${colour}) to ${change.taskDefinition ? `${change.taskDefinition}, ` : ''}${change.desiredCount} task(s)`,
    `check apps.${app.name}.${colour}.service and apps.${app.name}.cluster in automation.yml, and that the task definition exists and is ACTIVE`,
    () =>
      rt.ecs.send(
        new UpdateServiceCommand({
          cluster: app.cluster,
          service,
          desiredCount: change.desiredCount,
          ...(change.taskDefinition && { taskDefinition: change.taskDefinition }),
          forceNewDeployment: false,
        }),
      ),
  );
  return updated;
}

/** The tag that names the deployment a revision was registered for. */
const DEPLOYMENT_TAG = 'ecs-autopilot:deployment';

/** What a revision runs: its family, roles and images, as the app's scope is checked against them. */
export function revisionFacts(taskDefinition: TaskDefinition): RevisionFacts {
  return {
    name: `task definition ${taskDefinition.family}:${taskDefinition.revision}`,
    family: taskDefinition.family ?? '',
    taskRole: taskDefinition.taskRoleArn,
    executionRole: taskDefinition.executionRoleArn,
    images: Object.fromEntries((taskDefinition.containerDefinitions ?? []).map((c) => [c.name ?? '', c.image ?? ''])),
  };
}

async function readRevision(taskDefinition: string, app: AppSpec, rt: ShiftRuntime): Promise<RevisionFacts> {
  const read = await aws(
    `reading task definition ${taskDefinition}`,
    `check the task definition of the deployment request (app ${app.name}): it must exist in this account and region`,
    () => rt.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })),
  );
  if (!read.taskDefinition)
    throw new ActionFailure(`task definition ${taskDefinition} was not found; request the deployment again with one that exists`);
  return revisionFacts(read.taskDefinition);
}

/**
 * A new revision of `base` with these containers' images, everything else (roles, environment, tags) as
 * it was, tagged with the deployment's id. The family's latest revision is read first: when it carries
 * this deployment's tag, an earlier attempt registered it (and crashed before recording it), and it is
 * the answer. (Only the latest is looked at: a revision someone else registered after ours hides it,
 * and a second one is registered — harmless, never rolled out twice.)
 */
async function registerWithImages(
  base: string,
  images: Record<string, string>,
  deployment: Deployment,
  app: AppSpec,
  rt: ShiftRuntime,
): Promise<DeploymentEvent> {
  const describe = (taskDefinition: string) =>
    aws(`reading task definition ${taskDefinition}`, 'check that the task definition the new revision is based on exists', () =>
      rt.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] })),
    );
  const latest = await describe(familyOf(base));
  if (latest.tags?.some((tag) => tag.key === DEPLOYMENT_TAG && tag.value === deployment.id)) {
    return { kind: 'revision-registered', taskDefinition: latest.taskDefinition?.taskDefinitionArn ?? '' };
  }
  const { taskDefinition, tags = [] } = latest.taskDefinition?.taskDefinitionArn === base ? latest : await describe(base);
  const containers = taskDefinition?.containerDefinitions ?? [];
  const names = containers.map((container) => container.name ?? '');
  const unknown = Object.keys(images).filter((name) => !names.includes(name));
  if (!taskDefinition || unknown.length > 0) {
    throw new ActionFailure(
      `task definition ${base} has no container named ${unknown.join(', ')} (it has ${names.join(', ') || 'none'}); request the deployment again with images keyed by those container names`,
    );
  }
  const {
    taskDefinitionArn: _arn,
    revision: _revision,
    status: _status,
    requiresAttributes: _requires,
    compatibilities: _compatibilities,
    registeredAt: _registeredAt,
    registeredBy: _registeredBy,
    deregisteredAt: _deregisteredAt,
    deleteRequestedAt: _deleteRequestedAt,
    ...registrable
  } = taskDefinition;
  const input: RegisterTaskDefinitionCommandInput = {
    ...registrable,
    family: taskDefinition.family,
    containerDefinitions: containers.map((container) => ({ ...container, image: images[container.name ?? ''] ?? container.image })),
    tags: [...tags.filter((tag) => tag.key !== DEPLOYMENT_TAG), { key: DEPLOYMENT_TAG, value: deployment.id }],
  };
  // The roles and the images it keeps from the live revision must be the app's too.
  const refused = revisionRefusal(app, {
    ...revisionFacts({ ...taskDefinition, containerDefinitions: input.containerDefinitions }),
    name: `the revision of ${taskDefinition.family}:${taskDefinition.revision} with images ${describeImages(images)}`,
  });
  if (refused) return { kind: 'revision-refused', reason: refused };
  const registered = await aws(
    `registering a revision of ${taskDefinition.family} with images ${describeImages(images)}`,
    `check the images of the deployment request (app ${app.name})`,
    () => rt.ecs.send(new RegisterTaskDefinitionCommand(input)),
  );
  return { kind: 'revision-registered', taskDefinition: registered.taskDefinition?.taskDefinitionArn ?? '' };
}

const describeImages = (images: Record<string, string>) =>
  Object.entries(images)
    .map(([name, image]) => `${name}=${image}`)
    .join(', ');

const ECS_DESIRED_COUNT = 'ecs:service:DesiredCount';
const scalingResourceOf = (app: AppSpec, colour: Colour) => `service/${clusterNameOf(app.cluster)}/${app.colours[colour].service}`;

/** The colours' scalable targets, in one call; a colour without one is left out. */
async function scalableTargetsOf(app: AppSpec, rt: ShiftRuntime): Promise<Partial<Record<Colour, ScalableTargetFacts>>> {
  const ids = { blue: scalingResourceOf(app, 'blue'), green: scalingResourceOf(app, 'green') };
  const { ScalableTargets = [] } = await aws(
    `reading the scalable targets of ${app.colours.blue.service} and ${app.colours.green.service}`,
    'check that the function may call application-autoscaling:DescribeScalableTargets',
    () =>
      rt.autoScaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: ECS_DESIRED_COUNT,
          ResourceIds: [ids.blue, ids.green],
        }),
      ),
  );
  const facts = (target: ScalableTarget | undefined): ScalableTargetFacts | undefined =>
    target && {
      min: target.MinCapacity ?? 0,
      max: target.MaxCapacity ?? 0,
      suspended: {
        DynamicScalingInSuspended: target.SuspendedState?.DynamicScalingInSuspended ?? false,
        DynamicScalingOutSuspended: target.SuspendedState?.DynamicScalingOutSuspended ?? false,
        ScheduledScalingSuspended: target.SuspendedState?.ScheduledScalingSuspended ?? false,
      },
    };
  const found: Partial<Record<Colour, ScalableTargetFacts>> = {};
  for (const colour of ['blue', 'green'] as const) {
    const target = facts(ScalableTargets.find((t) => t.ResourceId === ids[colour]));
    if (target) found[colour] = target;
  }
  return found;
}

/** RegisterScalableTarget with only what the action gives: the same values twice change nothing. */
async function setScaling(action: Action & { kind: 'set-scaling' }, app: AppSpec, rt: ShiftRuntime): Promise<void> {
  const service = app.colours[action.colour].service;
  await aws(
    `setting the scalable target of ECS service ${service} (${action.colour})`,
    `check apps.${app.name}.${action.colour}.service and apps.${app.name}.cluster in automation.yml`,
    () =>
      rt.autoScaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: ECS_DESIRED_COUNT,
          ResourceId: scalingResourceOf(app, action.colour),
          MinCapacity: action.min,
          MaxCapacity: action.max,
          SuspendedState: action.suspended,
        }),
      ),
  );
}

const NOT_COUNTED = new Set(['healthy', 'draining', 'unused', 'unhealthy.draining']);

/** The colour's target groups on every route, each once. */
const targetGroupsOf = (app: AppSpec, colour: Colour): string[] => [...new Set(app.routes.map((route) => route.targetGroups[colour]))];

/**
 * The health of the colour's targets in each of its target groups; with several, the weakest one's
 * count (one with a target not healthy, else the fewest healthy), named: the gate holds for each.
 */
async function healthOf(app: AppSpec, colour: Colour, rt: ShiftRuntime): Promise<TargetHealthCount> {
  const targetGroups = targetGroupsOf(app, colour);
  const counts = await Promise.all(
    targetGroups.map(async (targetGroup) => {
      const { TargetHealthDescriptions = [] } = await aws(
        `reading the target health of the ${colour} target group ${targetGroup}`,
        `check the ${colour} target groups of apps.${app.name} in automation.yml`,
        () => rt.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroup })),
      );
      const states = TargetHealthDescriptions.map((d) => d.TargetHealth?.State ?? 'unavailable');
      return {
        healthy: states.filter((s) => s === 'healthy').length,
        unhealthy: states.filter((s) => !NOT_COUNTED.has(s)).length,
        ...(targetGroups.length > 1 && { targetGroup }),
      };
    }),
  );
  const weakest = (a: TargetHealthCount, b: TargetHealthCount) =>
    (a.healthy === 0) !== (b.healthy === 0)
      ? a.healthy === 0
      : a.unhealthy > 0 !== b.unhealthy > 0
        ? a.unhealthy > 0
        : a.healthy < b.healthy;
  return counts.reduce((worst, count) => (weakest(count, worst) ? count : worst));
}

/** The configured alarms now in ALARM; one that does not exist fails the action. */
async function alarmsIn(app: AppSpec, rt: ShiftRuntime): Promise<string[]> {
  const names = app.gates.alarms;
  if (names.length === 0) return [];
  const { MetricAlarms = [], CompositeAlarms = [] } = await aws(
    `reading the alarms ${names.join(', ')}`,
    `check apps.${app.name}.gates.alarms in automation.yml`,
    // Without AlarmTypes, DescribeAlarms leaves composite alarms out.
    () => rt.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })),
  );
  const alarms = [...MetricAlarms, ...CompositeAlarms];
  const missing = names.filter((name) => !alarms.some((alarm) => alarm.AlarmName === name));
  if (missing.length > 0) {
    throw new ActionFailure(
      `alarm ${missing.join(', ')} does not exist in CloudWatch; create it, or remove it from apps.${app.name}.gates.alarms in automation.yml`,
    );
  }
  return names.filter((name) => alarms.some((alarm) => alarm.AlarmName === name && alarm.StateValue === 'ALARM'));
}

/**
 * The check for each target group of the colour (on the first route that has it), the baseline read
 * on the live colour's target group of the same route; one result, unnamed, when there is one.
 */
async function metricResultsOf(
  check: MetricCheck,
  colour: Colour,
  since: Date | undefined,
  app: AppSpec,
  rt: ShiftRuntime,
): Promise<MetricResult[]> {
  const window = metricWindow(check, rt.now(), since);
  if (!window) return [{ name: check.name, value: undefined, evaluated: false }];
  const routes = app.routes.filter(
    (route, index) => app.routes.findIndex((r) => r.targetGroups[colour] === route.targetGroups[colour]) === index,
  );
  return Promise.all(
    routes.map(async (route) => {
      const named = { name: check.name, ...(routes.length > 1 && { targetGroup: route.targetGroups[colour] }) };
      const value = await metricValueOf(check, route, colour, window, app, rt);
      if (!check.baseline) return { ...named, value };
      return { ...named, value, baseline: await metricValueOf(check, route, otherColour(colour), window, app, rt) };
    }),
  );
}

/** `targetgroup/<name>/<id>` and `app/<lb>/<id>` (or `net/<lb>/<id>`): the dimensions ELB publishes its metrics under. */
export const targetGroupDimension = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
export const loadBalancerDimension = (listenerArn: string) => /:listener\/((?:app|net)\/[^/]+\/[^/]+)\//.exec(listenerArn)?.[1] ?? '';

/** The namespace of a route's load balancer metrics: a query that names none reads there. */
export const namespaceOf = (route: RouteSpec) => (/:listener\/net\//.test(route.listener) ? 'AWS/NetworkELB' : 'AWS/ApplicationELB');

/** The check's expression over `window` for one colour's target group on a route, undefined without data. */
async function metricValueOf(
  check: MetricCheck,
  route: RouteSpec,
  colour: Colour,
  { start, end, period }: MetricWindow,
  app: AppSpec,
  rt: ShiftRuntime,
): Promise<number | undefined> {
  const colourDimensions = {
    TargetGroup: targetGroupDimension(route.targetGroups[colour]),
    LoadBalancer: loadBalancerDimension(route.listener),
  };
  let resultId = 'gate';
  while (resultId in check.queries) resultId += '_';
  const queries: MetricDataQuery[] = [
    ...Object.entries(check.queries).map(([id, query]) => ({
      Id: id,
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: query.namespace ?? namespaceOf(route),
          MetricName: query.metric,
          Dimensions: Object.entries({ ...colourDimensions, ...query.dimensions }).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: period,
        Stat: query.stat,
      },
    })),
    { Id: resultId, Expression: check.expression, Label: check.name, ReturnData: true },
  ];
  const { MetricDataResults = [] } = await aws(
    `reading metric check ${check.name} of the ${colour} target group ${targetGroupDimension(route.targetGroups[colour])}`,
    `check apps.${app.name}.gates.metrics.${check.name} in automation.yml (its expression, metrics and stats)`,
    () =>
      rt.cloudWatch.send(
        new GetMetricDataCommand({ StartTime: start, EndTime: end, ScanBy: 'TimestampDescending', MetricDataQueries: queries }),
      ),
  );
  return MetricDataResults.find((result) => result.Id === resultId)?.Values?.[0];
}
