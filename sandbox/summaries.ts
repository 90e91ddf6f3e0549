/**
 * What the report says happened, read back after the run: per job from the run history the handlers
 * wrote, per watched task and scaled service from the bus and the state they keep, per deployment from
 * shift-traffic's state, per app from the emulator's listeners and services.
 */
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand, DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { forwardOf } from '../shared/blue-green/forward.ts';
import { COLOURS, type Deployment } from '../shared/blue-green/model.ts';
import { clusterNameOf } from '../shared/config/cluster.ts';
import type { ServiceWatch } from '../shared/config/schema.ts';
import { formatLocal } from '../shared/config/time-zone.ts';
import { SCALING_DETAIL_TYPES } from '../shared/events/scaling-events.ts';
import { STOPPED_TASK_DETAIL_TYPES } from '../shared/events/stopped-task-events.ts';
import { rootsOf } from '../shared/jobs/chains.ts';
import type { RunRecord } from '../shared/jobs/run-record.ts';
import type { Simulation } from './simulation.ts';
import type { AppSummary, DeploymentSummary, JobSummary, ServiceScalingSummary, WatchedTaskSummary } from './timeline.ts';

/** Per job, from the run history the handlers wrote. */
export async function jobSummaries(sim: Simulation): Promise<JobSummary[]> {
  const rows: JobSummary[] = [];
  for (const job of Object.values(sim.automation.jobs)) {
    // A chained job runs (or is skipped) once per firing of the job its chain starts from.
    const [root = job.name] = rootsOf(job.name, sim.automation.jobs);
    const firings = sim.plan.firingsByJob.get(root)?.length ?? 0;
    const runs = job.suspended ? [] : await sim.runtime.runs.list(job.name, firings * job.retry.attempts + 10);
    const count = (status: RunRecord['status']) => runs.filter((run) => run.status === status).length;
    const failed = runs.filter((run) => run.status === 'failed');
    rows.push({
      job: job.name,
      schedule: job.schedule,
      timeZone: job.timezone,
      suspended: job.suspended,
      firings,
      launched: runs.filter((run) => run.launchedAt !== undefined).length,
      retries: failed.filter((run) => run.retry?.willRetry).length,
      skipped: count('skipped'),
      missed: count('missed'),
      failed: failed.filter((run) => !run.retry?.willRetry).length,
      timedOut: count('timed-out'),
      replaced: count('replaced'),
      succeeded: count('succeeded'),
      open: count('launched'),
      runs: runs
        .map(({ scheduledTime, attempt, status, reason, category, retry, capacityProvider, taskArns, launchedAt, endedAt, ...run }) => ({
          scheduledTime,
          attempt,
          status,
          reason,
          category,
          retry,
          capacityProvider,
          taskArns,
          launchedAt,
          endedAt,
          ...(run.manualId !== undefined && { manualId: run.manualId }),
          ...(run.catchUp && { catchUp: run.catchUp }),
          ...(run.skippedFor && { skippedFor: run.skippedFor }),
        }))
        .reverse(),
    });
  }
  return rows;
}

/** Per watched task, from the events on the bus and the watch state on-task-stopped keeps. */
export async function watchedTaskSummaries(sim: Simulation): Promise<WatchedTaskSummary[]> {
  const rows: WatchedTaskSummary[] = [];
  for (const spec of Object.values(sim.automation.watchedTasks)) {
    const about = (type: string) => sim.events.filter((e) => e['detail-type'] === type && e.detail.watchedTask === spec.name);
    const state = await sim.stopRuntime.watches.get(spec.name);
    const paused = state?.paused;
    rows.push({
      watchedTask: spec.name,
      cluster: spec.cluster,
      stops: about(STOPPED_TASK_DETAIL_TYPES.watchedTaskStopped).filter((e) => !(e.detail.stop as { isSpotNotice?: boolean }).isSpotNotice)
        .length,
      restarts: about(STOPPED_TASK_DETAIL_TYPES.watchedTaskRestarted).length,
      paused: paused && { at: paused.at, local: formatLocal(new Date(paused.at), sim.plan.scenarioZone), reason: paused.reason },
    });
  }
  return rows;
}

