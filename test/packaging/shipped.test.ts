/**
 * What ships works (issue 16 §4): one `serverless package` serves both checks.
 *
 * - Permissions: the AWS calls the functions make in the bench's actions and a few more paths
 *   (test/packaging/recorded-calls.ts) are each simulated, as the IAM requests they make
 *   (test/packaging/iam-requests.ts), against the role their function has in the packaged template
 *   (test/packaging/permission-check.ts). Any denial fails, naming the call.
 * - The artifact: function zips are unpacked and their handlers loaded on Node 24 in a child process,
 *   with the environment the template gives each function, and invoked against moto
 *   (test/packaging/artifact.ts): a job firing, its task's stop, a scaling change, a deployment request,
 *   an alert event and the watchdog's tick.
 *
 * Two moto servers: the artifact's world, seeded before packaging and kept, and the recording's, reset
 * for each action. moto invents load balancer ARNs, so the packaged file is the fixture with its app's
 * listener and target group ARNs replaced by those moto created in the artifact's world: the packaged
 * handlers then find them, and the packaged role names them. The recorded calls use the bench's own
 * moto ARNs, mapped back to the fixture's (recorded-calls.ts) and on to the packaged ones.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { DescribeListenersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../bench/aws-call-actions.ts';
import {
  EMULATOR_ACCOUNT,
  EMULATOR_REGION,
  type Emulator,
  emulatorClientConfig,
  startEmulator,
  stopTaskAs,
} from '../../sandbox/emulator.ts';
import { drainPublishedEvents, type SandboxWorld, seedApps, seedSandbox, seedServices } from '../../sandbox/seed.ts';
import { taskStateChangeEvent } from '../../sandbox/task-events.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import type { AppSpec } from '../../shared/blue-green/model.ts';
import { loadAutomationFile } from '../../shared/config/load.ts';
import type { Automation } from '../../shared/config/schema.ts';
import { busEvent, oomStop, serviceTaskStopped } from '../helpers/alert-events.ts';
import { invokePackaged, type PackagedFunction, unpackFunction } from './artifact.ts';
import { iamRequestsOf, UnmappedCall } from './iam-requests.ts';
import { checkPermissions, describeDenial } from './permission-check.ts';
import {
  arnsReplaced,
  RECORDED_ACTIONS,
  type RecordedCall,
  type Recording,
  recordFunctionCalls,
  STACK_FUNCTIONS,
} from './recorded-calls.ts';
import { generatedTemplate } from './recorded-permissions.ts';
import { functionOfStack, type Packaged, packageStack, physicalNames } from './shipped-stack.ts';

const FIXTURE = 'test/packaging/fixtures/shipped-automation.yml';
/** Every command the functions' code sends (grep -o 'new [A-Za-z]*Command(' shared functions, by client): all are recorded. */
const COMMANDS_SENT = [
  'ApplicationAutoScaling DescribeScalableTargets',
  'ApplicationAutoScaling RegisterScalableTarget',
  'CloudWatch DescribeAlarms',
  'CloudWatch GetMetricData',
  'DynamoDBDocument BatchGet',
  'DynamoDBDocument Get',
  'DynamoDBDocument Put',
  'DynamoDBDocument Query',
  'DynamoDBDocument TransactWrite',
  'DynamoDBDocument Update',
  'ECS DescribeServices',
  'ECS DescribeTaskDefinition',
  'ECS DescribeTasks',
  'ECS ListTasks',
  'ECS RegisterTaskDefinition',
  'ECS RunTask',
  'ECS StopTask',
  'ECS UpdateService',
  'ElasticLoadBalancingV2 DescribeListeners',
  'ElasticLoadBalancingV2 DescribeRules',
  'ElasticLoadBalancingV2 DescribeTargetHealth',
  'ElasticLoadBalancingV2 ModifyListener',
  'ElasticLoadBalancingV2 ModifyRule',
  'EventBridge PutEvents',
  'SNS Publish',
  'Scheduler CreateSchedule',
];
const PACKAGING_TIMEOUT = 180_000;

