/**
 * `npm run bench`, first part (the second, bench/aws-calls.ts, counts each action's AWS calls): per
 * Lambda function, the bundle size and the cold import time of the production bundle (median over fresh
 * node processes) beside a baseline bundle that only creates the same AWS SDK clients. Target: our code,
 * middy and Powertools add at most 25% to the baseline's import time, judged on the paired overhead: each
 * round imports the function and its baseline back to back (order flipped every round), and the verdict is
 * the median of the rounds' ratios. The ratio of the two sides' own medians is printed too, but not judged:
 * on a small shared machine the import time has two or three speed modes tens of ms apart, and when the
 * two sides' medians land in different modes the ratio swings by 20 to 30 points for the same bundles
 * (on-task-stopped: +56% from the medians and +33% paired in the same run), where a pair shares its mode.
 *
 * Baselines (bench/baselines.ts): one per distinct set of AWS SDK client packages and SDK commands found in
 * the function bundles (esbuild metafile), generated into .bench/baselines/; a function is compared with the
 * baseline of exactly its own clients and commands (the SDK's share of its AWS calls, which the target does
 * not count: until 2026-12-06 the commands counted as overhead, about 3 to 6 points of it).
 *
 * Two variants per function:
 *   import only               no AWS_LAMBDA_FUNCTION_NAME: the module loads, builds nothing, touches nothing;
 *   import + cold-start init  the Lambda's environment (every setting serverless.yml gives the functions,
 *                             fake but well-formed): the module also reads its settings, loads the deployed
 *                             automation.json and creates its clients and timers, as it does in Lambda.
 *                             This is the honest cold-start figure.
 *
 * Environment: BENCH_RUNS (default 21) fresh processes per bundle and variant; BENCH_NODE, the node binary
 * for the children (default: this one; Lambda runs Node 24); BENCH_PROBES=1 adds a breakdown of the
 * overhead by dependency (BENCH_PROBES=stopped,alerts: only the probes whose name contains one of these);
 * BENCH_QUIET=1, for a shared machine: before each pair of imports, wait (up to 20 s) until other processes
 * use at most 10% of the CPUs, so someone else's test run does not land in one side of a comparison.
 * A benchmark, not a test: it always exits 0. Results: .bench/results.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { parse } from 'yaml';
import { deployedAutomationJson } from '../shared/stack/deployed-file.ts';
import { baselineLabel, baselineSource } from './baselines.ts';
import { type Bundle, bundle, bundleDelta, sdkClients } from './build.ts';
import { productionEsbuildOptions } from './esbuild-options.ts';
import { ChildFailed, importOnce, type Quiet, type Sample, type Stats, stats, waitUntilQuiet } from './measure.ts';
import { PROBES, type Probe, probeSource } from './probes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, '.bench');
const SERVERLESS_FILE = join(ROOT, 'serverless.yml');
const TARGET_PERCENT = 25;
const RUNS = positiveInt(process.env.BENCH_RUNS, 21);
const WARMUP = 1;
const NODE = process.env.BENCH_NODE || process.execPath;
const PROBE_FILTER = probeFilter(process.env.BENCH_PROBES);
const QUIET = process.env.BENCH_QUIET === '1';
const QUIET_THRESHOLD = 0.1;
const QUIET_MAX_WAIT_MS = 20_000;

/** Before a pair of imports: with BENCH_QUIET=1, wait for a quiet machine, and count how that went. */
const quietLog = { pairs: 0, waited: 0, waitedMs: 0, busy: 0 };
async function beforePair(): Promise<void> {
  if (!QUIET) return;
  const quiet: Quiet = await waitUntilQuiet(QUIET_THRESHOLD, QUIET_MAX_WAIT_MS);
  quietLog.pairs++;
  if (quiet.waitedMs > 400) quietLog.waited++;
  quietLog.waitedMs += quiet.waitedMs;
  if (!quiet.quiet) quietLog.busy++;
}

function quietSummary(): string {
  if (!QUIET) return '';
  const { pairs, waited, waitedMs, busy } = quietLog;
  return `BENCH_QUIET: ${pairs} pairs, ${waited} waited for a quiet machine (${(waitedMs / 1000).toFixed(0)} s in all), ${busy} measured busy after ${QUIET_MAX_WAIT_MS / 1000} s`;
}

