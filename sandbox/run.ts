/**
 * The sandbox (`npm start`): moto on loopback, seeded with what the automation file names, then a
 * virtual day of the real schedules (simulation.ts). At every firing run-batch-job (or, for a service's
 * scaling, scale-service) gets the payload Scheduler would send; every event, ecs-autopilot's own on the
 * bus and AWS's (a task's state change, a gate alarm's), reaches the functions whose deployed rule
 * matches it, as EventBridge would deliver it; the timers the handlers set (retries, restarts, alert
 * group waits, deferred scaling) fire on the virtual clock; the watchdogs tick when they can act; the
 * scenario injects on cue what moto cannot do by itself. What the report says happened is read back from
 * the bus, the run history and the alert topic.
 *
 * This file puts it together: the plan checked before anything starts (window.ts, plan.ts), the
 * emulator started or connected (external-emulator.ts), the world seeded (seed.ts, starting-shapes.ts,
 * stand-ins.ts), the simulation run, the report assembled (summaries.ts) and printed (timeline.ts).
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_CONFIG_FILE, loadAutomationFile } from '../shared/config/load.ts';
import type { Log } from '../shared/logger.ts';
import { startEmulator } from './emulator.ts';
import { connectEmulator, endpointOf } from './external-emulator.ts';
import { withScenarioMuteWindows } from './mute-windows.ts';
import type { SandboxOptions } from './options.ts';
import { needsBridge, planSimulation } from './plan.ts';
import { EMPTY_SCENARIO, loadScenarioFile, ScenarioError } from './scenario.ts';
import { seedApps, seedSandbox, seedServices } from './seed.ts';
import { Simulation } from './simulation.ts';
import { standInNetwork, withoutNetworks } from './stand-ins.ts';
import { describeSeededServices, STARTING_DESIRED_COUNT, servicesToSeed, startingShapes } from './starting-shapes.ts';
import { appSummaries, deploymentSummaries, jobSummaries, serviceScalingSummaries, watchedTaskSummaries } from './summaries.ts';
import { describeWindow, renderSandboxReport, renderSandboxReportJson, type SandboxReport } from './timeline.ts';
import { dayOverridden, reportWindowOf, sandboxWindow } from './window.ts';

export async function runSandbox(options: SandboxOptions = {}): Promise<SandboxReport> {
  const started = performance.now();
  const endpoint = options.endpoint === undefined ? undefined : endpointOf(options.endpoint);
  const configFile = options.configFile ?? DEFAULT_CONFIG_FILE;
  const loaded = loadAutomationFile(configFile);
  const scenario = options.scenarioFile ? loadScenarioFile(options.scenarioFile, loaded) : EMPTY_SCENARIO;
  const window = sandboxWindow(loaded, options, new Date(), scenario);
  const plan = planSimulation(loaded, scenario, window);
  const automation = withScenarioMuteWindows(loaded, scenario, plan.scenarioZone);
  const scenarioFile = options.scenarioFile ?? 'scenario';
  if (plan.problems.length > 0) throw new ScenarioError(plan.problems, scenarioFile);
  if (endpoint) {
    const refused = scenario.injections.flatMap((injection, index) =>
      needsBridge(injection)
        ? [
            `injections.${index} (${injection.kind}) needs the moto ECS bridge, which the emulator at ${endpoint} does not have: ` +
              'run without --endpoint to use the bundled moto, or leave this injection out',
          ]
        : [],
    );
    if (refused.length > 0) throw new ScenarioError(refused, scenarioFile, `${scenarioFile} cannot run against ${endpoint}`);
  }

  const reportWindow = reportWindowOf(window);
  const emulator = endpoint ? await connectEmulator(endpoint, automation, configFile) : await startEmulator({ log: options.progress });
  try {
    // An external emulator keeps what earlier runs created: a fresh stage keeps this run's table and bus apart.
    const stage = emulator.bridged ? 'sandbox' : `sandbox-${Date.now().toString(36)}`;
    const notes = scenario.day && window.chosenBy === 'from' ? dayOverridden(scenario.day, window.from, plan.scenarioZone) : [];
    let runnable = automation;
    if (!emulator.bridged) {
      const standIns = await standInNetwork(emulator, automation);
      runnable = standIns.automation;
      notes.push(`${emulator.endpoint} has no ECS bridge: tasks that earlier runs left running there count as running`);
      if (standIns.replaced.length > 0) {
        notes.push(`${emulator.endpoint} chooses its own network ids, so the jobs ran with stand-ins: ${standIns.replaced.join(', ')}`);
      }
    }
    // Seeded without networks when stand-ins were made: seedSandbox can only create the file's ids through the bridge.
    const seeded = emulator.bridged ? automation : withoutNetworks(automation);
    const world = await seedSandbox(emulator, seeded, { stage });
    const { created, kept } = await servicesToSeed(world, seeded);
    const shapes = startingShapes(created);
    await seedServices(world, { ...seeded, services: Object.fromEntries(created.map((service) => [service.key, service])) }, shapes);
    if (kept.length > 0) {
      notes.push(`${emulator.endpoint} already had the services ${kept.join(', ')} (from an earlier run): they were scaled as they were`);
    }
    const watched = Object.keys(automation.watchedTasks).length;
    options.progress?.(
      `seeded the clusters and task definitions of ${Object.keys(automation.jobs).length} jobs` +
        `${watched ? ` and ${watched} watched task${watched === 1 ? '' : 's'}` : ''}${describeSeededServices(shapes)}, ` +
        'the state table, the bus and the alert topic',
    );
    const apps = Object.values(automation.apps);
    if (apps.length > 0 && emulator.bridged) {
      // moto invents every ELB ARN: shift-traffic runs with the ones it created in place of the file's.
      runnable = { ...runnable, apps: (await seedApps(world, seeded, { desiredCount: STARTING_DESIRED_COUNT })).automation.apps };
      const described = apps.map(
        (app) =>
          `${app.name} (${app.colours.blue.service} live with ${STARTING_DESIRED_COUNT} tasks, ${app.colours.green.service} idle` +
          `${app.gates.alarms.length ? `, gate alarm${app.gates.alarms.length === 1 ? '' : 's'} ${app.gates.alarms.join(', ')} OK` : ''})`,
      );
      options.progress?.(
        `seeded the app${apps.length === 1 ? '' : 's'} ${described.join(', ')}: the load balancer, listener and target groups ` +
          'are stand-ins created in moto, whose ARNs replace those in the automation file',
      );
    } else if (apps.length > 0) {
      notes.push(
        `${emulator.endpoint} has no ECS bridge: the apps ${apps.map((app) => app.name).join(', ')} were not seeded and no deployment ran`,
      );
    }
    const simulation = new Simulation(runnable, plan, emulator, world, handlerLog(options));
    simulation.notes.push(...notes);
    const scalingFirings = plan.scalings.filter((scaling) => scaling.scheduledTime).length;
    options.progress?.(
      `simulating ${describeWindow(reportWindow, scenario.day?.text)}: ${plan.firings.length} firings` +
        (scalingFirings ? `, ${scalingFirings} scaling firings` : ''),
    );
    await simulation.run();
    return {
      window: reportWindow,
      configFile,
      scenario: options.scenarioFile
        ? { file: options.scenarioFile, description: scenario.description, day: scenario.day?.text }
        : undefined,
      emulator: { endpoint: emulator.endpoint, bridged: emulator.bridged },
      timeline: simulation.timeline,
      summary: await jobSummaries(simulation),
      watchedTasks: await watchedTaskSummaries(simulation),
      services: await serviceScalingSummaries(simulation),
      deployments: await deploymentSummaries(simulation),
      // Without the bridge the apps were not seeded: their listeners do not exist there.
      apps: emulator.bridged ? await appSummaries(simulation) : [],
      alerts: simulation.alerts,
      heldAlerts: simulation.heldAlerts,
      events: simulation.events,
      notes: simulation.notes,
      realSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await emulator.stop();
  }
}

function handlerLog(options: SandboxOptions): Log {
  const write = options.verbose ? options.progress : undefined;
  const emit =
    (level: string) =>
    (message: unknown, ...extra: unknown[]) =>
      write?.(`[${level}] ${String(message)}${extra.length ? ` ${JSON.stringify(extra)}` : ''}`);
  return { info: emit('info'), warn: emit('warn'), error: emit('error'), debug: () => {} };
}

/** Writes the report: the timeline and summary for people, or with `json` one JSON document and nothing else. */
export function printSandboxReport(report: SandboxReport, options: { json?: boolean; write?: (text: string) => void } = {}): void {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  write(options.json ? renderSandboxReportJson(report) : renderSandboxReport(report));
}