let packaged: Packaged;
/** The automation file packaged: the fixture with moto's ARNs. */
let packagedFile: string;
let recording: Recording;
/** The fixture's ARNs → the ARNs moto created for them in the artifact's world (and packaged). */
let packagedArns: Record<string, string>;
const artifact = {} as { emulator: Emulator; world: SandboxWorld; automation: Automation };
let recordingEmulator: Emulator;

/** Seeds the artifact's world from the fixture and writes the fixture with moto's ARNs for packaging. */
async function seedArtifactWorld(): Promise<string> {
  const configured = loadAutomationFile(FIXTURE);
  artifact.world = await seedSandbox(artifact.emulator, configured, { stage: 'test' });
  await seedServices(artifact.world, configured, { api: { desiredCount: 1, bounds: { min: 1, max: 10 } } });
  artifact.automation = (await seedApps(artifact.world, configured)).automation;
  packagedArns = Object.fromEntries(
    Object.entries(arnsReplaced(configured, artifact.automation)).map(([moto, fixture]) => [fixture, moto]),
  );
  let text = readFileSync(FIXTURE, 'utf8');
  for (const [fixture, moto] of Object.entries(packagedArns)) text = text.split(fixture).join(moto);
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'ecs-autopilot-fixture-')), 'automation.yml');
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  [artifact.emulator, recordingEmulator] = await Promise.all([startEmulator(), startEmulator()]);
  packagedFile = await seedArtifactWorld();
  [packaged, recording] = await Promise.all([
    packageStack(packagedFile, PACKAGING_TIMEOUT - 20_000),
    recordFunctionCalls(recordingEmulator),
  ]);
}, PACKAGING_TIMEOUT);

afterAll(async () => {
  await Promise.all([artifact.emulator?.stop(), recordingEmulator?.stop()]);
});

/** The recorded calls with moto's ARNs mapped to the packaged ones (through the fixture's). */
const recordedCalls = (): RecordedCall[] =>
  recording.calls.map((call) => ({
    ...call,
    configuredArns: Object.fromEntries(
      Object.entries(call.configuredArns).map(([moto, fixture]) => [moto, packagedArns[fixture] ?? fixture]),
    ),
  }));

