/**
 * Probes for BENCH_PROBES: a function's baseline plus one dependency (or one of our modules) each, bundled
 * with the production options, so the function's import overhead can be attributed. Each probe uses what it
 * imports the way the functions do at module level (exports keep esbuild from tree-shaking it away).
 *
 * A probe sits on the baseline of the function named by `on` (default: the baseline most functions share);
 * if its own modules bundle further AWS SDK clients, cold-start.ts widens its baseline to them, so a probe's
 * extra is never an SDK client the function's baseline lacks.
 */

export interface Probe {
  name: string;
  description: string;
  /** The function whose baseline the probe sits on. */
  on?: string;
  /** Module body; `#shared/…` and package imports resolve as in the functions. */
  body: string;
}

/** A probe of our modules: import the named exports and export them again. */
function modules(name: string, description: string, on: string | undefined, imports: Record<string, string[]>): Probe {
  const body = Object.entries(imports).map(([file, names]) => `import { ${names.join(', ')} } from '#shared/${file}';`);
  body.push(`export { ${Object.values(imports).flat().join(', ')} };`);
  return { name, description, ...(on && { on }), body: body.join('\n') };
}

/**
 * A ladder: each rung is the previous one plus the named modules, so the increments add up to the function
 * (the last rung imports the function itself); differences between neighbouring rungs attribute its overhead.
 */
function ladder(fn: string, rungs: { label: string; imports: Record<string, string[]> }[]): Probe[] {
  const soFar: Record<string, string[]> = {};
  const probes = rungs.map(({ label, imports }, index) => {
    for (const [file, names] of Object.entries(imports)) soFar[file] = [...(soFar[file] ?? []), ...names];
    const probe = modules(`${fn}-ladder-${index + 1}`, `${fn} ${index + 1}: … + ${label}`, fn, soFar);
    return index === 0 ? { ...probe, description: `${fn} 1: ${label}` } : probe;
  });
  probes.push({
    name: `${fn}-ladder-${rungs.length + 1}`,
    description: `${fn} ${rungs.length + 1}: … + middy + injectLambdaContext (the function)`,
    on: fn,
    body: `export { handler } from '#functions/${fn}.ts';`,
  });
  return probes;
}

