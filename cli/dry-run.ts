/**
 * `deploy <app> --dry-run`: what a deployment of the app would do — its steps, gates, hooks and
 * timings — and whether it could start now, checked against the live AWS without changing anything:
 * the listener (or rule) forwards all its weight to one colour, both target groups exist, both services
 * are active in the cluster, the gate alarms exist and none is in ALARM, the revision is one the app
 * allows (allowedFamilies, allowedImages, taskRoles), no deployment of the app runs, the bus exists.
 *
 * Only reads (Describe*, a GetItem): every read that fails is a problem of its own, said with the AWS
 * error (a permission the credentials lack, a resource that does not exist), never a crash. The
 * judgement is pure (dryRunChecks), over what was read (DryRunFacts).
 */
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { forTerminal } from '../shared/alerts/escape.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import { revisionFacts } from '../shared/blue-green/apply.ts';
import { createCloudWatchClient, createElbClient } from '../shared/blue-green/clients.ts';
import { longestDeploymentSeconds, SHIFTING_SECONDS } from '../shared/blue-green/decide.ts';
import { describeRoute, firstRoute, forwardOf, liveColourOfRoutes } from '../shared/blue-green/forward.ts';
import {
  type AppSpec,
  COLOURS,
  type Colour,
  type Deployment,
  type ForwardSnapshot,
  isFinal,
  otherColour,
  type RevisionFacts,
  type RouteSpec,
  routeKey,
} from '../shared/blue-green/model.ts';
import { requestRefusal, revisionRefusal } from '../shared/blue-green/scope.ts';
import { formatDuration } from '../shared/config/duration.ts';
import { DeploymentStore } from '../shared/state/deployment-store.ts';
import type { Connection, DeploymentReader } from './deploy.ts';
import { EXIT, type Io } from './output.ts';

// ── What was read ──

/** A read's result, or why it failed (the AWS error, said for an operator). */
export type Read<T> = { ok: T } | { error: string };

export interface ServiceRead {
  status: string;
  desiredCount: number;
  taskDefinition: string;
}

export interface DryRunFacts {
  /** The forward action of every listener or rule the app shifts, by route (routeKey). */
  forward: Read<Record<string, ForwardSnapshot>>;
  targetGroups: Record<Colour, Read<true>>;
  services: Record<Colour, Read<ServiceRead>>;
  /** Alarm name → its state, for the gate alarms that exist. */
  alarms: Read<Record<string, string>>;
  /** The revision the request would deploy (read, or the one images would register); undefined: none named. */
  revision?: Read<RevisionFacts> | undefined;
  deployment: Read<Deployment | undefined>;
  bus: Read<true>;
}

export interface DryRunRequest {
  taskDefinition?: string | undefined;
  images?: Record<string, string> | undefined;
}

export interface DryRunCheck {
  name: string;
  status: 'ok' | 'problem' | 'skipped';
  detail: string;
}

// ── The plan: steps, gates, hooks and timings, from automation.yml alone ──

const pauseText = (pause: AppSpec['steps'][number]['pause'], app: AppSpec) =>
  pause.kind === 'for' ? formatDuration(pause.seconds) : `until promoted (at most ${formatDuration(app.timeouts.promoteSeconds)})`;

/** The hooks automation.yml gives the app, as written; none when it gives none. */
function hooksOf(app: AppSpec): Record<string, unknown> {
  const hooks = (app as AppSpec & { hooks?: unknown }).hooks;
  return typeof hooks === 'object' && hooks !== null ? (hooks as Record<string, unknown>) : {};
}

export function dryRunPlan(app: AppSpec) {
  return {
    strategy: app.strategy,
    steps: app.steps.map((step, i) => ({
      step: i + 1,
      weight: step.weight,
      pause:
        step.pause.kind === 'for' ? { seconds: step.pause.seconds } : { untilPromoted: true, atMostSeconds: app.timeouts.promoteSeconds },
    })),
    gates: app.gates,
    hooks: hooksOf(app),
    bakeSeconds: app.bakeSeconds,
    rollbackWindowSeconds: app.rollbackWindowSeconds,
    timeouts: { ...app.timeouts, shiftSeconds: SHIFTING_SECONDS },
    longestSeconds: longestDeploymentSeconds(app),
  };
}

function metricText(check: AppSpec['gates']['metrics'][number]): string {
  const bounds = [
    check.max === undefined ? undefined : `≤ ${check.max}`,
    check.min === undefined ? undefined : `≥ ${check.min}`,
    check.baseline ? `≤ live + ${check.baseline.maxIncrease}` : undefined,
  ].filter((bound) => bound !== undefined);
  return `${check.name}: ${check.expression} ${bounds.join(', ')} over ${formatDuration(check.windowSeconds)} (no data: ${check.onNoData})`;
}

