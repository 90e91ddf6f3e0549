/** Cold import of a bundle in a fresh node process, timed inside the child and from outside. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

export interface Sample {
  /** The dynamic import itself (performance.now() around `await import(bundle)`), init included when enabled. */
  importMs: number;
  /** From process start (performance.timeOrigin) to after the import: node's own boot plus the import. */
  sinceStartMs: number;
  /** Spawn to exit, measured by the parent. */
  wallMs: number;
  /** CPU time (user + system, all threads: compile and GC helpers too) spent during the import; less sensitive to a busy machine. */
  cpuMs: number;
  /** Resident set size after the import. */
  rssMB: number;
}

export interface Stats {
  n: number;
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
}

const MARK = '@@bench ';

/** The child: time the import, report one line, exit at once (no lingering handles may skew wall time). */
function childScript(bundleFile: string): string {
  const url = JSON.stringify(pathToFileURL(bundleFile).href);
  return [
    'const c0 = process.cpuUsage();',
    'const t0 = performance.now();',
    // A failed import is reported in one line: Node's own report of an uncaught error starts with the
    // source line, which in a minified bundle is longer than a pipe takes before the process exits.
    `try { await import(${url}); } catch (error) { process.stderr.write(String(error) + '\\n'); process.exit(1); }`,
    'const t1 = performance.now();',
    'const c1 = process.cpuUsage(c0);',
    'const result = { importMs: t1 - t0, sinceStartMs: t1, cpuMs: (c1.user + c1.system) / 1000, rssMB: process.memoryUsage().rss / 1048576 };',
    `process.stdout.write('\\n${MARK}' + JSON.stringify(result) + '\\n');`,
    'process.exit(0);',
  ].join('\n');
}

export class ChildFailed extends Error {
  override name = 'ChildFailed';
}

export function importOnce(node: string, bundleFile: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(node, ['--input-type=module', '-e', childScript(bundleFile)], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) {
        const detail = errorLines(stderr || stdout).join('\n    ');
        reject(new ChildFailed(`node exited ${String(code)} importing ${bundleFile}:\n    ${detail}`));
        return;
      }
      const parsed = JSON.parse(line.slice(MARK.length)) as Omit<Sample, 'wallMs'>;
      resolve({ ...parsed, wallMs });
    });
  });
}

/** The child's error output, readable: a minified bundle line (node echoes the source line that threw) is elided. */
function errorLines(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s*\^+\s*$/.test(line))
    .map((line) => (line.length > 300 ? `[${line.length} characters of minified bundle]` : line))
    .slice(0, 8);
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    if (sorted.length === 0) return Number.NaN;
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (position - low);
  };
  return {
    n: sorted.length,
    median: at(0.5),
    p25: at(0.25),
    p75: at(0.75),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** CPU time of the whole machine so far, from /proc/stat (Linux): busy and total jiffies; undefined elsewhere. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((sum, n) => sum + n, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return fields.length >= 5 ? { busy: total - idle, total } : undefined;
  } catch {
    return undefined;
  }
}

export interface Quiet {
  /** The machine's busy share over the last window before the measurement (0–1 of all CPUs). */
  busy: number;
  waitedMs: number;
  /** False when the machine never got quiet within the allowed wait. */
  quiet: boolean;
}

/**
 * Waits until the machine is idle (other processes use at most `threshold` of all CPUs over a `windowMs`
 * window), at most `maxWaitMs`. For shared machines: a sample taken while someone else's test suite runs
 * says more about that suite than about the bundle.
 */
export async function waitUntilQuiet(threshold: number, maxWaitMs: number, windowMs = 200): Promise<Quiet> {
  const started = performance.now();
  let busy = 0;
  for (;;) {
    const before = machineCpu();
    await delay(windowMs);
    const after = machineCpu();
    if (!before || !after || after.total === before.total) return { busy: 0, waitedMs: performance.now() - started, quiet: true };
    busy = (after.busy - before.busy) / (after.total - before.total);
    const waitedMs = performance.now() - started;
    if (busy <= threshold) return { busy, waitedMs, quiet: true };
    if (waitedMs >= maxWaitMs) return { busy, waitedMs, quiet: false };
  }
}
