/**
 * The emulator the fault sweeps run on: moto with the ECS bridge, as every integration test starts it,
 * plus snapshots of its whole state (moto-snapshots/sitecustomize.py). A scenario's world is built once
 * and saved; each crash point then starts from it restored, in milliseconds, instead of a reset, a seed
 * and its past played again.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { type Emulator, startEmulator } from '../../sandbox/emulator.ts';
import { installFaults } from '../helpers/faults.ts';

const SNAPSHOT_ROUTES = fileURLToPath(new URL('./moto-snapshots', import.meta.url));

/** Starts the emulator with the snapshot routes: Python loads them at start-up from PYTHONPATH. */
export async function startSnapshottingEmulator(): Promise<Emulator> {
  const before = process.env.PYTHONPATH;
  process.env.PYTHONPATH = before ? `${SNAPSHOT_ROUTES}:${before}` : SNAPSHOT_ROUTES;
  try {
    return await startEmulator();
  } finally {
    if (before === undefined) delete process.env.PYTHONPATH;
    else process.env.PYTHONPATH = before;
  }
}

async function snapshotCall(emulator: Emulator, action: 'save' | 'restore', name: string): Promise<void> {
  const response = await fetch(`${emulator.endpoint}/moto-api/x-snapshot/${action}`, { method: 'POST', body: JSON.stringify({ name }) });
  if (!response.ok) {
    throw new Error(
      `the emulator could not ${action} snapshot ${name} (${response.status}: ${(await response.text()).slice(0, 300)}); ` +
        'was it started with startSnapshottingEmulator?',
    );
  }
}

/** Keeps the emulator's whole state under a name. */
export const saveSnapshot = (emulator: Emulator, name: string) => snapshotCall(emulator, 'save', name);

/** Puts the emulator back as it was when the snapshot was saved (it can be restored again and again). */
export const restoreSnapshot = (emulator: Emulator, name: string) => snapshotCall(emulator, 'restore', name);

/**
 * A fault suite's setting: the SDK's calls open to injected faults, and a snapshotting emulator started
 * before the file's tests and stopped after them. Returns the emulator, for tests and hooks to call.
 */
export function useFaultEmulator(): () => Emulator {
  const faults = installFaults();
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startSnapshottingEmulator();
  });
  afterAll(async () => {
    faults.uninstall();
    await emulator?.stop();
  });
  return () => {
    if (!emulator) throw new Error('the emulator starts in beforeAll: use it inside a test or a hook');
    return emulator;
  };
}
