/**
 * A scenario's blue/green injections, carried out: an operator's `promote` and `abort` (the CLI's own
 * commands, their requests put on the bus), what CloudWatch has for a gate's metric, a colour's targets
 * failing their health checks, a person changing the listener by hand, ECS's circuit breaker rolling the
 * new colour back, and autoscaling answering load on a colour. shift-traffic finds each as it would in AWS:
 * from its requests, its reads at the next watchdog tick, or the ECS event.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { abortCommand, promoteCommand } from '../cli/deploy.ts';
import { loadBalancerDimension, namespaceOf, targetGroupDimension } from '../shared/blue-green/apply.ts';
import { actionsWithWeights, describeSplit, forwardOf } from '../shared/blue-green/forward.ts';
import { type AppSpec, COLOURS, type Colour, type ForwardSnapshot, isFinal } from '../shared/blue-green/model.ts';
import { clusterNameOf } from '../shared/config/cluster.ts';
import { formatDuration } from '../shared/config/duration.ts';
import { emulatorResourceNames } from './deployed-rules.ts';
import type { COLOUR_CHOICES, InjectionOfKind } from './scenario.ts';
import { setTargetHealth } from './seed.ts';
import { ecsServiceActionEvent } from './service-action-events.ts';
import { SCENARIO_OPERATOR } from './silences.ts';
import type { Simulation } from './simulation.ts';

/** ECS's reason when its circuit breaker fails a deployment, as the ECS Developer Guide shows it. */
const CIRCUIT_BREAKER_REASON = 'ECS deployment circuit breaker: task failed to start.';

type ColourChoice = (typeof COLOUR_CHOICES)[number];

/** `promote <app>` or `abort <app> [--reason]` as an operator runs it: the CLI's code puts the request on the bus. */
export async function deploymentCommandOnCue(sim: Simulation, injection: InjectionOfKind<'promote' | 'abort'>): Promise<void> {
  const said: string[] = [];
  const io = { out: (line: string) => said.push(line), err: (line: string) => said.push(line) };
  const deps = {
    bus: sim.shiftRuntime.bus,
    store: sim.shiftRuntime.deployments,
    io,
    now: () => sim.clock.now(),
    caller: SCENARIO_OPERATOR,
  };
  const options = { app: injection.app, automation: sim.automation };
  const exitCode =
    injection.kind === 'promote' ? await promoteCommand(options, deps) : await abortCommand({ ...options, reason: injection.reason }, deps);
  const reason = injection.kind === 'abort' && injection.reason ? ` --reason ${JSON.stringify(injection.reason)}` : '';
  const command = `ecs-autopilot ${injection.kind} ${injection.app}${reason}`;
  sim.add({
    timeZone: sim.plan.scenarioZone,
    subject: injection.app,
    what: 'operator-command',
    label: exitCode === 0 ? injection.kind : `${injection.kind} refused`,
    detail: `an operator runs \`${command}\`: ${said.join(' ') || '(no output)'}`,
    source: 'scenario',
  });
}

/** One minute's datapoint of a metric-values entry, for the colour's target group as ELB publishes it. */
export async function putMetricValueOnCue(
  sim: Simulation,
  injection: InjectionOfKind<'metric-values'>,
  entry: number,
  minute: number,
): Promise<void> {
  const app = appSpec(sim, injection.app);
  const check = app.gates.metrics.find((c) => c.name === injection.check);
  const id = injection.metric ?? Object.keys(check?.queries ?? {})[0] ?? '';
  const query = check?.queries[id];
  const point = injection.values[entry];
  if (!query || !point) return;
  const colour = await colourOf(sim, app, injection.colour);
  const dimensions = {
    TargetGroup: targetGroupDimension(app.colours[colour].targetGroup),
    LoadBalancer: loadBalancerDimension(app.listener),
    ...query.dimensions,
  };
  const put = await sim.invoke({ subject: app.name, handler: 'PutMetricData', during: `for ${injection.check}` }, () =>
    sim.shiftRuntime.cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: query.namespace ?? (app.routes[0] ? namespaceOf(app.routes[0]) : 'AWS/ApplicationELB'),
        MetricData: [
          {
            MetricName: query.metric,
            Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
            Timestamp: sim.clock.now(),
            Value: point.value,
          },
        ],
      }),
    ),
  );
  if (!put || minute > 0) return;
  const held = point.for > 60 ? ` each minute for ${formatDuration(point.for)}` : '';
  sim.add({
    timeZone: sim.plan.scenarioZone,
    subject: app.name,
    what: 'metric-values',
    label: `metric ${id} = ${point.value}`,
    detail:
      `CloudWatch has ${query.metric} (${query.stat}) = ${point.value} for ${app.colours[colour].service}'s target group${held}` +
      ` (${injection.colour === colour ? colour : `the ${injection.colour} colour, ${colour}`}); metric check ${injection.check} reads it`,
    source: 'scenario',
  });
}

