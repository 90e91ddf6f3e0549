/**
 * moto_servers forked from one process that has loaded moto and the bridge already (moto_zygote.py):
 * for the test suite, which starts one for nearly every file. A start costs milliseconds instead of about
 * three seconds of CPU, and each forked server is as separate from the others as a started one.
 *
 * The suite's global setup starts the zygote and names its socket in ECS_AUTOPILOT_MOTO_ZYGOTE, which the
 * test processes inherit; startEmulator forks from it when it is set and the Python environment asked for
 * is the zygote's (a PYTHONPATH of its own, as the fault sweeps' snapshots need, gets a started server).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ZYGOTE = fileURLToPath(new URL('./moto_zygote.py', import.meta.url));
export const ZYGOTE_ENV = 'ECS_AUTOPILOT_MOTO_ZYGOTE';

/** Where the zygote listens, and the PYTHONPATH it loaded moto under. */
interface ZygoteAddress {
  socket: string;
  pythonPath: string;
}

/** The zygote this process may fork from, if any (see the module's comment). */
export function zygoteFromEnv(env: NodeJS.ProcessEnv = process.env): ZygoteAddress | undefined {
  const named = env[ZYGOTE_ENV];
  if (!named?.startsWith('{')) return undefined; // unset, or `off`
  const address = JSON.parse(named) as ZygoteAddress;
  return address.pythonPath === (env.PYTHONPATH ?? '') ? address : undefined;
}

/** Starts the zygote under `python` and sets ECS_AUTOPILOT_MOTO_ZYGOTE for the processes started after it. */
export async function startZygote(python: string): Promise<{ stop: () => Promise<void> }> {
  const folder = mkdtempSync(join(tmpdir(), 'moto-zygote-'));
  const socket = join(folder, 'socket');
  const child: ChildProcess = spawn(python, [ZYGOTE, socket], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { MOTO_EC2_LOAD_DEFAULT_AMIS: 'false', ...process.env },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the moto zygote did not start within 60s:\n${stderr}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the moto zygote exited at start (code ${code}):\n${stderr}`));
    });
  });
  const address: ZygoteAddress = { socket, pythonPath: process.env.PYTHONPATH ?? '' };
  process.env[ZYGOTE_ENV] = JSON.stringify(address);
  return {
    stop: async () => {
      delete process.env[ZYGOTE_ENV];
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** The environment a forked server takes from the process that asks: what the bridge and moto read at run time. */
function passedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => /^(ECS_BRIDGE_|ECS_AUTOPILOT_MOTO_LOG$)/.test(entry[0]) && entry[1] !== undefined,
    ),
  );
}

/** Asks the zygote for a moto_server on `port`; answers its process id once forked. */
export function forkFromZygote(address: ZygoteAddress, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(address.socket);
    let answer = '';
    connection.on('error', (error) => reject(new Error(`the moto zygote at ${address.socket} did not answer: ${error.message}`)));
    connection.on('data', (chunk) => {
      answer += chunk.toString();
    });
    connection.on('end', () => {
      try {
        resolve((JSON.parse(answer) as { pid: number }).pid);
      } catch {
        reject(new Error(`the moto zygote answered ${JSON.stringify(answer)}`));
      }
    });
    connection.write(`${JSON.stringify({ port, owner: process.pid, env: passedEnv(process.env) })}\n`);
  });
}

/** Whether a process (not this one's child) still runs. */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
