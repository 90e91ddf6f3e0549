/** Builders of the bus events notify receives, shaped as the functions that publish them shape them. */

import type { JobRunAlertDetail } from '../../shared/alerts/render.ts';
import type { AlertBlock } from '../../shared/events/alert.ts';
import type {
  CrashLoopDetail,
  ServiceTaskStoppedDetail,
  StoppedTaskSummary,
  WatchedTaskStoppedDetail,
} from '../../shared/events/stopped-task-events.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`;

/** A task of service web that the kernel killed for using more memory than its limit. */
export function oomStop(fields: Partial<StoppedTaskSummary> = {}): StoppedTaskSummary {
  const taskId = fields.taskId ?? '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
  return {
    eventId: 'ecs-event-1',
    account: ACCOUNT,
    region: REGION,
    eventTime: '2026-11-22T02:00:05Z',
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/${taskId}`,
    taskId,
    clusterArn: CLUSTER_ARN,
    clusterName: 'prod',
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:42`,
    family: 'web',
    revision: 42,
    group: 'service:web',
    service: 'web',
    startedBy: 'ecs-svc/1234567890',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [
      {
        name: 'app',
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
        lastStatus: 'STOPPED',
        image: 'web:1.4.2',
      },
      { name: 'log-router', exitCode: 0, reason: undefined, lastStatus: 'STOPPED', image: 'fluent-bit:3' },
    ],
    launchType: 'FARGATE',
    capacityProviderName: 'FARGATE',
    availabilityZone: 'eu-west-1b',
    createdAt: '2026-11-22T01:58:00Z',
    startedAt: '2026-11-22T01:58:30Z',
    stoppingAt: '2026-11-22T02:00:01Z',
    stoppedAt: '2026-11-22T02:00:04Z',
    version: 5,
    isSpotNotice: false,
    classification: { category: 'out-of-memory', because: 'container app was killed for using more memory than its limit (exit code 137)' },
    advice: {
      likelyCause: 'The application needs more memory than the task definition gives it, or it leaks memory.',
      nextSteps: [
        'Raise the memory limit of container app (or of the task) in a new task definition revision',
        'Look for a leak in the memory graph',
      ],
    },
    consoleUrl: `https://${REGION}.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/${taskId}/configuration?region=${REGION}`,
    logs: [
      {
        container: 'app',
        logGroup: '/ecs/web',
        logStream: `app/app/${taskId}`,
        url: `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/app$252Fapp$252F${taskId}`,
      },
    ],
    ...fields,
  };
}

export function serviceAlert(fields: Partial<AlertBlock> = {}): AlertBlock {
  return { cluster: 'prod', subject: { kind: 'service', name: 'web' }, category: 'out-of-memory', severity: 'critical', ...fields };
}

export function serviceTaskStopped(fields: Partial<ServiceTaskStoppedDetail> = {}): ServiceTaskStoppedDetail {
  return { service: 'web', cluster: 'prod', stop: oomStop(), counted: true, stopsInWindow: 3, alert: serviceAlert(), ...fields };
}

export function crashLoop(fields: Partial<CrashLoopDetail> = {}): CrashLoopDetail {
  return {
    subject: { kind: 'watched-task', name: 'ingest' },
    cluster: 'prod',
    stops: 6,
    windowSeconds: 900,
    dominantCategory: 'out-of-memory',
    categories: { 'out-of-memory': 5, 'app-error': 1 },
    action: 'restarts-paused',
    lastStop: oomStop({ group: 'family:ingest', service: undefined }),
    resumeWith: 'npx ecs-autopilot resume ingest',
    pausedAt: '2026-11-22T02:00:06.000Z',
    alert: { cluster: 'prod', subject: { kind: 'watched-task', name: 'ingest' }, category: 'crash-loop', severity: 'critical' },
    ...fields,
  };
}

export function watchedTaskStopped(fields: Partial<WatchedTaskStoppedDetail> = {}): WatchedTaskStoppedDetail {
  return {
    watchedTask: 'ingest',
    stop: oomStop({ group: 'family:ingest', service: undefined }),
    decision: { kind: 'restart', delaySeconds: 20, restartAt: '2026-11-22T02:00:25.000Z' },
    alert: { cluster: 'prod', subject: { kind: 'watched-task', name: 'ingest' }, category: 'out-of-memory', severity: 'warning' },
    ...fields,
  };
}

