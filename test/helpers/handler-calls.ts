/**
 * The AWS calls the functions' handlers make in the integration and fault tests, recorded for the
 * permission check that runs when the suite ends (test/packaging/recorded-permissions.ts, called from the
 * aws project's global teardown, test/faults/summary.ts).
 *
 * Attribution: the setup file (handler-calls-setup.ts) wraps each handler the tests call (`runBatchJob`,
 * `enforceMaxRuntimeTick`, `onTaskStopped`, `notify`, `scaleService`, `shiftTraffic`) so that its
 * invocation runs in an AsyncLocalStorage context naming the function and holding the runtime it was given.
 * The SDK's one client base class has its `send` wrapped here: a call made inside such a context is the
 * handler's (whatever client made it, awaited or not); a call outside any (seeding moto, the test's own
 * reads and assertions, the CLI) is not recorded.
 *
 * What is kept of a call: its IAM requests (test/packaging/iam-requests.ts), with the automation its
 * runtime was built from (the role a stack generated from that automation grants is what it is checked
 * against). A command without an IAM mapping, or one whose requests cannot be told, is kept as a problem:
 * it fails the check, so a new code path cannot go unchecked.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
// The base class of every AWS SDK v3 client (one copy in node_modules: npm ls @smithy/core).
import { Client } from '@smithy/core/client';
import { EMULATOR_ACCOUNT, EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import type { Automation } from '../../shared/config/schema.ts';
import { type IamRequest, iamRequestsOf, UnmappedCall } from '../packaging/iam-requests.ts';
import type { AwsCall } from './faults.ts';

/** The functions of the stack, as serverless.yml names them. */
export type HandlerFunction = 'run-batch-job' | 'enforce-max-runtime' | 'on-task-stopped' | 'notify' | 'scale-service' | 'shift-traffic';

/** One test file's recording, as written for the check. */
export interface HandlerCallsFile {
  testFile: string;
  /** Every call the handlers made. */
  calls: number;
  /** The automations the runtimes were built from, by key. */
  automations: Record<string, Automation>;
  /** Each distinct request: the function, its automation's key, the request, how many calls made it. */
  requests: { function: HandlerFunction; automation: string; request: IamRequest; count: number }[];
  /** Calls that cannot be checked: no IAM mapping, or requests that cannot be told from the call. */
  problems: string[];
  /** Calls AWS refused because what they name does not exist (NotFound…): not checked. */
  notFound: number;
}

interface Invocation {
  function: HandlerFunction;
  runtime: unknown;
}

interface Recorder {
  current: AsyncLocalStorage<Invocation>;
  /** The SDK's `send` as wrapped here. */
  wrapped?: typeof Client.prototype.send;
  /** This test file's recording, from its first call to its flush. */
  file: Omit<HandlerCallsFile, 'testFile' | 'requests'> & { requests: Map<string, HandlerCallsFile['requests'][number]> };
  keyOf: WeakMap<object, string>;
}

/**
 * One recorder per process: the setup file runs again for each test file (a fresh module graph), but the
 * SDK's client class is loaded once per process, so its wrapped `send` and this state live on globalThis.
 */
const RECORDER = Symbol.for('ecs-autopilot.handler-calls');
const emptyFile = (): Recorder['file'] => ({ calls: 0, automations: {}, requests: new Map(), problems: [], notFound: 0 });

function recorder(): Recorder {
  const global = globalThis as { [RECORDER]?: Recorder };
  global[RECORDER] ??= { current: new AsyncLocalStorage(), file: emptyFile(), keyOf: new WeakMap() };
  return global[RECORDER];
}

const NOT_FOUND = /NotFound/;

const nameOf = (value: object, suffix: string) => value.constructor.name.replace(new RegExp(`${suffix}$`), '');

/**
 * The automation the role of a runtime's function follows from. notify's runtime holds no automation, only
 * what its role depends on (notifications.routes and the topics they name); the others hold theirs.
 */
function automationOf(fn: HandlerFunction, runtime: unknown): Automation {
  const rt = runtime as { automation?: Automation; routes?: { routes: Automation['notifications']['routes'] } };
  if (fn !== 'notify') {
    if (!rt.automation) throw new Error(`${fn}'s runtime holds no automation`);
    return rt.automation;
  }
  const automation = validateAutomation({});
  const routes = rt.routes?.routes ?? [];
  const topics = [...new Set(routes.flatMap(({ destination }) => ('topic' in destination ? [destination.topic] : [])))];
  return {
    ...automation,
    notifications: { ...automation.notifications, routes, topics: Object.fromEntries(topics.map((name) => [name, { email: [] }])) },
  } as Automation;
}

function automationKey(state: Recorder, fn: HandlerFunction, runtime: unknown): string {
  const cached = runtime && typeof runtime === 'object' ? state.keyOf.get(runtime) : undefined;
  if (cached) return cached;
  const automation = automationOf(fn, runtime);
  const key = createHash('sha1').update(JSON.stringify(automation)).digest('hex').slice(0, 16);
  state.file.automations[key] ??= automation;
  if (runtime && typeof runtime === 'object') state.keyOf.set(runtime, key);
  return key;
}