/** The fake deployment the Lambda environment describes: stage "bench" of the service, one account and region. */
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const PREFIX = 'ecs-autopilot-bench';

type VariantName = 'importOnly' | 'coldInit';
const VARIANTS: { name: VariantName; label: string; short: string }[] = [
  { name: 'importOnly', label: 'import only', short: 'import only' },
  { name: 'coldInit', label: 'import + cold-start init', short: 'cold init' },
];

/** A clean environment: nothing AWS, no NODE_OPTIONS (no loader or flag leaks into the children), nothing from this shell. */
function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', TZ: 'UTC' };
}

let automationFile: string | undefined;

/** automation.yml as serverless package ships it to the functions (deploy/esbuild-plugins.cjs). */
function deployedAutomationFile(): string {
  if (automationFile) return automationFile;
  const file = join(OUT, 'automation.json');
  mkdirSync(OUT, { recursive: true });
  writeFileSync(file, deployedAutomationJson(join(ROOT, 'automation.yml')));
  automationFile = file;
  return file;
}

const functionArn = (fn: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PREFIX}-${fn}`;

/**
 * What the Lambda environment of a function holds (fake credentials: nothing may call AWS at import).
 * The settings are serverless.yml's provider.environment, which every function gets (shared/settings.ts
 * reads them), with fake but well-formed values.
 */
function lambdaEnv(fn: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    AWS_LAMBDA_FUNCTION_NAME: `${PREFIX}-${fn}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${PREFIX}-${fn}`,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: OUT,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'bench-session-token',
    STATE_TABLE_NAME: `${PREFIX}-StateTable-1A2B3C4D5E6F`,
    EVENT_BUS_NAME: PREFIX,
    AUTOMATION_FILE: deployedAutomationFile(),
    TIMER_GROUP_NAME: `${PREFIX}-timers`,
    TIMER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-SchedulerRole-1A2B3C4D5E6F`,
    TIMER_DEAD_LETTER_ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:${PREFIX}-ScheduleDeadLetterQueue-1A2B3C4D5E6F`,
    RUN_BATCH_JOB_ARN: functionArn('run-batch-job'),
    ON_TASK_STOPPED_ARN: functionArn('on-task-stopped'),
    NOTIFY_ARN: functionArn('notify'),
    SCALE_SERVICE_ARN: functionArn('scale-service'),
    ALERT_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:${PREFIX}-AlertTopic-1A2B3C4D5E6F`,
    STACK_ACCOUNT_ID: ACCOUNT,
    POWERTOOLS_METRICS_NAMESPACE: PREFIX,
    TZ: ':UTC',
    ...overrides,
  };
}

function envFor(variant: VariantName, fn: string): NodeJS.ProcessEnv {
  return variant === 'coldInit' ? lambdaEnv(fn) : baseEnv();
}

/** The variables serverless.yml gives the functions (provider.environment and each function's own). */
function deployedEnvironmentNames(serverlessFile: string): string[] {
  if (!existsSync(serverlessFile)) return [];
  try {
    const document = parse(readFileSync(serverlessFile, 'utf8'), { logLevel: 'error' }) as {
      provider?: { environment?: Record<string, unknown> };
      functions?: Record<string, { environment?: Record<string, unknown> } | null>;
    } | null;
    const names = new Set(Object.keys(document?.provider?.environment ?? {}));
    for (const fn of Object.values(document?.functions ?? {})) for (const name of Object.keys(fn?.environment ?? {})) names.add(name);
    return [...names].sort();
  } catch {
    return [];
  }
}

interface Baseline {
  /** A, B, …: the baseline's name in the tables. */
  id: string;
  /** Its clients, short: `dynamodb+dynamodb-doc+ecs+eventbridge`. */
  label: string;
  /** The AWS SDK client packages it was generated for. */
  clients: string[];
  /** The SDK commands it imports (those of the functions it is the baseline of). */
  commands: number;
  /** The generated entry (.bench/baselines/<label>.entry.ts). */
  entry: string;
  bundle: Bundle;
}