export function planLines(app: AppSpec): string[] {
  const steps = app.steps.map((step, i) =>
    i === app.steps.length - 1
      ? `${i + 1}. ${step.weight}%, baked for ${pauseText(step.pause, app)}`
      : `${i + 1}. ${step.weight}% for ${pauseText(step.pause, app)}`,
  );
  const { alarms, minHealthyTargets, metrics } = app.gates;
  const gates = [
    alarms.length > 0 ? `alarms ${alarms.join(', ')} (one in ALARM rolls back)` : 'no alarms',
    `at least ${minHealthyTargets} healthy target${minHealthyTargets === 1 ? '' : 's'}, none unhealthy`,
    ...metrics.map(metricText),
  ];
  const hooks = Object.entries(hooksOf(app)).map(([name, hook]) => `${name}: ${JSON.stringify(hook)}`);
  const timings = [
    `ready within ${formatDuration(app.timeouts.readySeconds)}`,
    `each weight change within ${formatDuration(SHIFTING_SECONDS)}`,
    `rollback window ${formatDuration(app.rollbackWindowSeconds)}`,
    `at most ${formatDuration(longestDeploymentSeconds(app))} in all`,
  ];
  return [
    `  strategy  ${app.strategy}`,
    `  steps     ${steps.join('; ')}`,
    `  gates     ${gates.join('; ')}`,
    `  hooks     ${hooks.length > 0 ? forTerminal(hooks.join('; ')) : 'none configured'}`,
    `  timings   ${timings.join('; ')}`,
  ];
}

// ── The checks: pure, over what was read ──

export function dryRunChecks(app: AppSpec, request: DryRunRequest, facts: DryRunFacts): DryRunCheck[] {
  const checks: DryRunCheck[] = [];
  const ok = (name: string, detail: string) => checks.push({ name, status: 'ok', detail });
  const problem = (name: string, detail: string) => checks.push({ name, status: 'problem', detail });

  const routes = routesOf(app);
  const forwardName = routes.length > 1 ? 'listeners' : app.rule ? 'rule' : 'listener';
  let live: Colour | undefined;
  if ('error' in facts.forward) problem(forwardName, facts.forward.error);
  else {
    const found = liveColourOfRoutes(facts.forward.ok, { ...app, routes });
    if ('problem' in found) problem(forwardName, found.problem);
    else {
      live = found.live;
      const idle = otherColour(live);
      ok(
        forwardName,
        `forwards all the traffic to ${live} (${app.colours[live].service}); ${idle} (${app.colours[idle].service}) would get the new version`,
      );
    }
  }

  for (const colour of COLOURS) {
    const read = facts.targetGroups[colour];
    const arns = targetGroupsOf(app, colour).join(', ');
    if ('error' in read) problem(`target group ${colour}`, `${arns}: ${read.error}`);
    else ok(`target group ${colour}`, `${arns} ${arns.includes(',') ? 'exist' : 'exists'}`);
  }

  for (const colour of COLOURS) {
    const read = facts.services[colour];
    const name = app.colours[colour].service;
    if ('error' in read) problem(`service ${colour}`, read.error);
    else if (read.ok.status !== 'ACTIVE')
      problem(`service ${colour}`, `${name} in cluster ${app.cluster} is ${read.ok.status}, not ACTIVE`);
    else if (colour === live && read.ok.desiredCount < 1) {
      problem(`service ${colour}`, `${name}, the live service, has no tasks (desiredCount 0): a deployment would fail`);
    } else ok(`service ${colour}`, `${name} is active in cluster ${app.cluster}, ${read.ok.desiredCount} task(s)`);
  }

  if (app.gates.alarms.length > 0) {
    const read = facts.alarms;
    if ('error' in read) problem('alarms', read.error);
    else {
      for (const name of app.gates.alarms) {
        const state = read.ok[name];
        if (state === undefined) {
          problem(`alarm ${name}`, `does not exist in CloudWatch; create it, or remove it from apps.${app.name}.gates.alarms`);
        } else if (state === 'ALARM') problem(`alarm ${name}`, 'is in ALARM: a deployment would not start until it resolves');
        else ok(`alarm ${name}`, `exists, ${state}`);
      }
    }
  }

  const refused = requestRefusal(app, request.taskDefinition, request.images);
  if (refused) problem('revision', refused);
  else if (!facts.revision) {
    checks.push({ name: 'revision', status: 'skipped', detail: 'no --task-definition or --image given: the revision is not checked' });
  } else if ('error' in facts.revision) problem('revision', facts.revision.error);
  else {
    const refusal = revisionRefusal(app, facts.revision.ok);
    if (refusal) problem('revision', refusal);
    else ok('revision', `${facts.revision.ok.name}: family, roles and images allowed`);
  }

  if ('error' in facts.deployment) problem('deployment', facts.deployment.error);
  else {
    const d = facts.deployment.ok;
    if (d && !isFinal(d.stage))
      problem('deployment', `${d.id} is ${d.stage}: a request now would be rejected (one deployment runs at a time)`);
    else ok('deployment', d ? `none running (the last, ${d.id}, ${d.stage})` : 'none running (none recorded)');
  }

  if ('error' in facts.bus) problem('bus', facts.bus.error);
  else ok('bus', 'exists: the request would be put there');
  return checks;
}