describe('permissions of the packaged roles', () => {
  it("allows every AWS call the functions make, each simulated against its own function's role", async () => {
    expect(physicalNames(packaged.template)).toEqual({
      StateTable: recording.world.tableName,
      EventBus: recording.world.busName,
      ScheduleGroup: recording.world.scheduleGroup,
      AlertTopic: recording.world.alertTopicArn.split(':').pop(),
    });
    const calls = recordedCalls();
    const report = await checkPermissions(calls, packaged.template, recording.world);
    const functions = new Set(calls.map((call) => call.function));
    console.log(
      `permissions: ${report.calls} calls (${report.requests} IAM requests) from ${functions.size} functions checked, ` +
        `${report.actions.length} actions covered, ${report.denied.length} denied\n  ${report.actions.join(', ')}`,
    );
    expect(report.denied.map(describeDenial)).toEqual([]);
    expect(functions).toEqual(new Set(STACK_FUNCTIONS));
    expect(new Set(calls.map((call) => `${call.service} ${call.command}`))).toEqual(new Set(COMMANDS_SENT));
  });

  it('denies a call outside the role: another cluster, another function, roles not meant to be passed (to Scheduler, to ECS)', async () => {
    const calls = recordedCalls();
    const launch = calls.find((c) => c.function === 'run-batch-job' && c.command === 'RunTask') as RecordedCall;
    const publish = calls.find((c) => c.function === 'notify' && c.command === 'Publish') as RecordedCall;
    const timer = calls.find((c) => c.command === 'CreateSchedule') as RecordedCall;
    const input = (call: RecordedCall) => call.input as Record<string, unknown>;
    const outside: RecordedCall[] = [
      { ...launch, input: { ...input(launch), cluster: 'bench-shop' } },
      { ...publish, function: 'run-batch-job' },
      {
        ...timer,
        input: { ...input(timer), Target: { ...(input(timer).Target as object), RoleArn: 'arn:aws:iam::123456789012:role/admin' } },
      },
      { ...launch, taskDefinitionRoles: ['arn:aws:iam::123456789012:role/admin'] },
    ];
    const report = await checkPermissions(outside, packaged.template, recording.world);
    expect(report.denied.map((v) => `${v.request.action} ${v.result}`)).toEqual([
      'ecs:RunTask ImplicitlyDenied',
      'sns:Publish ImplicitlyDenied',
      'iam:PassRole ImplicitlyDenied',
      'iam:PassRole ImplicitlyDenied',
    ]);
  });

  it("refuses a recording whose invocation names another function than the handler on its calls' stacks", async () => {
    const firing = RECORDED_ACTIONS[0] as Action;
    const mislabelled: Action = {
      ...firing,
      play: (w, counted) => firing.play(w, (label, invocation) => counted(label.replace('run-batch-job', 'notify'), invocation)),
    };
    await expect(recordFunctionCalls(recordingEmulator, [mislabelled])).rejects.toThrow(/run-batch-job function's handler, not notify's/);
  });

  it("gives each function the role the stack generator makes of the file, which the integration and fault tests' calls are checked against", () => {
    const generated = generatedTemplate(loadAutomationFile(packagedFile), 'test');
    for (const name of STACK_FUNCTIONS) {
      const { roleLogicalId, policies } = functionOfStack(packaged.template, name);
      expect(functionOfStack(generated, name), name).toMatchObject({ roleLogicalId, policies });
      expect(generated.Resources[roleLogicalId], name).toEqual(packaged.template.Resources[roleLogicalId]);
    }
  });

  it('fails on a command that has no IAM mapping, so a new code path cannot go unchecked', () => {
    const where = { region: EMULATOR_REGION, account: EMULATOR_ACCOUNT };
    expect(() => iamRequestsOf({ service: 'ECS', command: 'DeleteService', input: {} }, where)).toThrow(UnmappedCall);
  });
});