/** The colour each target-health injection made fail: its recovery is that colour's, whatever `new` means by then. */
const failingColours = new WeakMap<InjectionOfKind<'target-health'>, Colour>();

/** A colour's targets fail their health checks (every one reports the state), or are healthy again. */
export async function targetHealthOnCue(
  sim: Simulation,
  injection: InjectionOfKind<'target-health'>,
  stage: 'fails' | 'recovers',
): Promise<void> {
  const app = appSpec(sim, injection.app);
  const colour = failingColours.get(injection) ?? (await colourOf(sim, app, injection.colour));
  failingColours.set(injection, colour);
  const state = stage === 'fails' ? injection.state : 'healthy';
  const set = await sim.invoke({ subject: app.name, handler: 'set-target-health (moto bridge)' }, () =>
    setTargetHealth(sim.world, app.colours[colour].targetGroup, state),
  );
  if (!set) return;
  const service = app.colours[colour].service;
  sim.add({
    timeZone: sim.plan.scenarioZone,
    subject: app.name,
    what: 'target-health',
    label: stage === 'fails' ? `targets ${state}` : 'targets healthy',
    detail:
      stage === 'fails'
        ? `every target of ${service} (${colour}) reports ${state} in DescribeTargetHealth${injection.until ? ` until ${injection.until}` : ''}`
        : `the targets of ${service} (${colour}) pass their health checks again`,
    source: 'scenario',
  });
}

/** A person writes other weights on the listener's (or rule's) forward action, keeping the rest of it as it is. */
export async function listenerChangeOnCue(sim: Simulation, injection: InjectionOfKind<'listener-change'>): Promise<void> {
  const app = appSpec(sim, injection.app);
  const changed = await sim.invoke(
    { subject: app.name, handler: app.rule ? 'ModifyRule' : 'ModifyListener', during: 'by hand' },
    async () => {
      const before = await forwardNow(sim, app);
      const weights = COLOURS.map((colour) => ({ arn: app.colours[colour].targetGroup, weight: injection.weights[colour] }));
      const actions = actionsWithWeights(before, weights);
      const { elb } = sim.shiftRuntime;
      if (app.rule) await elb.send(new ModifyRuleCommand({ RuleArn: app.rule, Actions: actions }));
      else await elb.send(new ModifyListenerCommand({ ListenerArn: app.listener, DefaultActions: actions }));
      // The app's first listener (or rule): the one `listener`/`rule` name.
      const [route] = app.routes;
      if (!route) throw new Error(`apps.${app.name} names no listener`);
      return { before: describeSplit(before.targetGroups, route), after: describeSplit(weights, route) };
    },
  );
  if (!changed) return;
  sim.add({
    timeZone: sim.plan.scenarioZone,
    subject: app.name,
    what: 'listener-changed',
    label: 'listener changed by hand',
    detail: `a person sets ${changed.result.after} on the ${app.rule ? "rule's" : "listener's"} forward action (it was ${changed.result.before})`,
    source: 'scenario',
  });
}

/**
 * ECS's circuit breaker gives up on the new colour's rollout: the service goes back to the task definition
 * it ran before the deployment (the bridge makes that the PRIMARY deployment, as ECS's rollback does), and
 * ECS reports SERVICE_DEPLOYMENT_FAILED on the default bus.
 */