/** The last attempt of nightly-report, whose task ran out of memory: no retry left, a person must hear of it. */
export function jobRunFailed(fields: Partial<JobRunAlertDetail & { alert: AlertBlock }> = {}): JobRunAlertDetail & { alert: AlertBlock } {
  return {
    job: 'nightly-report',
    scheduledTime: '2026-11-22T02:00:00.000Z',
    attempt: 3,
    status: 'failed',
    reason: 'app exited 137 (OutOfMemoryError: Container killed due to memory usage)',
    cluster: 'batch',
    taskDefinition: 'nightly-report:7',
    taskArns: [oomStop().taskArn],
    receivedAt: '2026-11-22T02:00:01.000Z',
    updatedAt: '2026-11-22T02:10:00.000Z',
    launchedAt: '2026-11-22T02:00:02.000Z',
    endedAt: '2026-11-22T02:10:00.000Z',
    runtime: '9m58s',
    stop: oomStop({ group: 'family:nightly-report', family: 'nightly-report', revision: 7, clusterName: 'batch' }),
    category: 'out-of-memory',
    retry: { willRetry: false, because: 'attempt 3 of 3: no attempts left' },
    alert: {
      cluster: 'batch',
      subject: { kind: 'job', name: 'nightly-report' },
      category: 'job-failing',
      severity: 'critical',
      resolvedBy: 'resolving-event',
    },
    ...fields,
  };
}

/** A blue/green deployment of shop that a gate alarm rolled back, as shift-traffic announces it. */
export function deploymentRolledBack(fields: Record<string, unknown> = {}) {
  return {
    app: 'shop',
    deploymentId: 'shop-20261122T020000-ab12',
    cluster: 'web',
    stage: 'rolled-back',
    from: 'blue',
    to: 'green',
    fromService: 'shop-blue',
    toService: 'shop-green',
    taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop:42',
    newPercent: 0,
    step: 1,
    steps: 2,
    strategy: 'canary',
    requestedBy: 'ci',
    weights: [
      { at: '2026-11-22T02:04:00.000Z', newPercent: 10, why: 'step 1 of 2' },
      { at: '2026-11-22T02:06:00.000Z', newPercent: 0, why: 'rolled back' },
    ],
    reason: 'alarm shop-5xx entered ALARM (Threshold Crossed)',
    alert: { cluster: 'web', subject: { kind: 'app', name: 'shop' }, category: 'deployment-rolled-back', severity: 'warning' },
    ...fields,
  };
}

/** A restart of watched task queue-worker that RunTask refused, as on-task-stopped announces it. */
export function watchedTaskRestartFailed(fields: Record<string, unknown> = {}) {
  return {
    watchedTask: 'queue-worker',
    cluster: 'prod',
    taskDefinition: 'queue-worker:3',
    replacing: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/0f1e',
    tries: 1,
    reason: 'RunTask was refused: AccessDeniedException: not authorized to perform ecs:RunTask',
    nextStep: 'Allow ecs:RunTask on queue-worker in the on-task-stopped role, then run npx ecs-autopilot resume queue-worker',
    alert: { cluster: 'prod', subject: { kind: 'watched-task', name: 'queue-worker' }, category: 'launch-failed', severity: 'critical' },
    ...fields,
  };
}

/** A scaling change of service web that could not be made, as scale-service announces it. */
export function serviceScalingFailed(fields: Record<string, unknown> = {}) {
  return {
    serviceKey: 'web',
    service: 'web',
    cluster: 'prod',
    reason: 'the scalable target of web could not be registered — check the role',
    nextStep: 'check the role',
    alert: serviceAlert({ category: 'scaling-failed' }),
    ...fields,
  };
}

/** The EventBridge event notify receives for `detail`, as the alerts rule delivers it. */
export function busEvent(detailType: string, detail: object, fields: { id?: string; time?: string } = {}) {
  return {
    version: '0',
    id: fields.id ?? 'b7e3c9a0-0000-4000-8000-000000000001',
    'detail-type': detailType,
    source: 'ecs-autopilot',
    account: ACCOUNT,
    time: fields.time ?? '2026-11-22T02:00:06Z',
    region: REGION,
    resources: [],
    detail,
  };
}