export const PROBES: Probe[] = [
  {
    name: 'powertools',
    description: 'Powertools Logger + injectLambdaContext',
    body: [
      "import { Logger } from '@aws-lambda-powertools/logger';",
      "import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';",
      "export const logger = new Logger({ serviceName: 'probe', logLevel: 'INFO' });",
      'export const middleware = injectLambdaContext(logger, { resetKeys: true });',
    ].join('\n'),
  },
  {
    name: 'powertools-metrics',
    description: 'Powertools Logger + Metrics, the invocation metrics and their middleware (shared/metrics)',
    body: [
      "import { flushMetrics, invocationMetrics } from '#shared/metrics/invocation-metrics.ts';",
      "import { withEventMetrics } from '#shared/metrics/published-events.ts';",
      'export const middleware = flushMetrics(invocationMetrics);',
      'export { withEventMetrics };',
    ].join('\n'),
  },
  {
    name: 'middy',
    description: '@middy/core',
    body: ["import middy from '@middy/core';", 'export const handler = middy(() => undefined);'].join('\n'),
  },
  {
    name: 'zod',
    description: 'zod via import { z } (one small schema)',
    body: ["import { z } from 'zod';", 'export const schema = z.object({ a: z.string().min(1), b: z.number().int().default(1) });'].join(
      '\n',
    ),
  },
  {
    name: 'zod-namespace',
    description: 'zod via import * as z (same schema)',
    body: ["import * as z from 'zod';", 'export const schema = z.object({ a: z.string().min(1), b: z.number().int().default(1) });'].join(
      '\n',
    ),
  },
  {
    name: 'zod-mini',
    description: 'zod/mini (same schema)',
    body: [
      "import * as z from 'zod/mini';",
      'export const schema = z.object({ a: z.string().check(z.minLength(1)), b: z._default(z.int(), 1) });',
    ].join('\n'),
  },
  {
    name: 'yaml',
    description: 'yaml (parseDocument)',
    body: ["import { parseDocument } from 'yaml';", 'export { parseDocument };'].join('\n'),
  },
  {
    name: 'time-zones',
    description: 'shared/config/time-zone.ts',
    body: ["import { isKnownTimeZone } from '#shared/config/time-zone.ts';", 'export { isKnownTimeZone };'].join('\n'),
  },
  {
    name: 'automation-schema',
    description: 'shared/config/schema.ts (zod + our schema)',
    body: ["import { automationSchema } from '#shared/config/schema.ts';", 'export { automationSchema };'].join('\n'),
  },
  {
    name: 'config-load',
    description: 'shared/config/load.ts (schema + yaml)',
    body: ["import { loadAutomationFile } from '#shared/config/load.ts';", 'export { loadAutomationFile };'].join('\n'),
  },
  {
    name: 'no-handler-deps',
    description: 'our job code + Logger (no middy, no middleware)',
    body: [
      "import { enforceMaxRuntime, handleFiring } from '#shared/jobs/handle.ts';",
      "import { parseFiring } from '#shared/jobs/trigger.ts';",
      "import { jobRuntimeFromEnvironment } from '#shared/jobs/runtime-from-env.ts';",
      'export { handleFiring, enforceMaxRuntime, parseFiring, jobRuntimeFromEnvironment };',
    ].join('\n'),
  },
  modules('settings', 'shared/settings.ts (zod/mini environment schema)', undefined, { 'settings.ts': ['readSettings'] }),

  // on-task-stopped, on its own baseline (ECS, DynamoDB, EventBridge, Scheduler).
  modules('stopped-task-event', 'stopped-tasks/task-event.ts (zod/mini event schema)', 'on-task-stopped', {
    'stopped-tasks/task-event.ts': ['parseTaskStateChange'],
  }),
  modules('stopped-trigger', 'stopped-tasks/trigger.ts (zod/mini timer schema, the event pattern)', 'on-task-stopped', {
    'stopped-tasks/trigger.ts': ['classifyInput'],
  }),
  modules('stopped-zod-all', 'all zod/mini schemas on-task-stopped bundles', 'on-task-stopped', {
    'settings.ts': ['readSettings'],
    'stopped-tasks/task-event.ts': ['parseTaskStateChange'],
    'stopped-tasks/trigger.ts': ['classifyInput'],
  }),
  modules('stopped-classify', 'stopped-tasks/classify.ts', 'on-task-stopped', { 'stopped-tasks/classify.ts': ['classifyStop'] }),
  modules('stopped-advice', 'stopped-tasks/advice.ts', 'on-task-stopped', { 'stopped-tasks/advice.ts': ['adviceFor'] }),
  modules('stopped-watched-task-stop', 'stopped-tasks/watched-task-stop.ts (restarts: ECS RunTask)', 'on-task-stopped', {
    'stopped-tasks/watched-task-stop.ts': ['onRestartTimer', 'onPausedCheckTimer'],
  }),
  modules('stopped-handle', 'stopped-tasks/handle.ts (all the stop handling)', 'on-task-stopped', {
    'stopped-tasks/handle.ts': ['handleTaskEvent'],
  }),
  modules('stopped-state', 'the state-table classes on-task-stopped uses', 'on-task-stopped', {
    'state/run-history.ts': ['RunHistory'],
    'state/watch-states.ts': ['WatchStates'],
    'state/service-stop-window.ts': ['ServiceStopWindows'],
  }),
  modules('timers', 'timers/from-settings.ts (Scheduler timers)', 'on-task-stopped', {
    'timers/from-settings.ts': ['schedulerTimers', 'timerSettingsFrom'],
  }),
  modules('stopped-runtime', 'stopped-tasks/runtime-from-env.ts (settings, Logger, state, timers)', 'on-task-stopped', {
    'stopped-tasks/runtime-from-env.ts': ['lambdaStopRuntime'],
  }),
  modules('stopped-no-handler-deps', 'all of on-task-stopped but middy and the middleware', 'on-task-stopped', {
    'stopped-tasks/trigger.ts': ['classifyInput'],
    'stopped-tasks/handle.ts': ['handleTaskEvent'],
    'stopped-tasks/runtime-from-env.ts': ['lambdaStopRuntime'],
    'stopped-tasks/watched-task-stop.ts': ['onRestartTimer', 'onPausedCheckTimer'],
  }),

  // notify, on its own baseline (DynamoDB, SNS, Scheduler).
  modules('alerts-trigger', 'alerts/trigger.ts (zod/mini input schema)', 'notify', {
    'alerts/trigger.ts': ['parseNotifyInput'],
  }),
  modules('alerts-decide', 'alerts/decide.ts', 'notify', { 'alerts/decide.ts': ['decideAlert'] }),
  modules('alerts-render', 'alerts/render.ts (messages)', 'notify', { 'alerts/render.ts': ['humanMessage', 'chatbotMessage'] }),
  modules('alerts-publish', 'alerts/publish.ts (SNS Publish + render)', 'notify', { 'alerts/publish.ts': ['AlertTopic'] }),
  modules('alerts-groups', 'state/alert-groups.ts (state table)', 'notify', { 'state/alert-groups.ts': ['AlertGroups'] }),
  modules('alerts-handle', 'alerts/handle.ts (all the alert handling)', 'notify', {
    'alerts/handle.ts': ['handleNotify'],
  }),
  modules('alerts-runtime', 'alerts/runtime-from-env.ts (settings, Logger, groups, topic, timers)', 'notify', {
    'alerts/runtime-from-env.ts': ['lambdaNotifyRuntime'],
  }),
  modules('notify-no-handler-deps', 'all of notify but middy and the middleware', 'notify', {
    'alerts/handle.ts': ['handleNotify'],
    'alerts/trigger.ts': ['parseNotifyInput'],
    'alerts/runtime-from-env.ts': ['lambdaNotifyRuntime'],
  }),

  // Ladders: the function's overhead, one layer at a time (BENCH_PROBES=ladder).
  ...ladder('on-task-stopped', [
    { label: 'Powertools Logger (shared/logger.ts)', imports: { 'logger.ts': ['logger'] } },
    { label: 'zod/mini + settings.ts', imports: { 'settings.ts': ['readSettings'] } },
    {
      label: 'task-event.ts + trigger.ts schemas',
      imports: { 'stopped-tasks/task-event.ts': ['parseTaskStateChange'], 'stopped-tasks/trigger.ts': ['classifyInput'] },
    },
    { label: 'runtime-from-env.ts (state, timers, bus)', imports: { 'stopped-tasks/runtime-from-env.ts': ['lambdaStopRuntime'] } },
    {
      label: 'handle.ts + watched-task-stop.ts',
      imports: {
        'stopped-tasks/handle.ts': ['handleTaskEvent'],
        'stopped-tasks/watched-task-stop.ts': ['onRestartTimer', 'onPausedCheckTimer'],
      },
    },
  ]),
  ...ladder('notify', [
    { label: 'Powertools Logger (shared/logger.ts)', imports: { 'logger.ts': ['logger'] } },
    { label: 'zod/mini + settings.ts', imports: { 'settings.ts': ['readSettings'] } },
    { label: 'trigger.ts schemas', imports: { 'alerts/trigger.ts': ['parseNotifyInput'] } },
    { label: 'runtime-from-env.ts (groups, topic, timers)', imports: { 'alerts/runtime-from-env.ts': ['lambdaNotifyRuntime'] } },
    { label: 'handle.ts (decide, apply, render)', imports: { 'alerts/handle.ts': ['handleNotify'] } },
  ]),
];

export function probeSource(probe: Probe, baselineEntry: string): string {
  return `// generated by bench/probes.ts: baseline + ${probe.description}\nexport { clients } from ${JSON.stringify(baselineEntry)};\n${probe.body}\n`;
}