/** The baselines, one per distinct client set, generated and bundled on first use. */
class Baselines {
  private readonly byLabel = new Map<string, Baseline>();
  private readonly dir = join(OUT, 'baselines');

  readonly options: BuildOptions;

  constructor(options: BuildOptions) {
    this.options = options;
    rmSync(this.dir, { recursive: true, force: true });
  }

  async for(clients: readonly string[], commands: ReadonlyMap<string, readonly string[]> = new Map()): Promise<Baseline> {
    const label = baselineLabel(clients);
    const key = `${label} ${JSON.stringify([...commands.entries()].sort())}`;
    const known = this.byLabel.get(key);
    if (known) return known;
    mkdirSync(this.dir, { recursive: true });
    const id = String.fromCharCode(65 + this.byLabel.size);
    const entry = join(this.dir, `${id}-${label}.entry.ts`);
    writeFileSync(entry, await baselineSource(clients, ROOT, commands));
    const built = await bundle(entry, `baseline-${id}-${label}`, this.dir, this.options, ROOT);
    const commandCount = [...commands.values()].reduce((sum, names) => sum + names.length, 0);
    const baseline = { id, label, clients: [...clients].sort(), commands: commandCount, entry, bundle: built };
    this.byLabel.set(key, baseline);
    return baseline;
  }

  all(): Baseline[] {
    return [...this.byLabel.values()];
  }
}

interface Cell {
  fn: Sample[];
  baseline: Sample[];
  error?: string | undefined;
}

interface Comparison {
  fn: Stats;
  baseline: Stats;
  overheadPercent: number;
  /** Median over rounds of (function / baseline − 1), the two measured back to back: steadier when the load drifts. */
  pairedPercent: number;
  pass: boolean;
}