// ── Reading the live AWS ──

export interface DryRunDeps {
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  cloudWatch: CloudWatchClient;
  events: EventBridgeClient;
  busName: string;
  store: Pick<DeploymentReader, 'get'>;
  io: Io;
}

export function awsDryRunDeps(connection: Connection, io: Io): DryRunDeps {
  const options = { region: connection.region, endpoint: connection.endpoint };
  const clients = createAwsClients(options);
  return {
    ecs: clients.ecs,
    elb: createElbClient(options),
    cloudWatch: createCloudWatchClient(options),
    events: clients.events,
    busName: connection.busName,
    store: new DeploymentStore(clients.dynamo, connection.tableName),
    io,
  };
}

/** An AWS error in a line: its name and message, and, when access was denied, that the credentials lack the permission. */
function errorText(what: string, error: unknown): string {
  const e = error as { name?: string; message?: string };
  const denied = /AccessDenied|not authorized/i.test(`${e.name} ${e.message}`);
  return `${what} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}${denied ? ' (the credentials in use lack this permission)' : ''}`;
}

async function read<T>(what: string, call: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: await call() };
  } catch (error) {
    // A bug is not a finding; AWS's answers and the SDK's own errors (no credentials, no region, no connection) are.
    if (!(error instanceof Error) || error instanceof TypeError || error instanceof ReferenceError) throw error;
    return { error: errorText(what, error) };
  }
}

/** The places the app's traffic is split: its `listeners`, or the one `listener`/`rule`. */
const routesOf = (app: AppSpec): RouteSpec[] => (app.routes.length > 0 ? app.routes : [firstRoute(app)]);

/** A colour's target groups on every route, each once. */
const targetGroupsOf = (app: AppSpec, colour: Colour): string[] => [...new Set(routesOf(app).map((route) => route.targetGroups[colour]))];

export async function readDryRunFacts(app: AppSpec, request: DryRunRequest, deps: DryRunDeps): Promise<DryRunFacts> {
  const routes = routesOf(app);
  const forward = read(`reading the forward action of ${routes.map(describeRoute).join(', ')}`, async () => {
    const listeners = routes.filter((route) => !route.rule).map((route) => route.listener);
    const rules = routes.flatMap((route) => (route.rule ? [route.rule] : []));
    const [Listeners, Rules] = await Promise.all([
      listeners.length > 0
        ? deps.elb.send(new DescribeListenersCommand({ ListenerArns: listeners })).then((answer) => answer.Listeners ?? [])
        : [],
      rules.length > 0 ? deps.elb.send(new DescribeRulesCommand({ RuleArns: rules })).then((answer) => answer.Rules ?? []) : [],
    ]);
    return Object.fromEntries(
      routes.map((route) => {
        const actions = route.rule
          ? Rules.find((rule) => rule.RuleArn === route.rule)?.Actions
          : Listeners.find((listener) => listener.ListenerArn === route.listener)?.DefaultActions;
        return [routeKey(route), forwardOf(actions ?? [])];
      }),
    );
  });
  const targetGroup = (colour: Colour) =>
    read(`reading the ${colour} target group${targetGroupsOf(app, colour).length > 1 ? 's' : ''}`, async () => {
      await deps.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: targetGroupsOf(app, colour) }));
      return true as const;
    });
  const names = COLOURS.map((colour) => app.colours[colour].service);
  const described = read(`reading ECS services ${names.join(', ')} in cluster ${app.cluster}`, () =>
    deps.ecs.send(new DescribeServicesCommand({ cluster: app.cluster, services: names })),
  );
  const alarms = read(`reading the alarms ${app.gates.alarms.join(', ')}`, async () => {
    if (app.gates.alarms.length === 0) return {};
    const { MetricAlarms = [], CompositeAlarms = [] } = await deps.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: app.gates.alarms, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    return Object.fromEntries([...MetricAlarms, ...CompositeAlarms].map((alarm) => [alarm.AlarmName ?? '', alarm.StateValue ?? '']));
  });
  const deployment = read('reading the app’s deployment in the state table', () => deps.store.get(app.name));
  const bus = read(`reading event bus ${deps.busName}`, async () => {
    await deps.events.send(new DescribeEventBusCommand({ Name: deps.busName }));
    return true as const;
  });

  const servicesRead = await described;
  const services = Object.fromEntries(
    COLOURS.map((colour): [Colour, Read<ServiceRead>] => {
      if ('error' in servicesRead) return [colour, servicesRead];
      const name = app.colours[colour].service;
      const service = servicesRead.ok.services?.find((s) => s.serviceName === name);
      if (!service) {
        const why = servicesRead.ok.failures?.find((f) => f.arn?.endsWith(`/${name}`))?.reason ?? 'MISSING';
        return [colour, { error: `ECS service ${name} (${colour}) does not exist in cluster ${app.cluster} (${why})` }];
      }
      return [
        colour,
        { ok: { status: service.status ?? '', desiredCount: service.desiredCount ?? 0, taskDefinition: service.taskDefinition ?? '' } },
      ];
    }),
  ) as Record<Colour, Read<ServiceRead>>;

  const forwardRead = await forward;
  const live = 'ok' in forwardRead ? liveColourOfRoutes(forwardRead.ok, { ...app, routes }) : undefined;
  const liveService = live && 'live' in live ? services[live.live] : undefined;
  return {
    forward: forwardRead,
    targetGroups: { blue: await targetGroup('blue'), green: await targetGroup('green') },
    services,
    alarms: await alarms,
    revision: await revisionToDeploy(app, request, liveService, deps),
    deployment: await deployment,
    bus: await bus,
  };
}

