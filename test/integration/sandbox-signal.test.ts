/**
 * A signal that ends the sandbox ends its moto_server too (a CI runner's SIGTERM, Ctrl-C's SIGINT): the
 * CLI as a user runs it, stopped while its emulator is up.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findMotoPython, freePort } from '../../sandbox/emulator.ts';

const BIN = fileURLToPath(new URL('../../bin/ecs-autopilot.mjs', import.meta.url));
const EXAMPLE_CONFIG = fileURLToPath(new URL('../../automation.yml', import.meta.url));
const DEMO = fileURLToPath(new URL('../../sandbox/scenarios/demo.yml', import.meta.url));
const BRIDGE = fileURLToPath(new URL('../../sandbox/moto_ecs_bridge.py', import.meta.url));

/** Whether anything still answers at the endpoint: asked until it does not, for as long as the test may run. */
async function stopsAnswering(endpoint: string): Promise<boolean> {
  for (let tries = 0; tries < 100; tries++) {
    const answered = await fetch(endpoint, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (!answered) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** The CLI's sandbox on the demo, once its emulator listens: the process, its endpoint and what it printed so far. */
async function sandboxListening() {
  // The process Node runs under vitest is the project's Node 24 (npm puts node_modules/.bin first on PATH).
  const sandbox = spawn(process.execPath, [BIN, 'sandbox', '--config', EXAMPLE_CONFIG, '--scenario', DEMO], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stderr: '' };
  const endpoint = await new Promise<string>((resolve, reject) => {
    sandbox.stderr.on('data', (chunk: Buffer) => {
      output.stderr += chunk.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(output.stderr)?.[1];
      if (listening) resolve(listening);
    });
    sandbox.once('exit', () => reject(new Error(`the sandbox ended before its emulator listened:\n${output.stderr}`)));
  });
  expect((await fetch(endpoint)).ok).toBe(true);
  return { sandbox, endpoint, output };
}

describe('the sandbox ended by a signal', () => {
  it.each([
    { signal: 'SIGTERM', status: 143 },
    { signal: 'SIGINT', status: 130 },
  ] as const)(
    'stops its moto_server on $signal and ends by that signal (a shell reports $status), without a stack trace',
    async ({ signal }) => {
      const { sandbox, endpoint, output } = await sandboxListening();

      const exited = once(sandbox, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      sandbox.kill(signal);
      const [code, signalCode] = await exited;

      // Ended by the signal itself, which a shell reports as 128 + its number.
      expect({ code, signalCode }).toEqual({ code: null, signalCode: signal });
      expect(output.stderr).not.toMatch(/^\s+at /m);
      expect(await stopsAnswering(endpoint)).toBe(true);
    },
    60_000,
  );

  it('keeps a bridge started by hand running whatever its stdin is (only the sandbox ties it to its stdin)', async () => {
    const port = await freePort();
    const bridge = spawn(findMotoPython(), [BRIDGE, '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      const endpoint = `http://127.0.0.1:${port}`;
      const answers = async () =>
        fetch(endpoint, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.ok,
          () => false,
        );
      let up = false;
      for (let tries = 0; tries < 200 && !up && bridge.exitCode === null; tries++) {
        up = await answers();
        if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(up).toBe(true);
      // Its stdin (/dev/null) was at its end from the start: a bridge tied to it would have exited by now.
      expect(bridge.exitCode).toBeNull();
      expect(await answers()).toBe(true);
    } finally {
      bridge.kill('SIGKILL');
    }
  }, 60_000);

  it('does not leave its moto_server behind even when killed outright (SIGKILL, which no handler sees)', async () => {
    const { sandbox, endpoint } = await sandboxListening();

    const exited = once(sandbox, 'exit');
    sandbox.kill('SIGKILL');
    await exited;

    expect(await stopsAnswering(endpoint)).toBe(true);
  }, 60_000);
});