async function main(): Promise<void> {
  const nodeVersion = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim() || '?';
  const { options, source, notes } = productionEsbuildOptions(SERVERLESS_FILE);
  mkdirSync(OUT, { recursive: true });

  console.log(`ecs-autopilot cold-start bench: ${RUNS} fresh processes per bundle and variant (BENCH_RUNS), ${WARMUP} warm-up round`);
  console.log(`children: ${NODE} ${nodeVersion}${process.env.BENCH_NODE ? '' : '  (set BENCH_NODE for another node; Lambda runs 24)'}`);
  console.log(`esbuild options: ${source}`);
  console.log(
    `load average ${loadAverage()} on ${availableParallelism()} CPUs (a busy machine makes the figures noisy${QUIET ? '; BENCH_QUIET=1: measuring in quiet moments' : '; BENCH_QUIET=1 measures only in quiet moments'})`,
  );
  for (const note of notes) console.log(`  note: ${note}`);
  const simulated = new Set(Object.keys(lambdaEnv('x')));
  const unset = deployedEnvironmentNames(SERVERLESS_FILE).filter((name) => !simulated.has(name));
  if (unset.length > 0) {
    console.log(`  WARNING: serverless.yml gives the functions ${unset.join(', ')}, which the bench's Lambda environment lacks:`);
    console.log('           add them to lambdaEnv in bench/cold-start.ts, or the cold-start init figures may fail or flatter');
  }

  // 1. Bundles, and the baseline of each function: exactly the AWS SDK clients its bundle carries.
  const functionNames = readdirSync(join(ROOT, 'functions'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => basename(file, '.ts'))
    .sort();
  const bundles = new Map<string, Bundle>();
  for (const fn of functionNames) bundles.set(fn, await bundle(join(ROOT, `functions/${fn}.ts`), fn, OUT, options, ROOT));
  const baselines = new Baselines(options);
  const baselineOf = new Map<string, Baseline>();
  for (const fn of functionNames) {
    const fnBundle = bundles.get(fn) as Bundle;
    baselineOf.set(fn, await baselines.for(sdkClients(fnBundle.packages), fnBundle.commands));
  }
  const bundleOf = (fn: string) => bundles.get(fn) as Bundle;
  const baseOf = (fn: string) => baselineOf.get(fn) as Baseline;

  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  console.log('\nBaselines: one per function (its set of AWS SDK clients and commands); each creates one client per package');
  console.log('through shared/aws/clients.ts clientConfig(), at import only inside Lambda, and imports the SDK commands the');
  console.log("function sends: the SDK's share of its AWS calls (bench/baselines.ts):");
  const legend = [['', 'KB', 'KB gz', 'SDK client packages', 'commands', 'baseline of']];
  for (const b of baselines.all()) {
    const users = functionNames.filter((fn) => baseOf(fn) === b);
    legend.push([b.id, kb(b.bundle.bytes), kb(b.bundle.gzipBytes), b.label, String(b.commands), users.join(', ')]);
  }
  printTable(legend, [0, 3, 5]);
  for (const b of baselines.all()) {
    const got = sdkClients(b.bundle.packages);
    if (got.join() !== b.clients.join()) {
      console.log(
        `  WARNING: baseline ${b.id} should bundle [${b.clients.join(', ')}] but bundles [${got.join(', ')}]: fix bench/baselines.ts`,
      );
    }
  }

  // 2. Sanity: inside Lambda the module really does its init at import (a missing automation.yml must fail it).
  const initChecks: Record<string, string> = {};
  for (const fn of functionNames) {
    try {
      await importOnce(NODE, bundleOf(fn).file, lambdaEnv(fn, { AUTOMATION_FILE: join(OUT, 'missing-automation.json') }), ROOT);
      initChecks[fn] = 'NOT RUN AT IMPORT: a missing AUTOMATION_FILE did not fail the import';
    } catch (error) {
      initChecks[fn] =
        error instanceof ChildFailed && /missing-automation\.json/.test(error.message) ? 'ok' : `unexpected: ${String(error)}`;
    }
  }

  // 3. Timings: each function and its baseline alternate, their order flips every round.
  const cells = new Map<string, Cell>();
  const key = (fn: string, variant: VariantName) => `${fn}/${variant}`;
  for (const fn of functionNames) for (const v of VARIANTS) cells.set(key(fn, v.name), { fn: [], baseline: [] });
  process.stdout.write('\nmeasuring ');
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const fn of functionNames) {
      for (const { name: variant } of VARIANTS) {
        const cell = cells.get(key(fn, variant)) as Cell;
        if (cell.error) continue;
        const env = envFor(variant, fn);
        const pair: ['fn' | 'baseline', string][] = [
          ['baseline', baseOf(fn).bundle.file],
          ['fn', bundleOf(fn).file],
        ];
        if (round % 2 === 1) pair.reverse();
        await beforePair();
        const measured: Partial<Record<'fn' | 'baseline', Sample>> = {};
        for (const [which, file] of pair) {
          try {
            measured[which] = await importOnce(NODE, file, env, ROOT);
          } catch (error) {
            cell.error = error instanceof Error ? error.message : String(error);
            break;
          }
        }
        if (round >= WARMUP && measured.fn && measured.baseline) {
          cell.fn.push(measured.fn);
          cell.baseline.push(measured.baseline);
        }
      }
    }
    process.stdout.write('.');
  }
  process.stdout.write('\n\n');

  // 4. Report.
  const comparisons = new Map<string, Comparison>();
  for (const [cellKey, cell] of cells) {
    if (cell.error) continue;
    const fn = stats(cell.fn.map((s) => s.importMs));
    const base = stats(cell.baseline.map((s) => s.importMs));
    const overheadPercent = ((fn.median - base.median) / base.median) * 100;
    const paired = stats(cell.fn.map((s, i) => (s.importMs / (cell.baseline[i]?.importMs ?? Number.NaN) - 1) * 100));
    comparisons.set(cellKey, {
      fn,
      baseline: base,
      overheadPercent,
      pairedPercent: paired.median,
      pass: paired.median <= TARGET_PERCENT,
    });
  }

  const rows: string[][] = [
    [
      'function',
      'baseline',
      'bundle KB',
      'baseline KB',
      ...VARIANTS.flatMap((v) => [`${v.short} ms`, 'baseline ms', 'overhead']),
      `≤${TARGET_PERCENT}%`,
    ],
  ];
  for (const fn of functionNames) {
    const base = baseOf(fn);
    const row = [fn, base.id, kb(bundleOf(fn).bytes), kb(base.bundle.bytes)];
    const failed: string[] = [];
    let errors = 0;
    for (const v of VARIANTS) {
      const c = comparisons.get(key(fn, v.name));
      if (!c) {
        errors++;
        row.push('ERROR', '', '');
        continue;
      }
      if (!c.pass) failed.push(v.short);
      row.push(c.fn.median.toFixed(1), c.baseline.median.toFixed(1), signed(c.pairedPercent));
    }
    row.push(errors > 0 ? 'ERROR' : failed.length === 0 ? 'PASS' : `FAIL (${failed.join(', ')})`);
    rows.push(row);
  }
  console.log('Cold import of the production bundle against its baseline, medians of fresh processes (time of `await import(bundle)`');
  console.log('in the child; import only: no Lambda environment; cold init: the Lambda environment, so the init runs at import);');
  console.log('overhead: the median over rounds of function / baseline − 1, the two imported back to back (what the target is judged on):');
  printTable(rows, [0, 1]);
  for (const [cellKey, cell] of cells) if (cell.error) console.log(`  ERROR ${cellKey}: ${cell.error}`);

  const detail: string[][] = [
    [
      'function',
      'variant',
      'import ms p25–p75',
      'baseline p25–p75',
      'ratio of medians',
      'import CPU ms',
      'baseline',
      'overhead',
      'start→imported ms',
      'baseline',
      'RSS MB',
      'baseline',
    ],
  ];
  for (const fn of functionNames) {
    for (const v of VARIANTS) {
      const cell = cells.get(key(fn, v.name)) as Cell;
      const c = comparisons.get(key(fn, v.name));
      if (cell.error || !c) continue;
      const med = (samples: Sample[], pick: (s: Sample) => number) => stats(samples.map(pick)).median.toFixed(1);
      const iqr = (s: Stats) => `${s.p25.toFixed(1)}–${s.p75.toFixed(1)}`;
      const cpu = stats(cell.fn.map((s) => s.cpuMs)).median;
      const baseCpu = stats(cell.baseline.map((s) => s.cpuMs)).median;
      detail.push([
        fn,
        v.label,
        iqr(c.fn),
        iqr(c.baseline),
        signed(c.overheadPercent),
        cpu.toFixed(1),
        baseCpu.toFixed(1),
        signed(((cpu - baseCpu) / baseCpu) * 100),
        med(cell.fn, (s) => s.sinceStartMs),
        med(cell.baseline, (s) => s.sinceStartMs),
        med(cell.fn, (s) => s.rssMB),
        med(cell.baseline, (s) => s.rssMB),
      ]);
    }
  }
  console.log("\nSpread and more medians: the ratio of the two medians above (unpaired: it swings when the two sides' samples fall");
  console.log('in different speed modes of the machine), CPU time of the import (all threads), and the whole process (node boot');
  console.log('included, so the relative overhead looks smaller there):');
  printTable(detail, [0, 1]);

  console.log('\nBundles (gzip), and what each carries beyond its baseline (its SDK commands are in the baseline too):');
  for (const fn of functionNames) {
    const b = bundleOf(fn);
    const base = baseOf(fn);
    const extra = bundleDelta(b, base.bundle).filter((d) => Math.abs(d.extraBytes) >= 512);
    console.log(
      `  ${fn}: ${kb(b.bytes)} KB (${kb(b.gzipBytes)} KB gz), +${kb(b.bytes - base.bundle.bytes)} KB over baseline ${base.id} (${kb(base.bundle.bytes)} KB):`,
    );
    console.log(`    ${extra.map((d) => `${d.name} ${d.extraBytes > 0 ? '+' : ''}${kb(d.extraBytes)}`).join(', ')}`);
    console.log(`    cold-start init at import: ${initChecks[fn]}`);
  }

  let probes: ProbeResult[] = [];
  if (PROBE_FILTER) probes = await runProbes(PROBE_FILTER, baselines, (fn) => baselineOf.get(fn), mostShared(baselineOf));
  else console.log('\nBENCH_PROBES=1 adds a breakdown of the import overhead by dependency (zod, Powertools, middy, our modules).');

  const verdicts = [...comparisons.entries()].map(([k, c]) => `${k}: ${signed(c.pairedPercent)} ${c.pass ? 'PASS' : 'FAIL'}`);
  const failures = [...cells.values()].filter((c) => c.error).length;
  console.log(
    `\nTarget ≤${TARGET_PERCENT}% import-time overhead over the function's SDK-only baseline: ${verdicts.join('; ')}${failures ? `; ${failures} ERROR` : ''}`,
  );

  const baselineJson = (b: Baseline) => ({
    id: b.id,
    label: b.label,
    sdkClients: b.clients,
    entry: b.entry,
    file: b.bundle.file,
    bytes: b.bundle.bytes,
    gzipBytes: b.bundle.gzipBytes,
  });
  const results = {
    date: new Date().toISOString(),
    node: { path: NODE, version: nodeVersion },
    runs: RUNS,
    quiet: QUIET ? { threshold: QUIET_THRESHOLD, maxWaitMs: QUIET_MAX_WAIT_MS, ...quietLog } : undefined,
    warmupRounds: WARMUP,
    targetPercent: TARGET_PERCENT,
    esbuild: { source, notes, options },
    metric: 'median ms of `await import(bundle)` inside a fresh node process, against the baseline with the same AWS SDK clients',
    baselines: baselines.all().map(baselineJson),
    functions: functionNames.map((fn) => {
      const b = bundleOf(fn);
      return {
        name: fn,
        file: b.file,
        bytes: b.bytes,
        gzipBytes: b.gzipBytes,
        sdkClients: sdkClients(b.packages),
        baseline: baseOf(fn).id,
        extraOverBaseline: bundleDelta(b, baseOf(fn).bundle),
        coldStartInitAtImport: initChecks[fn],
        variants: Object.fromEntries(
          VARIANTS.map((v) => {
            const cell = cells.get(key(fn, v.name)) as Cell;
            const c = comparisons.get(key(fn, v.name));
            return [
              v.name,
              {
                label: v.label,
                error: cell.error,
                importMs: c?.fn,
                baselineImportMs: c?.baseline,
                overheadPercent: c?.overheadPercent,
                pairedOverheadPercent: c?.pairedPercent,
                pass: c?.pass,
                samples: cell.fn,
                baselineSamples: cell.baseline,
              },
            ];
          }),
        ),
      };
    }),
    probes,
  };
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (QUIET) console.log(quietSummary());
  console.log(`Load average now ${loadAverage()}. Results: ${join(OUT, 'results.json')}`);
}