export async function circuitBreakerOnCue(sim: Simulation, injection: InjectionOfKind<'circuit-breaker'>, index: number): Promise<void> {
  const app = appSpec(sim, injection.app);
  const d = await sim.shiftRuntime.deployments.get(app.name);
  const line = (label: string, detail: string) =>
    sim.add({ timeZone: sim.plan.scenarioZone, subject: app.name, what: 'circuit-breaker', label, detail, source: 'scenario' });
  if (!d || isFinal(d.stage) || !d.to || !d.toBefore) {
    line('circuit breaker: nothing to roll back', `no deployment of ${app.name} has updated a colour yet, so ECS has nothing to roll back`);
    return;
  }
  const service = app.colours[d.to].service;
  const cluster = clusterNameOf(app.cluster);
  const revertTo = d.toBefore.taskDefinition;
  const rolledBack = await sim.invoke({ subject: app.name, handler: 'UpdateService', during: "for ECS's circuit breaker" }, () =>
    sim.shiftRuntime.ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition: revertTo })),
  );
  if (!rolledBack) return;
  const reason = injection.reason ?? CIRCUIT_BREAKER_REASON;
  line(
    'ECS circuit breaker',
    `ECS's circuit breaker fails ${service}'s rollout of ${revisionOf(d.taskDefinition)} and rolls it back to ${revisionOf(revertTo)}; ` +
      `ECS reports SERVICE_DEPLOYMENT_FAILED (${reason})`,
  );
  const names = emulatorResourceNames(sim.world.busArn);
  const event = ecsServiceActionEvent({
    serviceArn: names.service(app.cluster, service),
    clusterArn: names.cluster(app.cluster),
    eventName: 'SERVICE_DEPLOYMENT_FAILED',
    reason,
    deploymentId: `ecs-svc/${9_100_000_000_000_000_000n + BigInt(index)}`,
    at: sim.clock.now(),
  });
  await sim.deliverEvent(event, 'default', { subject: app.name, during: "on ECS's SERVICE_DEPLOYMENT_FAILED" });
}

/** Autoscaling answers load: the colour's service gets the count target tracking would set (UpdateService, as Application Auto Scaling calls it). */
export async function autoscalingOnCue(sim: Simulation, injection: InjectionOfKind<'autoscaling'>): Promise<void> {
  const app = appSpec(sim, injection.app);
  const colour = await colourOf(sim, app, injection.colour);
  const service = app.colours[colour].service;
  const cluster = clusterNameOf(app.cluster);
  const scaled = await sim.invoke({ subject: app.name, handler: 'UpdateService', during: 'for autoscaling' }, async () => {
    const { services = [] } = await sim.shiftRuntime.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    await sim.shiftRuntime.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: injection.desiredCount }));
    return services[0]?.desiredCount;
  });
  if (!scaled) return;
  sim.add({
    timeZone: sim.plan.scenarioZone,
    subject: app.name,
    what: 'autoscaling',
    label: `autoscaling: ${scaled.result ?? '?'} → ${injection.desiredCount}`,
    detail: `autoscaling sets ${service} (${colour}) to ${injection.desiredCount} tasks, as target tracking answers the load (it had ${scaled.result ?? '?'})`,
    source: 'scenario',
  });
}

function appSpec(sim: Simulation, name: string): AppSpec {
  const app = sim.automation.apps[name];
  // The scenario was checked against the automation file: every app it names is there.
  if (!app) throw new Error(`no app ${name} in the automation`);
  return app;
}

/**
 * The colour a choice names now: `new` and `live` are the deployment's colours while one is under way;
 * otherwise `live` has the most weight on the listener and `new` is the other one.
 */
async function colourOf(sim: Simulation, app: AppSpec, choice: ColourChoice): Promise<Colour> {
  if (choice === 'blue' || choice === 'green') return choice;
  const d = await sim.shiftRuntime.deployments.get(app.name);
  if (d && !isFinal(d.stage) && d.from && d.to) return choice === 'new' ? d.to : d.from;
  const { targetGroups } = await forwardNow(sim, app);
  const weightOf = (colour: Colour) => targetGroups.find((tg) => tg.arn === app.colours[colour].targetGroup)?.weight ?? 0;
  const live: Colour = weightOf('green') > weightOf('blue') ? 'green' : 'blue';
  return choice === 'live' ? live : live === 'blue' ? 'green' : 'blue';
}

async function forwardNow(sim: Simulation, app: AppSpec): Promise<ForwardSnapshot> {
  const { elb } = sim.shiftRuntime;
  const actions = app.rule
    ? (await elb.send(new DescribeRulesCommand({ RuleArns: [app.rule] }))).Rules?.[0]?.Actions
    : (await elb.send(new DescribeListenersCommand({ ListenerArns: [app.listener] }))).Listeners?.[0]?.DefaultActions;
  return forwardOf(actions ?? []);
}

/** `shop:3` from a task definition ARN. */
const revisionOf = (taskDefinition: string | undefined) => taskDefinition?.split('/').pop() ?? '?';