/** Per scaled service, from the events on the bus and the service as ECS and Application Auto Scaling have it at the end. */
export async function serviceScalingSummaries(sim: Simulation): Promise<ServiceScalingSummary[]> {
  const rows: ServiceScalingSummary[] = [];
  for (const [key, watch] of Object.entries(sim.automation.services)) {
    if (!watch.scaling) continue;
    const count = (type: string) => sim.events.filter((e) => e['detail-type'] === type && e.detail.serviceKey === key).length;
    const shape = await shapeOf(sim, watch);
    rows.push({
      serviceKey: key,
      cluster: clusterNameOf(watch.cluster),
      timeZone: watch.scaling.timezone,
      changes: count(SCALING_DETAIL_TYPES.scaled),
      deferrals: count(SCALING_DETAIL_TYPES.deferred),
      failures: count(SCALING_DETAIL_TYPES.failed),
      ...shape,
    });
  }
  return rows;
}

async function shapeOf(sim: Simulation, watch: ServiceWatch): Promise<Pick<ServiceScalingSummary, 'desiredCount' | 'bounds'>> {
  const { ecs, autoScaling } = sim.scalingRuntime;
  const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: watch.cluster, services: [watch.service] }));
  const { ScalableTargets = [] } = await autoScaling.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: 'ecs',
      ResourceIds: [`service/${clusterNameOf(watch.cluster)}/${watch.service}`],
    }),
  );
  const target = ScalableTargets[0];
  return {
    desiredCount: services.find((service) => service.status === 'ACTIVE')?.desiredCount,
    bounds: target && { min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? 0 },
  };
}

/** Per deployment the scenario requested, as shift-traffic left it in the state table (or its rejection). */
export async function deploymentSummaries(sim: Simulation): Promise<DeploymentSummary[]> {
  const zone = sim.plan.scenarioZone;
  const local = (at: string) => formatLocal(new Date(at), zone);
  const known = new Map<string, Deployment[]>();
  const rows: DeploymentSummary[] = [];
  for (const request of sim.deployments.requests) {
    let deployments = known.get(request.app);
    if (!deployments) {
      const current = await sim.shiftRuntime.deployments.get(request.app);
      deployments = [...(current ? [current] : []), ...(await sim.shiftRuntime.deployments.history(request.app, 100))];
      known.set(request.app, deployments);
    }
    const requestedAt = request.requestedAt.toISOString();
    const common = { app: request.app, id: request.id, requestedAt, local: local(requestedAt) };
    const deployment = deployments.find((d) => d.id === request.id);
    if (!deployment) {
      const rejection = await sim.shiftRuntime.rejections.get(request.app, request.id);
      rows.push({
        ...common,
        fromService: undefined,
        toService: undefined,
        taskDefinition: undefined,
        images: undefined,
        stage: rejection ? 'rejected' : 'never started',
        outcome: rejection && { status: 'rejected', reason: rejection.reason, at: rejection.at, local: local(rejection.at) },
        weights: [],
      });
      continue;
    }
    const app = sim.automation.apps[request.app];
    const { outcome } = deployment;
    rows.push({
      ...common,
      fromService: deployment.from && app?.colours[deployment.from].service,
      toService: deployment.to && app?.colours[deployment.to].service,
      taskDefinition: deployment.taskDefinition,
      images: deployment.images,
      stage: deployment.stage,
      outcome: outcome && { ...outcome, local: local(outcome.at) },
      weights: deployment.weights.map(({ at, newPercent, why }) => ({ at, local: local(at), newPercent, why })),
    });
  }
  return rows;
}

/** Per app, read back from the emulator: the forward action's split and the two services. */
export async function appSummaries(sim: Simulation): Promise<AppSummary[]> {
  const { elb, ecs } = sim.shiftRuntime;
  const rows: AppSummary[] = [];
  for (const app of Object.values(sim.automation.apps)) {
    const actions = app.rule
      ? (await elb.send(new DescribeRulesCommand({ RuleArns: [app.rule] }))).Rules?.[0]?.Actions
      : (await elb.send(new DescribeListenersCommand({ ListenerArns: [app.listener] }))).Listeners?.[0]?.DefaultActions;
    const { targetGroups } = forwardOf(actions ?? []);
    const total = targetGroups.reduce((sum, group) => sum + group.weight, 0);
    const names = COLOURS.map((colour) => app.colours[colour].service);
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: app.cluster, services: names }));
    rows.push({
      app: app.name,
      colours: COLOURS.map((colour) => {
        const { service, targetGroup } = app.colours[colour];
        const weight = targetGroups.find((group) => group.arn === targetGroup)?.weight;
        const found = services.find((s) => s.serviceName === service && s.status === 'ACTIVE');
        return {
          colour,
          service,
          percent: weight === undefined ? undefined : total > 0 ? Math.round((weight / total) * 100) : 0,
          desiredCount: found?.desiredCount,
          taskDefinition: found?.taskDefinition,
        };
      }),
    });
  }
  return rows;
}