/** The baseline most functions share: where the probes without `on` sit. */
function mostShared(baselineOf: Map<string, Baseline>): Baseline | undefined {
  const counts = new Map<Baseline, number>();
  for (const b of baselineOf.values()) counts.set(b, (counts.get(b) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].id.localeCompare(b[0].id))[0]?.[0];
}

interface ProbeResult {
  name: string;
  description: string;
  baseline: string;
  bytes: number;
  extraBytes: number;
  importMs: Stats;
  baselineImportMs: Stats;
  extraMs: number;
  pairedExtraMs: number;
  cpuMs: Stats;
  baselineCpuMs: Stats;
  extraCpuMs: number;
}

/**
 * Baseline + one dependency at a time (import only), to attribute the function's overhead. A probe sits on
 * its function's baseline, widened to any further SDK client its modules bundle.
 */
async function runProbes(
  filter: (probe: Probe) => boolean,
  baselines: Baselines,
  baselineOfFunction: (fn: string) => Baseline | undefined,
  fallback: Baseline | undefined,
): Promise<ProbeResult[]> {
  const dir = join(OUT, 'probes');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const built: { probe: Probe; baseline: Baseline; widenedFrom?: Baseline; bundle: Bundle }[] = [];
  for (const probe of PROBES.filter(filter)) {
    const intended = (probe.on ? baselineOfFunction(probe.on) : undefined) ?? fallback;
    if (!intended) throw new Error('no baseline for the probes');
    let baseline = intended;
    const entry = join(dir, `${probe.name}.entry.ts`);
    writeFileSync(entry, probeSource(probe, baseline.entry));
    let probeBundle = await bundle(entry, probe.name, dir, baselines.options, ROOT);
    const clients = sdkClients(probeBundle.packages);
    if (clients.join() !== baseline.clients.join()) {
      baseline = await baselines.for([...new Set([...baseline.clients, ...clients])]);
      writeFileSync(entry, probeSource(probe, baseline.entry));
      probeBundle = await bundle(entry, probe.name, dir, baselines.options, ROOT);
    }
    built.push({ probe, baseline, bundle: probeBundle, ...(baseline !== intended && { widenedFrom: intended }) });
  }
  const samples = new Map<string, { probe: Sample[]; baseline: Sample[] }>(built.map((p) => [p.probe.name, { probe: [], baseline: [] }]));
  process.stdout.write(`\nprobing (${built.length} probes) `);
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const p of built) {
      const pair: ['probe' | 'baseline', string][] = [
        ['baseline', p.baseline.bundle.file],
        ['probe', p.bundle.file],
      ];
      if (round % 2 === 1) pair.reverse();
      await beforePair();
      for (const [which, file] of pair) {
        const sample = await importOnce(NODE, file, baseEnv(), ROOT);
        if (round >= WARMUP) samples.get(p.probe.name)?.[which].push(sample);
      }
    }
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  const results = built.map((p) => {
    const s = samples.get(p.probe.name) as { probe: Sample[]; baseline: Sample[] };
    const importMs = stats(s.probe.map((x) => x.importMs));
    const baselineImportMs = stats(s.baseline.map((x) => x.importMs));
    const cpuMs = stats(s.probe.map((x) => x.cpuMs));
    const baselineCpuMs = stats(s.baseline.map((x) => x.cpuMs));
    return {
      name: p.probe.name,
      description: p.probe.description,
      baseline: p.baseline.id,
      bytes: p.bundle.bytes,
      extraBytes: p.bundle.bytes - p.baseline.bundle.bytes,
      importMs,
      baselineImportMs,
      extraMs: importMs.median - baselineImportMs.median,
      pairedExtraMs: stats(s.probe.map((x, i) => x.importMs - (s.baseline[i]?.importMs ?? Number.NaN))).median,
      cpuMs,
      baselineCpuMs,
      extraCpuMs: cpuMs.median - baselineCpuMs.median,
    };
  });
  const plus = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
  const rows = [
    [
      'probe (baseline + …)',
      'on',
      'extra KB',
      'import ms',
      'baseline ms',
      'extra ms',
      'extra %',
      'paired ms',
      'extra CPU ms',
      'extra CPU %',
    ],
  ];
  for (const r of results) {
    rows.push([
      r.description,
      r.baseline,
      plus(r.extraBytes / 1024),
      r.importMs.median.toFixed(1),
      r.baselineImportMs.median.toFixed(1),
      plus(r.extraMs),
      signed((r.extraMs / r.baselineImportMs.median) * 100),
      plus(r.pairedExtraMs),
      plus(r.extraCpuMs),
      signed((r.extraCpuMs / r.baselineCpuMs.median) * 100),
    ]);
  }
  console.log('Where the import overhead comes from (import only; each probe = baseline "on" + the named modules, medians;');
  console.log('paired ms = median of the per-round differences; differences of a few ms are noise):');
  printTable(rows, [0]);
  for (const { probe, baseline, widenedFrom } of built) {
    if (!widenedFrom) continue;
    console.log(
      `  note: ${probe.name} bundles more SDK clients than baseline ${widenedFrom.id}: it sits on baseline ${baseline.id} (${baseline.label})`,
    );
  }
  return results;
}

/** BENCH_PROBES: unset or 0, none; 1 or all, every probe; otherwise comma-separated parts of probe names. */
function probeFilter(value: string | undefined): ((probe: Probe) => boolean) | undefined {
  if (!value || value === '0') return undefined;
  if (value === '1' || value === 'all') return () => true;
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return (probe) => parts.some((part) => probe.name.includes(part) || probe.on === part);
}

function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

function signed(percent: number): string {
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%`;
}

function printTable(rows: string[][], leftAligned: number[]): void {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const [index, row] of rows.entries()) {
    const line = row
      .map((cell, column) => (leftAligned.includes(column) ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
    console.log(`  ${line.trimEnd()}`);
    if (index === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
}

function positiveInt(text: string | undefined, fallback: number): number {
  const value = Number.parseInt(text ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

try {
  await main();
} catch (error) {
  console.error('bench failed:', error);
}
process.exitCode = 0;