const WHERE = { region: EMULATOR_REGION, account: EMULATOR_ACCOUNT };

function record(state: Recorder, invocation: Invocation, call: RecordedSend, failed: boolean): void {
  const name = `${invocation.function}: ${call.service} ${call.command}`;
  state.file.calls += 1;
  let requests: IamRequest[];
  try {
    requests = iamRequestsOf(call, WHERE);
  } catch (error) {
    // A refused call (moto's error) has no answer: a request named only by the answer cannot be told, and was never made.
    if (failed && !(error instanceof UnmappedCall)) return;
    state.file.problems.push(`${name}: ${(error as Error).message}`);
    return;
  }
  let automation: string;
  try {
    automation = automationKey(state, invocation.function, invocation.runtime);
  } catch (error) {
    state.file.problems.push(`${name}: ${(error as Error).message}`);
    return;
  }
  for (const request of requests) {
    const key = JSON.stringify([invocation.function, automation, request]);
    const seen = state.file.requests.get(key);
    if (seen) seen.count += 1;
    else state.file.requests.set(key, { function: invocation.function, automation, request, count: 1 });
  }
}

/**
 * What a launch ran: the task definition's ARN (its revision: ECS authorizes RunTask on the revision it
 * resolved, which the call names only by family when it launched nothing) and its roles (ECS authorizes
 * passing them at launch; the call itself does not name them).
 */
async function launchedTaskDefinition(client: object, send: Send, call: RecordedSend): Promise<void> {
  const launched = (call.output as { tasks?: { taskDefinitionArn?: string }[] } | undefined)?.tasks?.[0]?.taskDefinitionArn;
  const named = launched ?? (call.input as { taskDefinition?: string }).taskDefinition;
  if (!named) return;
  const { taskDefinition } = (await send.call(client, new DescribeTaskDefinitionCommand({ taskDefinition: named }))) as {
    taskDefinition?: { taskDefinitionArn?: string; taskRoleArn?: string; executionRoleArn?: string };
  };
  call.taskDefinitionArn = taskDefinition?.taskDefinitionArn;
  call.taskDefinitionRoles = [taskDefinition?.taskRoleArn, taskDefinition?.executionRoleArn].filter(
    (role): role is string => role !== undefined,
  );
}

type Send = (this: object, ...args: unknown[]) => Promise<unknown>;
type RecordedSend = AwsCall & { taskDefinitionArn?: string | undefined; taskDefinitionRoles?: string[] };

function wrapSend(state: Recorder): void {
  const originalSend = Client.prototype.send as Send;
  state.wrapped = async function send(this: object, command: object, ...rest: unknown[]) {
    const invocation = state.current.getStore();
    if (!invocation) return originalSend.call(this, command, ...rest);
    const call: RecordedSend = {
      service: nameOf(this, 'Client'),
      command: nameOf(command, 'Command'),
      input: (command as { input?: unknown }).input,
    };
    const launch = call.service === 'ECS' && call.command === 'RunTask';
    try {
      call.output = await originalSend.call(this, command, ...rest);
    } catch (error) {
      // A test that hands a runtime a resource the world does not have (a topic "gone") wants AWS's refusal,
      // not a call of the stack: no role names what does not exist. Counted, not checked.
      if (NOT_FOUND.test((error as Error).name)) state.file.notFound += 1;
      else {
        if (launch) await launchedTaskDefinition(this, originalSend, call).catch(() => undefined);
        record(state, invocation, call, true);
      }
      throw error;
    }
    if (launch) await launchedTaskDefinition(this, originalSend, call);
    record(state, invocation, call, false);
    return call.output;
  } as typeof Client.prototype.send;
  Client.prototype.send = state.wrapped;
}

/** The handler, its invocations recorded as `fn`'s: the runtime is its argument at `runtimeAt`. */
export function recordedHandler<Args extends unknown[], Result>(
  fn: HandlerFunction,
  handler: (...args: Args) => Promise<Result>,
  runtimeAt: number,
): (...args: Args) => Promise<Result> {
  const state = recorder();
  return (...args: Args) => state.current.run({ function: fn, runtime: args[runtimeAt] }, () => handler(...args));
}

/**
 * Starts a test file's recording (the calls of the one before were flushed or dropped), with the SDK's
 * `send` wrapped: called by the setup file before the test file's own modules load, so the fault injector
 * (test/helpers/faults.ts) and the fuzz's double wrap or stub this one, and put it back when they are done.
 */
export function startRecording(): void {
  const state = recorder();
  if (Client.prototype.send !== state.wrapped) wrapSend(state);
  state.file = emptyFile();
}

/** Writes the test file's recording into the run's folder, when it recorded anything. */
export function flushRecording(folder: string, testFile: string): void {
  const state = recorder();
  const { calls, automations, requests, problems, notFound } = state.file;
  state.file = emptyFile();
  if (calls === 0 && notFound === 0) return;
  const written: HandlerCallsFile = { testFile, calls, automations, requests: [...requests.values()], problems, notFound };
  writeFileSync(join(folder, `${basename(testFile)}-${process.pid}-${Date.now()}.json`), JSON.stringify(written));
}
