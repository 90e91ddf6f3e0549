/**
 * vitest's global setup for the files that run moto: one zygote for the whole run, from which each file's
 * moto_server is forked (sandbox/emulator-zygote.ts) instead of started — about three seconds of CPU less
 * per file on a suite that starts one for nearly every file. `ECS_AUTOPILOT_MOTO_ZYGOTE=off` starts each as before.
 */
import { findMotoPython } from '../../sandbox/emulator.ts';
import { startZygote, ZYGOTE_ENV } from '../../sandbox/emulator-zygote.ts';

export default async function motoZygote() {
  if (process.env[ZYGOTE_ENV] === 'off') {
    delete process.env[ZYGOTE_ENV];
    return;
  }
  const zygote = await startZygote(findMotoPython());
  return () => zygote.stop();
}
