/**
 * `npm run bench`: per Lambda function, the bundle size and the cold import time of the production
 * bundle (median over fresh node processes) beside a baseline bundle that only creates the same AWS SDK
 * clients. Target: our code, middy and Powertools add at most 25% to the baseline's import time.
 *
 * Two variants per function:
 *   import only               no AWS_LAMBDA_FUNCTION_NAME: the module loads, builds nothing, touches nothing;
 *   import + cold-start init  the Lambda's environment: the module also reads its settings, loads and
 *                             validates automation.yml and creates the clients, as it does in Lambda.
 *                             This is the honest cold-start figure.
 *
 * Environment: BENCH_RUNS (default 15) fresh processes per bundle and variant; BENCH_NODE, the node binary
 * for the children (default: this one; Lambda runs Node 24); BENCH_PROBES=1 adds a breakdown of the
 * overhead by dependency. A benchmark, not a test: it always exits 0. Results: .bench/results.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployedAutomationJson } from '../shared/stack/deployed-file.ts';
import { type Bundle, bundle, bundleDelta, sdkClients } from './build.ts';
import { productionEsbuildOptions } from './esbuild-options.ts';
import { ChildFailed, importOnce, type Sample, type Stats, stats } from './measure.ts';
import { PROBES, probeSource } from './probes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, '.bench');
const TARGET_PERCENT = 25;
const RUNS = positiveInt(process.env.BENCH_RUNS, 15);
const WARMUP = 1;
const NODE = process.env.BENCH_NODE || process.execPath;
const WITH_PROBES = process.env.BENCH_PROBES === '1';

type VariantName = 'importOnly' | 'coldInit';
const VARIANTS: { name: VariantName; label: string }[] = [
  { name: 'importOnly', label: 'import only' },
  { name: 'coldInit', label: 'import + cold-start init' },
];

/** A clean environment: nothing AWS, no NODE_OPTIONS (no tsx loader in the children), nothing from this shell. */
function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', TZ: 'UTC' };
}

/** automation.yml as serverless package ships it to the functions (deploy/esbuild-plugins.cjs). */
function deployedAutomationFile(): string {
  const file = join(OUT, 'automation.json');
  mkdirSync(OUT, { recursive: true });
  writeFileSync(file, deployedAutomationJson(join(ROOT, 'automation.yml')));
  return file;
}

/** What the Lambda environment of a function holds (fake credentials: nothing may call AWS at import). */
function lambdaEnv(fn: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    AWS_LAMBDA_FUNCTION_NAME: `ecs-autopilot-bench-${fn}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/ecs-autopilot-bench-${fn}`,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: OUT,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'bench-session-token',
    STATE_TABLE_NAME: 'ecs-autopilot-bench-state',
    EVENT_BUS_NAME: 'ecs-autopilot-bench',
    AUTOMATION_FILE: deployedAutomationFile(),
    TZ: ':UTC',
    ...overrides,
  };
}

function envFor(variant: VariantName, fn: string): NodeJS.ProcessEnv {
  return variant === 'coldInit' ? lambdaEnv(fn) : baseEnv();
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
  pass: boolean;
}

