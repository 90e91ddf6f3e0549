/**
 * How the services start the window: each with the same number of tasks, and a scalable target where
 * their scaling sets bounds, so that a change and its restore both show; and which of them an emulator
 * that keeps its state already has.
 */
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { Automation, ServiceWatch } from '../shared/config/schema.ts';
import type { ServiceScaling } from '../shared/scaling/targets.ts';
import { emulatorClientConfig } from './emulator.ts';
import type { SandboxWorld, SeededServiceShape } from './seed.ts';

/** Every service starts with this many tasks, so that a stop and a restore both show. */
export const STARTING_DESIRED_COUNT = 2;
/** The scalable target of a service whose scaling sets bounds: something for the periods to change and restore. */
const STARTING_BOUNDS = { min: 2, max: 8 };

/** Whether a service's scaling sets bounds anywhere (a period, an override, outside): only a scalable target has them. */
function scalesBounds(scaling: ServiceScaling): boolean {
  const targets = [
    ...scaling.periods.map((period) => period.target),
    ...scaling.overrides.map((override) => override.target),
    scaling.outside,
  ];
  return targets.some((target) => target.kind === 'bounds');
}

export function startingShapes(services: ServiceWatch[]): Record<string, SeededServiceShape> {
  return Object.fromEntries(
    services.map((service) => [
      service.key,
      service.scaling && scalesBounds(service.scaling)
        ? { desiredCount: STARTING_DESIRED_COUNT, bounds: STARTING_BOUNDS }
        : { desiredCount: STARTING_DESIRED_COUNT },
    ]),
  );
}

/** `, 2 services of 2 tasks (web with a scalable target of 2-8 tasks)` for the progress line; empty for none. */
export function describeSeededServices(shapes: Record<string, SeededServiceShape>): string {
  const keys = Object.keys(shapes);
  if (keys.length === 0) return '';
  const scalable = keys.filter((key) => shapes[key]?.bounds);
  const targets = scalable.length
    ? ` (${scalable.join(', ')} with a scalable target of ${STARTING_BOUNDS.min}-${STARTING_BOUNDS.max} tasks)`
    : '';
  return `, ${keys.length} service${keys.length === 1 ? '' : 's'} of ${STARTING_DESIRED_COUNT} tasks${targets}`;
}

/**
 * The services to create, and those an emulator that keeps its state (--endpoint) still has from an
 * earlier run: ECS does not create a service twice, so those are used as that run left them.
 */
export async function servicesToSeed(world: SandboxWorld, automation: Automation): Promise<{ created: ServiceWatch[]; kept: string[] }> {
  const ecs = new ECSClient(emulatorClientConfig(world.endpoint));
  const created: ServiceWatch[] = [];
  const kept: string[] = [];
  for (const watch of Object.values(automation.services)) {
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: watch.cluster, services: [watch.service] }));
    if (services.some((service) => service.status === 'ACTIVE')) kept.push(watch.key);
    else created.push(watch);
  }
  return { created, kept };
}
