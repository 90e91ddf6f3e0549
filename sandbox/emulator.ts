/**
 * The local AWS emulator: moto_server with ecs-autopilot's ECS bridge (moto_ecs_bridge.py), started on
 * a free loopback port and stopped with the process. Used by `npm start` and the integration tests.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const BRIDGE = fileURLToPath(new URL('./moto_ecs_bridge.py', import.meta.url));

export const EMULATOR_REGION = 'us-east-1';

/** The settings of every AWS client the sandbox and the tests point at the emulator (fake credentials, no retries). */
export function emulatorClientConfig(endpoint: string) {
  return { endpoint, region: EMULATOR_REGION, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' }, maxAttempts: 1 };
}
export const EMULATOR_ACCOUNT = '123456789012';

export class EmulatorMissingError extends Error {
  override name = 'EmulatorMissingError';
}

export interface Emulator {
  endpoint: string;
  /** Whether the ECS bridge endpoints (scenario injection) are available. */
  bridged: boolean;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
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

function pythonWithMoto(): string {
  for (const python of [process.env.MOTO_PYTHON, 'python3', 'python'].filter(Boolean) as string[]) {
    const probe = spawnSync(python, ['-c', 'import moto.server, moto.ecs, flask'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  throw new EmulatorMissingError(
    'moto is not installed: the sandbox and the integration tests need moto_server.\n' +
      '  Install it with:  pip install "moto[server]"   (or pipx install "moto[server]")\n' +
      '  Or point at an emulator that is already running:  npm start -- --endpoint http://127.0.0.1:4566',
  );
}

export async function startEmulator(options: { log?: (line: string) => void } = {}): Promise<Emulator> {
  const python = pythonWithMoto();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(python, [BRIDGE, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited at start (code ${child.exitCode}):\n${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/x-ecs/reset`, { method: 'POST', body: '{}' });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
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
      process.removeListener('exit', stopOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** An emulator someone else runs (e.g. LocalStack): used as it is, without the ECS bridge. */
export function externalEmulator(endpoint: string): Emulator {
  return { endpoint: endpoint.replace(/\/$/, ''), bridged: false, stop: async () => {} };
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