async function main(): Promise<void> {
  const nodeVersion = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim() || '?';
  const { options, source, notes } = productionEsbuildOptions(join(ROOT, 'serverless.yml'));
  mkdirSync(OUT, { recursive: true });

  console.log(`ecs-autopilot cold-start bench: ${RUNS} fresh processes per bundle and variant (BENCH_RUNS), ${WARMUP} warm-up round`);
  console.log(`children: ${NODE} ${nodeVersion}${process.env.BENCH_NODE ? '' : '  (set BENCH_NODE for another node; Lambda runs 24)'}`);
  console.log(`esbuild options: ${source}`);
  console.log(`load average ${loadAverage()} on ${availableParallelism()} CPUs (a busy machine makes the figures noisy)`);
  for (const note of notes) console.log(`  note: ${note}`);

  // 1. Bundles.
  const functionNames = readdirSync(join(ROOT, 'functions'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => basename(file, '.ts'))
    .sort();
  const baseline = await bundle(join(ROOT, 'bench/baseline-entry.ts'), 'baseline', OUT, options, ROOT);
  const bundles = new Map<string, Bundle>();
  for (const fn of functionNames) bundles.set(fn, await bundle(join(ROOT, `functions/${fn}.ts`), fn, OUT, options, ROOT));

  const baselineClients = sdkClients(baseline.packages);
  for (const [fn, b] of bundles) {
    const clients = sdkClients(b.packages);
    if (clients.join() !== baselineClients.join()) {
      console.log(`  WARNING: ${fn} bundles AWS SDK clients [${clients.join(', ')}] but the baseline [${baselineClients.join(', ')}]:`);
      console.log('           update bench/baseline-entry.ts (or give that function its own baseline) for a fair comparison');
    }
  }

  // 2. Sanity: inside Lambda the module really does its init at import (a missing automation.yml must fail it).
  const initChecks: Record<string, string> = {};
  for (const fn of functionNames) {
    const file = (bundles.get(fn) as Bundle).file;
    try {
      await importOnce(NODE, file, lambdaEnv(fn, { AUTOMATION_FILE: join(OUT, 'missing-automation.json') }), ROOT);
      initChecks[fn] = 'NOT RUN AT IMPORT: a missing AUTOMATION_FILE did not fail the import';
    } catch (error) {
      initChecks[fn] =
        error instanceof ChildFailed && /missing-automation\.json/.test(error.message) ? 'ok' : `unexpected: ${String(error)}`;
    }
  }

  // 3. Timings: baseline and function alternate, their order flips every round.
  const cells = new Map<string, Cell>();
  const key = (fn: string, variant: VariantName) => `${fn}/${variant}`;
  for (const fn of functionNames) for (const v of VARIANTS) cells.set(key(fn, v.name), { fn: [], baseline: [] });
  process.stdout.write('measuring ');
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const fn of functionNames) {
      for (const { name: variant } of VARIANTS) {
        const cell = cells.get(key(fn, variant)) as Cell;
        if (cell.error) continue;
        const env = envFor(variant, fn);
        const pair: ['fn' | 'baseline', string][] = [
          ['baseline', baseline.file],
          ['fn', (bundles.get(fn) as Bundle).file],
        ];
        if (round % 2 === 1) pair.reverse();
        for (const [which, file] of pair) {
          try {
            const sample = await importOnce(NODE, file, env, ROOT);
            if (round >= WARMUP) cell[which].push(sample);
          } catch (error) {
            cell.error = error instanceof Error ? error.message : String(error);
            break;
          }
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
    comparisons.set(cellKey, { fn, baseline: base, overheadPercent, pass: overheadPercent <= TARGET_PERCENT });
  }

  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  const ms = (s: Stats) => `${s.median.toFixed(1)} (${s.p25.toFixed(1)}–${s.p75.toFixed(1)})`;
  const rows: string[][] = [
    ['function', 'variant', 'bundle KB', 'baseline KB', 'import ms (p25–p75)', 'baseline ms (p25–p75)', 'overhead', `≤${TARGET_PERCENT}%`],
  ];
  for (const fn of functionNames) {
    const b = bundles.get(fn) as Bundle;
    for (const v of VARIANTS) {
      const c = comparisons.get(key(fn, v.name));
      rows.push(
        c
          ? [fn, v.label, kb(b.bytes), kb(baseline.bytes), ms(c.fn), ms(c.baseline), signed(c.overheadPercent), c.pass ? 'PASS' : 'FAIL']
          : [fn, v.label, kb(b.bytes), kb(baseline.bytes), 'ERROR', '', '', 'ERROR'],
      );
    }
  }
  console.log('Cold import of the production bundle, median of fresh processes (time of `await import(bundle)` in the child):');
  printTable(rows, [0, 1]);
  for (const [cellKey, cell] of cells) if (cell.error) console.log(`  ERROR ${cellKey}: ${cell.error}`);

  const detail: string[][] = [
    [
      'function',
      'variant',
      'import CPU ms',
      'baseline',
      'overhead',
      'start→imported ms',
      'baseline',
      'process wall ms',
      'baseline',
      'RSS MB',
      'baseline',
    ],
  ];
  for (const fn of functionNames) {
    for (const v of VARIANTS) {
      const cell = cells.get(key(fn, v.name)) as Cell;
      if (cell.error) continue;
      const med = (samples: Sample[], pick: (s: Sample) => number) => stats(samples.map(pick)).median.toFixed(1);
      const cpu = stats(cell.fn.map((s) => s.cpuMs)).median;
      const baseCpu = stats(cell.baseline.map((s) => s.cpuMs)).median;
      detail.push([
        fn,
        v.label,
        cpu.toFixed(1),
        baseCpu.toFixed(1),
        signed(((cpu - baseCpu) / baseCpu) * 100),
        med(cell.fn, (s) => s.sinceStartMs),
        med(cell.baseline, (s) => s.sinceStartMs),
        med(cell.fn, (s) => s.wallMs),
        med(cell.baseline, (s) => s.wallMs),
        med(cell.fn, (s) => s.rssMB),
        med(cell.baseline, (s) => s.rssMB),
      ]);
    }
  }
  console.log('\nMore medians: CPU time of the import (all threads; steadier than wall time on a busy machine), and the whole process');
  console.log('(node boot included, so the relative overhead looks smaller there):');
  printTable(detail, [0, 1]);

  console.log(
    `\nBundles (gzip): baseline ${kb(baseline.bytes)} KB (${kb(baseline.gzipBytes)} KB gz), SDK clients: ${baselineClients.join(', ')}`,
  );
  for (const fn of functionNames) {
    const b = bundles.get(fn) as Bundle;
    const extra = bundleDelta(b, baseline).filter((d) => Math.abs(d.extraBytes) >= 512);
    console.log(`  ${fn}: ${kb(b.bytes)} KB (${kb(b.gzipBytes)} KB gz), +${kb(b.bytes - baseline.bytes)} KB over the baseline:`);
    console.log(`    ${extra.map((d) => `${d.name} ${d.extraBytes > 0 ? '+' : ''}${kb(d.extraBytes)}`).join(', ')}`);
    console.log(`    cold-start init at import: ${initChecks[fn]}`);
  }

  let probes: ProbeResult[] = [];
  if (WITH_PROBES) probes = await runProbes(options, baseline);
  else console.log('\nBENCH_PROBES=1 adds a breakdown of the import overhead by dependency (zod, yaml, Powertools, middy, our schema).');

  const verdicts = [...comparisons.entries()].map(([k, c]) => `${k}: ${signed(c.overheadPercent)} ${c.pass ? 'PASS' : 'FAIL'}`);
  const failures = [...cells.values()].filter((c) => c.error).length;
  console.log(
    `\nTarget ≤${TARGET_PERCENT}% import-time overhead over the SDK-only baseline: ${verdicts.join('; ')}${failures ? `; ${failures} ERROR` : ''}`,
  );

  const results = {
    date: new Date().toISOString(),
    node: { path: NODE, version: nodeVersion },
    runs: RUNS,
    warmupRounds: WARMUP,
    targetPercent: TARGET_PERCENT,
    esbuild: { source, notes, options },
    metric: 'median ms of `await import(bundle)` inside a fresh node process',
    baseline: { file: baseline.file, bytes: baseline.bytes, gzipBytes: baseline.gzipBytes, sdkClients: baselineClients },
    functions: functionNames.map((fn) => {
      const b = bundles.get(fn) as Bundle;
      return {
        name: fn,
        file: b.file,
        bytes: b.bytes,
        gzipBytes: b.gzipBytes,
        sdkClients: sdkClients(b.packages),
        extraOverBaseline: bundleDelta(b, baseline),
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
  console.log(`Load average now ${loadAverage()}. Results: ${join(OUT, 'results.json')}`);
}

interface ProbeResult {
  name: string;
  description: string;
  bytes: number;
  extraBytes: number;
  importMs: Stats;
  baselineImportMs: Stats;
  extraMs: number;
  cpuMs: Stats;
  baselineCpuMs: Stats;
  extraCpuMs: number;
}

/** Baseline + one dependency at a time (import only), to attribute the function's overhead. */
async function runProbes(options: Parameters<typeof bundle>[3], baseline: Bundle): Promise<ProbeResult[]> {
  const dir = join(OUT, 'probes');
  mkdirSync(dir, { recursive: true });
  const built: { name: string; description: string; bundle: Bundle }[] = [];
  for (const probe of PROBES) {
    const entry = join(dir, `${probe.name}.entry.ts`);
    writeFileSync(entry, probeSource(probe, ROOT));
    built.push({ name: probe.name, description: probe.description, bundle: await bundle(entry, probe.name, dir, options, ROOT) });
  }
  const samples = new Map<string, { probe: Sample[]; baseline: Sample[] }>(built.map((p) => [p.name, { probe: [], baseline: [] }]));
  process.stdout.write('\nprobing ');
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const p of built) {
      const pair: ['probe' | 'baseline', string][] = [
        ['baseline', baseline.file],
        ['probe', p.bundle.file],
      ];
      if (round % 2 === 1) pair.reverse();
      for (const [which, file] of pair) {
        const sample = await importOnce(NODE, file, baseEnv(), ROOT);
        if (round >= WARMUP) samples.get(p.name)?.[which].push(sample);
      }
    }
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  const results = built.map((p) => {
    const s = samples.get(p.name) as { probe: Sample[]; baseline: Sample[] };
    const importMs = stats(s.probe.map((x) => x.importMs));
    const baselineImportMs = stats(s.baseline.map((x) => x.importMs));
    const cpuMs = stats(s.probe.map((x) => x.cpuMs));
    const baselineCpuMs = stats(s.baseline.map((x) => x.cpuMs));
    return {
      name: p.name,
      description: p.description,
      bytes: p.bundle.bytes,
      extraBytes: p.bundle.bytes - baseline.bytes,
      importMs,
      baselineImportMs,
      extraMs: importMs.median - baselineImportMs.median,
      cpuMs,
      baselineCpuMs,
      extraCpuMs: cpuMs.median - baselineCpuMs.median,
    };
  });
  const plus = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
  const rows = [['probe (baseline + …)', 'extra KB', 'import ms', 'baseline ms', 'extra ms', 'extra %', 'extra CPU ms', 'extra CPU %']];
  for (const r of results) {
    rows.push([
      r.description,
      plus(r.extraBytes / 1024),
      r.importMs.median.toFixed(1),
      r.baselineImportMs.median.toFixed(1),
      plus(r.extraMs),
      signed((r.extraMs / r.baselineImportMs.median) * 100),
      plus(r.extraCpuMs),
      signed((r.extraCpuMs / r.baselineCpuMs.median) * 100),
    ]);
  }
  console.log('Where the import overhead comes from (import only; each probe = the baseline + the named modules, medians;');
  console.log('differences of a few ms are noise):');
  printTable(rows, [0]);
  return results;
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
