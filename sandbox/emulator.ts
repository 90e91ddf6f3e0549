/**
 * The local AWS emulator: moto_server with ecs-autopilot's ECS bridge (moto_ecs_bridge.py), started on
 * a free loopback port and stopped with the process, however it ends. Used by `npm start` and the
 * integration tests.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, appendFileSync, constants, readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkFromZygote, processRuns, zygoteFromEnv } from './emulator-zygote.ts';

const BRIDGE = fileURLToPath(new URL('./moto_ecs_bridge.py', import.meta.url));

export const EMULATOR_REGION = 'us-east-1';

/** The settings of every AWS client the sandbox and the tests point at the emulator (fake credentials, no retries). */
export function emulatorClientConfig(endpoint: string) {
  return { endpoint, region: EMULATOR_REGION, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' }, maxAttempts: 1 };
}
export const EMULATOR_ACCOUNT = '123456789012';

/** No moto to start, or nothing answers at the endpoint given. */
export class EmulatorMissingError extends Error {
  override name = 'EmulatorMissingError';
}

/** The emulator at the endpoint given cannot run what the automation file needs. */
export class EmulatorUnfitError extends Error {
  override name = 'EmulatorUnfitError';
}

export interface Emulator {
  endpoint: string;
  /** Whether the ECS bridge endpoints (scenario injection) are available. */
  bridged: boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** What the bridge imports: a Python that imports these can run it. */
const BRIDGE_IMPORTS = 'import moto.server, moto.ecs, moto.ec2, moto.elbv2, flask, jsonpath_ng.ext';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The file a command name runs, as a shell finds it on PATH. */
export function onPath(command: string, path: string | undefined): string | undefined {
  return (path ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, command))
    .find(executable);
}

/**
 * The Python a console script such as `moto_server` runs under, from its first lines: `#!/venv/bin/python`,
 * `#!/usr/bin/env python3`, or pip's form for a path a shebang cannot hold (`#!/bin/sh`, then
 * `'''exec' "/a long/path/python" "$0" "$@"`). Undefined when they name none (a pyenv or asdf shim).
 */
export function interpreterOfScript(text: string): string | undefined {
  const [first = '', second = ''] = text.split('\n', 2);
  if (!first.startsWith('#!')) return undefined;
  const [program = '', ...args] = first.slice(2).trim().split(/\s+/);
  const named = program.endsWith('/env') ? args.find((arg) => !arg.startsWith('-')) : program;
  if (named && /(^|\/)python[\d.]*$/.test(named)) return named;
  return /^'''exec' "?(.+?)"? "\$0"/.exec(second)?.[1];
}

/** Where to look for a Python with moto, in order. */
function pythonsToTry(env: NodeJS.ProcessEnv): { pythons: string[]; script: string | undefined } {
  if (env.MOTO_PYTHON) return { pythons: [env.MOTO_PYTHON], script: undefined };
  const script = onPath('moto_server', env.PATH);
  const pythons: string[] = [];
  if (script) {
    const named = interpreterOfScript(readFileSync(script, 'utf8').slice(0, 1000));
    if (named) pythons.push(named);
    // A virtual environment (pipx's, a venv's) keeps its Python beside its scripts.
    const bin = dirname(realpathSync(script));
    for (const name of ['python3', 'python']) if (executable(join(bin, name))) pythons.push(join(bin, name));
  }
  return { pythons: [...new Set([...pythons, 'python3', 'python'])], script };
}

/**
 * A Python that can run the bridge, which must import moto: MOTO_PYTHON when set; else the one the
 * moto_server on PATH runs under (pipx installs it in a Python of its own); else python3, python.
 */
export function findMotoPython(env: NodeJS.ProcessEnv = process.env): string {
  const { pythons, script } = pythonsToTry(env);
  const found = pythons.find((python) => spawnSync(python, ['-c', BRIDGE_IMPORTS], { stdio: 'ignore', env }).status === 0);
  if (found) return found;
  const elsewhere = 'Or point at an emulator that is already running:  npm start -- --endpoint http://127.0.0.1:4566';
  if (env.MOTO_PYTHON) {
    throw new EmulatorMissingError(
      `MOTO_PYTHON is ${env.MOTO_PYTHON}, which cannot import moto with its server (${BRIDGE_IMPORTS}).\n` +
        `  Install it there:  ${env.MOTO_PYTHON} -m pip install "moto[server]"   or unset MOTO_PYTHON\n  ${elsewhere}`,
    );
  }
  if (script) {
    throw new EmulatorMissingError(
      `moto_server is on PATH (${script}), but none of the Pythons tried imports moto with its server (${pythons.join(', ')}); ` +
        "the sandbox runs moto under ecs-autopilot's ECS bridge, which needs that Python.\n" +
        `  Name it:  MOTO_PYTHON=/path/to/python npm start   (the Python moto is installed for)\n  ${elsewhere}`,
    );
  }
  throw new EmulatorMissingError(
    'moto is not installed: the sandbox and the integration tests need moto_server.\n' +
      '  Install it with:  pip install "moto[server]"   (or pipx install "moto[server]")\n' +
      '  If moto is installed for a Python that is not python3 on PATH, name it:  MOTO_PYTHON=/path/to/python npm start\n' +
      `  ${elsewhere}`,
  );
}

// ── Stopped with the process: at its exit, and at a signal that ends it (moto would outlive it) ──

const running = new Set<ChildProcess>();
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function stopRunning(): void {
  for (const child of running) child.kill('SIGTERM');
}

/** Stops the emulators, then lets the signal end the process as it would have: status 128 + its number, no stack. */
function endOnSignal(signal: NodeJS.Signals): void {
  stopRunning();
  for (const child of [...running]) forget(child);
  process.kill(process.pid, signal);
}

function remember(child: ChildProcess): void {
  if (running.size === 0) {
    process.on('exit', stopRunning);
    for (const signal of ENDING_SIGNALS) process.on(signal, endOnSignal);
  }
  running.add(child);
}

function forget(child: ChildProcess): void {
  running.delete(child);
  if (running.size > 0) return;
  process.removeListener('exit', stopRunning);
  for (const signal of ENDING_SIGNALS) process.removeListener(signal, endOnSignal);
}

/** The bridge could not start under that Python because it lacks moto or one of the bridge's imports. */
const IMPORT_FAILURE = /\b(ModuleNotFoundError|ImportError)\b/;

export async function startEmulator(options: { log?: (line: string) => void } = {}): Promise<Emulator> {
  const zygote = zygoteFromEnv();
  if (zygote) return startForked(zygote, options);
  // Starting the bridge under a Python is itself the check findMotoPython makes (a Python that cannot import
  // moto exits at once): the candidates are tried in its order, and only when none starts does it run, for
  // its error. A separate import check would cost every start a second moto import (seconds of CPU).
  const { pythons } = pythonsToTry(process.env);
  for (const python of pythons) {
    if (!python.includes('/') ? !onPath(python, process.env.PATH) : !executable(python)) continue;
    const started = await startBridge(python, options);
    if (!('cannotImport' in started)) return started;
  }
  const started = await startBridge(findMotoPython(), options);
  if ('cannotImport' in started) throw new Error(`moto_server exited at start:\n${started.cannotImport}`);
  return started;
}

async function startBridge(python: string, options: { log?: (line: string) => void }): Promise<Emulator | { cannotImport: string }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(python, [BRIDGE, '-H', '127.0.0.1', '-p', String(port)], {
    // The bridge exits when its stdin closes: a SIGKILL of this process, which no handler sees, ends it too.
    stdio: ['pipe', 'ignore', 'pipe'],
    // moto's EC2 loads thousands of default AMIs at start and every reset (0.2-0.4 s each); nothing here launches an
    // instance, so they are left out unless the caller's environment asks for them.
    env: { MOTO_EC2_LOAD_DEFAULT_AMIS: 'false', ...process.env, ECS_BRIDGE_EXIT_WITH_STDIN: '1' },
    detached: false,
  });
  remember(child);
  child.once('exit', () => forget(child));
  const closed = new Promise((resolve) => child.once('close', resolve));
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
    forget(child);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    // ECS_AUTOPILOT_MOTO_LOG=<path>: every moto_server keeps its whole log in <path>.<port> (a 500's traceback).
    if (process.env.ECS_AUTOPILOT_MOTO_LOG) appendFileSync(`${process.env.ECS_AUTOPILOT_MOTO_LOG}.${port}`, chunk);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawnError || (child.exitCode ?? 0) < 0) return { cannotImport: spawnError?.message ?? stderr };
    if (child.exitCode !== null) {
      // Its last words may still be on their way: the exit can come before stderr's end.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
      if (IMPORT_FAILURE.test(stderr)) return { cannotImport: stderr };
      throw new Error(`moto_server exited at start (code ${child.exitCode}):\n${stderr}`);
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  options.log?.(`moto_server (with the ECS bridge) listening on ${endpoint}`);
  return {
    endpoint,
    bridged: true,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // moto writes a failed request's traceback after its answer: give it a moment to reach the log.
      if (process.env.ECS_AUTOPILOT_MOTO_LOG) await new Promise((resolve) => setTimeout(resolve, 1000));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Whether the bridge answers at `endpoint` (its reset, on a server that has nothing yet). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/moto-api/x-ecs/reset`, { method: 'POST', body: '{}' })).ok;
  } catch {
    return false; // not listening yet
  }
}

/** A moto_server with the bridge forked from the test run's zygote (emulator-zygote.ts). */
async function startForked(
  zygote: NonNullable<ReturnType<typeof zygoteFromEnv>>,
  options: { log?: (line: string) => void },
): Promise<Emulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const pid = await forkFromZygote(zygote, port);
  const deadline = Date.now() + 30_000;
  while (!(await answers(endpoint))) {
    if (!processRuns(pid)) throw new Error(`the moto_server forked for ${endpoint} exited at start`);
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`the moto_server forked for ${endpoint} did not answer within 30s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  options.log?.(`moto_server (with the ECS bridge, forked) listening on ${endpoint}`);
  return {
    endpoint,
    bridged: true,
    stop: async () => {
      if (!processRuns(pid)) return;
      process.kill(pid, 'SIGTERM');
      for (const until = Date.now() + 3000; processRuns(pid) && Date.now() < until; )
        await new Promise((resolve) => setTimeout(resolve, 20));
      if (processRuns(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}

/** What answers at an endpoint someone else runs: moto with the bridge or without it, or another emulator. */
export type EmulatorKind = 'moto' | 'moto-with-bridge' | 'other';

/**
 * Asks the endpoint what it is, with requests that change nothing: moto's state manager answers only in
 * moto, and the bridge's target-health route (healthy, for no group) only with the bridge.
 */
export async function probeEmulator(endpoint: string): Promise<EmulatorKind> {
  const ask = (path: string, init?: RequestInit) => fetch(`${endpoint}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  try {
    const moto = await ask('/moto-api/state-manager/get-transition?model_name=ecs::task');
    if (!moto.ok || !(await moto.text()).includes('"progression"')) return 'other';
    const body = JSON.stringify({ targetGroup: 'ecs-autopilot-probe', state: 'healthy' });
    return (await ask('/moto-api/x-elbv2/set-target-health', { method: 'POST', body })).ok ? 'moto-with-bridge' : 'moto';
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new EmulatorMissingError(
      `nothing answers at ${endpoint} (${cause}).\n` +
        '  Start the emulator there first, or leave out --endpoint: the sandbox then starts moto with its ECS bridge itself.',
    );
  }
}

/** An emulator someone else runs (e.g. LocalStack): used as it is, without the ECS bridge. */
export function externalEmulator(endpoint: string): Emulator {
  return { endpoint, bridged: false, stop: async () => {} };
}

async function bridgeCall(emulator: Emulator, path: string, body: unknown): Promise<unknown> {
  if (!emulator.bridged) throw new Error(`${path} needs the moto ECS bridge; ${emulator.endpoint} is an external emulator`);
  const response = await fetch(`${emulator.endpoint}/moto-api/${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`moto bridge ${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** Empties the emulator between tests (moto's reset plus the bridge's own state). */
export async function resetEmulator(emulator: Emulator): Promise<void> {
  await fetch(`${emulator.endpoint}/moto-api/reset`, { method: 'POST' });
  await bridgeCall(emulator, 'x-ecs/reset', {});
}

/** The next `launches` RunTask calls on that capacity provider find no capacity (failures[] in a 200). */
export function injectCapacityOutage(emulator: Emulator, capacityProvider: string, launches = 1) {
  return bridgeCall(emulator, 'x-ecs/capacity-outage', { capacityProvider, launches });
}

/**
 * Room for `tasks` more tasks on that capacity provider (null: no limit): a RunTask asking for more starts
 * what fits and reports the rest in failures[], as ECS does when capacity runs short.
 */
export function setCapacityRoom(emulator: Emulator, capacityProvider: string, tasks: number | null) {
  return bridgeCall(emulator, 'x-ecs/capacity-room', { capacityProvider, tasks });
}

export interface TaskEnding {
  exitCode: number;
  stopCode?: string;
  stoppedReason?: string;
  containerReason?: string;
}

/** Makes a task stop the way ECS would report it (moto cannot make a container exit). */
export function stopTaskAs(emulator: Emulator, taskArn: string, ending: TaskEnding) {
  return bridgeCall(emulator, 'x-ecs/set-task-state', {
    task: taskArn,
    lastStatus: 'STOPPED',
    stopCode: ending.stopCode ?? 'EssentialContainerExited',
    stoppedReason: ending.stoppedReason ?? 'Essential container in task exited',
    exitCode: ending.exitCode,
    ...(ending.containerReason && { containerReason: ending.containerReason }),
  });
}

/** The next CreateSubnet / CreateSecurityGroup calls use these ids. */
export function requestEc2Ids(emulator: Emulator, ids: { subnet?: string[]; securityGroup?: string[] }) {
  return bridgeCall(emulator, 'x-ec2/next-ids', ids);
}

export interface TaskState {
  lastStatus: 'STOPPED' | 'RUNNING';
  desiredStatus?: 'STOPPED' | undefined;
  stopCode?: string | undefined;
  stoppedReason?: string | undefined;
  /** The containers' exit code; null: they never ran (DescribeTasks then shows none). Absent: unchanged. */
  exitCode?: number | null | undefined;
  containerReason?: string | undefined;
}

/**
 * Sets exactly the fields given, as ECS would report them: a stop of any kind (a task that never started
 * has no exit code), or a Spot interruption notice (still RUNNING, desired STOPPED).
 */
export function setTaskState(emulator: Emulator, taskArn: string, state: TaskState) {
  const body = Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined));
  return bridgeCall(emulator, 'x-ecs/set-task-state', { task: taskArn, ...body });
}

/**
 * Sets the rolloutState of every deployment of a service (moto has no rollouts of its own; a new
 * service's deployment starts COMPLETED in the bridge): IN_PROGRESS begins a deployment, COMPLETED ends it.
 */
export function setRolloutState(
  emulator: Emulator,
  cluster: string,
  service: string,
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED',
  rolloutStateReason?: string,
) {
  return bridgeCall(emulator, 'x-ecs/set-rollout-state', {
    cluster,
    service,
    rolloutState,
    ...(rolloutStateReason && { rolloutStateReason }),
  });
}
