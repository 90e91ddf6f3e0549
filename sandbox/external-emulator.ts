/** An emulator that is already running (`--endpoint`): its URL checked, and refused at once when it cannot run the file. */
import type { Automation } from '../shared/config/schema.ts';
import { type Emulator, EmulatorUnfitError, externalEmulator, probeEmulator } from './emulator.ts';
import { SandboxOptionError } from './options.ts';

/** `--endpoint`: an http(s) URL, without a trailing slash. */
export function endpointOf(text: string): string {
  const url = URL.parse(text);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new SandboxOptionError(`--endpoint must be the URL of an emulator, such as http://127.0.0.1:5000, got "${text}"`);
  }
  return text.replace(/\/$/, '');
}

/**
 * What this automation file needs that moto cannot do without the bridge. moto places a task that is not
 * launched on FARGATE on EC2 container instances, has none, and answers RunTask with an error page; and it
 * leaves a new service's deployment IN_PROGRESS for ever, so scale-service would wait for it all day.
 */
export function plainMotoGaps(automation: Automation): string[] {
  const names = (list: string[]) => list.join(', ');
  const notOnFargate = Object.values(automation.jobs).filter(
    (job) => !job.suspended && !('launchType' in job.launch && job.launch.launchType === 'FARGATE'),
  );
  const scaled = Object.values(automation.services).filter((watch) => watch.scaling);
  return [
    ...(notOnFargate.length > 0
      ? [
          `the jobs ${names(notOnFargate.map((job) => job.name))} launch on capacity providers or EC2: moto without the bridge ` +
            'places such tasks on EC2 container instances, has none, and answers RunTask with an error page',
        ]
      : []),
    ...(scaled.length > 0
      ? [
          `the services ${names(scaled.map((watch) => watch.key))} scale on schedules: moto without the bridge never completes ` +
            "a service's deployment, so scale-service would wait for it all day",
        ]
      : []),
  ];
}

/**
 * The emulator given with --endpoint, asked first what it is: moto without the bridge is refused at once
 * when the automation file needs what only the bridge adds; anything else is used as it is.
 */
export async function connectEmulator(endpoint: string, automation: Automation, configFile: string): Promise<Emulator> {
  const gaps = (await probeEmulator(endpoint)) === 'moto' ? plainMotoGaps(automation) : [];
  if (gaps.length > 0) {
    throw new EmulatorUnfitError(
      `${endpoint} is moto without ecs-autopilot's ECS bridge, which cannot run what ${configFile} needs:\n` +
        gaps.map((gap) => `  ${gap}\n`).join('') +
        '  Leave out --endpoint: the sandbox then starts moto with the bridge itself.\n' +
        '  Or keep an emulator running with the bridge:  python3 sandbox/moto_ecs_bridge.py -H 127.0.0.1 -p 5000' +
        "   (moto_server's options), and give --endpoint http://127.0.0.1:5000",
    );
  }
  return externalEmulator(endpoint);
}