describe('the packaged functions against moto', () => {
  const config = () => emulatorClientConfig(artifact.emulator.endpoint);
  const unpacked = new Map<string, PackagedFunction>();
  const fn = (name: string) => {
    if (!unpacked.has(name)) unpacked.set(name, unpackFunction(packaged, name, artifact.world));
    return unpacked.get(name) as PackagedFunction;
  };
  const invoke = async (name: string, event: unknown) => {
    const invoked = await invokePackaged(fn(name), event, artifact.emulator.endpoint);
    expect(invoked.error, invoked.output).toBeUndefined();
    expect(invoked.node.split('.')[0]).toBe('24');
    return invoked.result as Record<string, unknown>;
  };
  const now = () => `${new Date().toISOString().slice(0, 19)}Z`;

  it('ships each function as its bundle and the validated automation file, with the environment the template gives', () => {
    for (const name of STACK_FUNCTIONS) {
      expect(fn(name).files.sort()).toEqual(['automation.json', `functions/${name}.mjs`]);
      expect(fn(name).environment).toMatchObject({
        STATE_TABLE_NAME: artifact.world.tableName,
        EVENT_BUS_NAME: artifact.world.busName,
        TIMER_GROUP_NAME: artifact.world.scheduleGroup,
        ALERT_TOPIC_ARN: artifact.world.alertTopicArn,
        AUTOMATION_FILE: 'automation.json',
      });
    }
  });

  it("fires a job (run-batch-job launches its task in moto), then records its task's stop (on-task-stopped)", async () => {
    const ecs = new ECSClient(config());
    const scheduledTime = now();
    const fired = await invoke('run-batch-job', { job: 'report', scheduledTime });
    expect(fired).toMatchObject({ job: 'report', status: 'launched' });
    const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: 'bench-jobs', desiredStatus: 'RUNNING' }));
    expect(taskArns).toEqual(fired.taskArns);
    const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: 'bench-jobs', tasks: taskArns }));
    expect(tasks[0]?.startedBy).toBe('ecs-autopilot/report');

    const taskArn = taskArns[0] as string;
    await stopTaskAs(artifact.emulator, taskArn, { exitCode: 0 });
    const event = await taskStateChangeEvent(ecs, 'bench-jobs', taskArn, { at: new Date(), version: 5 });
    await invoke('on-task-stopped', event);
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(config()));
    const { Items = [] } = await dynamo.send(
      new QueryCommand({
        TableName: artifact.world.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'JOB#report' },
      }),
    );
    expect(Items.filter((item) => item.kind === 'run').map((item) => item.status)).toEqual(['succeeded']);
    const published = (await drainPublishedEvents(artifact.world)).map((e) => e['detail-type']);
    expect(published).toEqual(expect.arrayContaining(['Job Run Launched', 'Job Run Succeeded']));
  });

  it('scales a service to what applies now (scale-service sets its bounds and count in moto)', async () => {
    await invoke('scale-service', { service: 'api', scheduledTime: now() });
    const { ScalableTargets = [] } = await new ApplicationAutoScalingClient(config()).send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/bench-shop/api'] }),
    );
    expect(ScalableTargets.map((t) => [t.MinCapacity, t.MaxCapacity])).toEqual([[2, 6]]);
    const { services = [] } = await new ECSClient(config()).send(new DescribeServicesCommand({ cluster: 'bench-shop', services: ['api'] }));
    expect(services[0]?.desiredCount).toBe(2);
  });

  it("groups an alert (notify sets its group's flush timer in moto) and runs the watchdog (enforce-max-runtime)", async () => {
    const taskId = '0000000000000000000000000000d001';
    const event = {
      ...busEvent(
        'Service Task Stopped',
        { ...serviceTaskStopped({ stop: oomStop({ taskId }) }), eventId: `stop:${taskId}` },
        { id: 'packaged-event-1', time: new Date().toISOString() },
      ),
      // The stack's own bus: notify ignores events of another account or region.
      account: EMULATOR_ACCOUNT,
      region: EMULATOR_REGION,
    };
    expect(await invoke('notify', event)).not.toHaveProperty('ignored');
    const timers = await new EmulatorTimers(artifact.world).pending();
    expect(timers.filter((timer) => timer.target === 'notify').map((timer) => (timer.input as { timer: string }).timer)).toContain(
      'alert-flush',
    );
    // The run of the first test has ended: no run is past its maxRuntime.
    expect(await invoke('enforce-max-runtime', {})).toEqual([]);
  });

  it('starts a requested blue/green deployment (shift-traffic registers the revision and moves the first step)', async () => {
    const request = {
      version: '0',
      id: 'packaged-request-1',
      source: 'ecs-autopilot',
      'detail-type': 'Deployment Requested',
      account: EMULATOR_ACCOUNT,
      region: EMULATOR_REGION,
      time: new Date().toISOString(),
      resources: [],
      detail: { app: 'web', id: 'web-1', images: { app: 'example/web:v2' }, requestedBy: 'ci' },
    };
    expect(await invoke('shift-traffic', request)).toEqual([expect.objectContaining({ app: 'web', deploymentId: 'web-1' })]);
    const app = artifact.automation.apps.web as AppSpec;
    const { Listeners = [] } = await new ElasticLoadBalancingV2Client(config()).send(
      new DescribeListenersCommand({ ListenerArns: [app.listener] }),
    );
    const weights = Listeners[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups?.map((g) => [g.TargetGroupArn, g.Weight]);
    expect(Object.fromEntries(weights ?? [])).toEqual({ [app.colours.blue.targetGroup]: 90, [app.colours.green.targetGroup]: 10 });
    const ecs = new ECSClient(config());
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: 'bench-shop', services: ['web-green'] }));
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: services[0]?.taskDefinition }));
    expect(taskDefinition?.containerDefinitions?.map((c) => c.image)).toEqual(['example/web:v2']);
  });
});