/** The revision named, or the one images would make of the live service's (as shift-traffic would register it). */
async function revisionToDeploy(
  app: AppSpec,
  request: DryRunRequest,
  liveService: Read<ServiceRead> | undefined,
  deps: DryRunDeps,
): Promise<Read<RevisionFacts> | undefined> {
  if (requestRefusal(app, request.taskDefinition, request.images)) return undefined;
  const describe = (taskDefinition: string) =>
    read(`reading task definition ${taskDefinition}`, async () => {
      const { taskDefinition: found } = await deps.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
      if (!found) throw new Error('not found');
      return found;
    });
  if (request.taskDefinition) {
    const named = await describe(request.taskDefinition);
    return 'error' in named ? named : { ok: revisionFacts(named.ok) };
  }
  const images = request.images;
  if (!images) return undefined;
  if (!liveService || 'error' in liveService) {
    return { error: 'the live service could not be read: the revision its images would make is not known' };
  }
  const base = await describe(liveService.ok.taskDefinition);
  if ('error' in base) return base;
  const containers = base.ok.containerDefinitions ?? [];
  const unknown = Object.keys(images).filter((name) => !containers.some((container) => container.name === name));
  if (unknown.length > 0) {
    const has = containers.map((container) => container.name).join(', ') || 'none';
    return {
      error: `the live task definition ${base.ok.family}:${base.ok.revision} has no container named ${unknown.join(', ')} (it has ${has})`,
    };
  }
  const facts = revisionFacts({
    ...base.ok,
    containerDefinitions: containers.map((container) => ({ ...container, image: images[container.name ?? ''] ?? container.image })),
  });
  return { ok: { ...facts, name: `the revision of ${base.ok.family}:${base.ok.revision} with the requested images` } };
}

// ── The command ──

export interface DryRunOptions extends DryRunRequest {
  json?: boolean | undefined;
}

/** Exit 0 when nothing stands in the way of the deployment, 1 with every problem found; nothing is requested or changed. */
export async function dryRunCommand(app: AppSpec, options: DryRunOptions, deps: DryRunDeps): Promise<number> {
  const { io } = deps;
  const facts = await readDryRunFacts(app, options, deps);
  const checks = dryRunChecks(app, options, facts);
  const problems = checks.filter((check) => check.status === 'problem');
  if (options.json) {
    io.out(
      JSON.stringify(
        {
          type: 'dry-run',
          app: app.name,
          ok: problems.length === 0,
          plan: dryRunPlan(app),
          checks,
          problems: problems.map((check) => `${check.name}: ${check.detail}`),
        },
        null,
        2,
      ),
    );
    return problems.length === 0 ? EXIT.ok : EXIT.failed;
  }
  io.out(`${app.name}: dry run of a deployment (nothing is requested or changed)`);
  for (const line of planLines(app)) io.out(line);
  io.out('checks:');
  const width = Math.max(...checks.map((check) => check.name.length));
  for (const check of checks) io.out(`  ${check.status.padEnd(7)}  ${check.name.padEnd(width)}  ${forTerminal(check.detail)}`);
  if (problems.length === 0) {
    io.out(`${app.name}: no problem found; nothing was requested or changed`);
    return EXIT.ok;
  }
  io.err(`${app.name}: ${problems.length} problem${problems.length === 1 ? '' : 's'} found; nothing was requested or changed:`);
  for (const check of problems) io.err(`  ${check.name}: ${forTerminal(check.detail)}`);
  return EXIT.failed;
}
