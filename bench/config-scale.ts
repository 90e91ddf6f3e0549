/**
 * `npm run bench`, third part (`npm run bench:config-scale` alone): `validate` and `plan` on a large
 * automation.yml, 10,000 jobs each `rate(1 minute)`, and `plan` on 10,000 jobs each `cron(* * * * ? *)`
 * in Europe/Berlin, written into .bench/. Each command runs in a fresh node process, timed from outside;
 * the process reports its own peak resident memory and CPU time. Before issue 12, `plan` on the first
 * ran out of memory (14.4 million firings for a day) and took 10 minutes on the second (every minute of
 * the day before the window worked out for each job); it now lists its first PLAN_LIMIT (cli/plan.ts).
 * BENCH_SCALE_JOBS changes the number of jobs.
 * A benchmark, not a test: it always exits 0. Results: .bench/config-scale.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, '.bench');
const JOBS = Number(process.env.BENCH_SCALE_JOBS ?? 10_000);
/** A command still running after this long is reported as such and stopped. */
const TIMEOUT_MS = 180_000;
const MARK = '@@bench ';

interface Measured {
  command: string;
  exitCode: number | null;
  wallMs: number;
  cpuMs?: number;
  maxRssMB?: number;
  /** Why there are no figures: out of memory, timed out. */
  failure?: string;
}

function everyMinuteJobs(count: number, schedule: string): string {
  const lines = ['defaults:', '  cluster: batch', '  timezone: Europe/Berlin', 'jobs:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  job-${String(i).padStart(5, '0')}:`, `    schedule: ${schedule}`, '    taskDefinition: sync');
  }
  return `${lines.join('\n')}\n`;
}

/** The child: run the CLI with stdout thrown away, then report its own peak memory and CPU time on stderr. */
function childScript(args: string[]): string {
  const main = JSON.stringify(pathToFileURL(join(ROOT, 'cli/main.ts')).href);
  return [
    'process.stdout.write = () => true;',
    `const { main } = await import(${main});`,
    `const code = await main(${JSON.stringify(args)});`,
    'const usage = process.resourceUsage();',
    `process.stderr.write('\\n${MARK}' + JSON.stringify({ code, maxRssMB: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }) + '\\n');`,
    'process.exit(0);',
  ].join('\n');
}

function measure(args: string[]): Promise<Measured> {
  const command = `ecs-autopilot ${args.join(' ')}`;
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', childScript(args)], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const report = stderr.split('\n').find((line) => line.startsWith(MARK));
      if (report) {
        const { code, maxRssMB, cpuMs } = JSON.parse(report.slice(MARK.length)) as { code: number; maxRssMB: number; cpuMs: number };
        done({ command, exitCode: code, wallMs, cpuMs, maxRssMB });
        return;
      }
      const failure = /heap out of memory/.test(stderr)
        ? 'out of memory'
        : signal === 'SIGKILL'
          ? `still running after ${TIMEOUT_MS / 1000} s`
          : `exited ${exitCode ?? signal}: ${stderr.trim().split('\n').at(-1) ?? ''}`;
      done({ command, exitCode, wallMs, failure });
    });
  });
}

mkdirSync(OUT, { recursive: true });
const rateFile = join(OUT, `automation-${JOBS}-rate-jobs.yml`);
const cronFile = join(OUT, `automation-${JOBS}-cron-jobs.yml`);
writeFileSync(rateFile, everyMinuteJobs(JOBS, 'rate(1 minute)'));
writeFileSync(cronFile, everyMinuteJobs(JOBS, 'cron(* * * * ? *)'));
const day = ['--from', '2026-12-07T00:00:00Z', '--hours', '24'];
const commands: { label: string; args: string[] }[] = [
  { label: 'validate, rate(1 minute)', args: ['validate', '--config', rateFile] },
  { label: 'plan, rate(1 minute)', args: ['plan', '--config', rateFile, ...day] },
  { label: 'plan --json, rate(1 minute)', args: ['plan', '--config', rateFile, ...day, '--json'] },
  { label: 'plan, cron(* * * * ? *)', args: ['plan', '--config', cronFile, ...day] },
];
console.log(`config scale: ${JOBS} jobs, each every minute (${OUT})`);
const results: Measured[] = [];
for (const { label, args } of commands) {
  const result = await measure(args);
  results.push(result);
  const figures = result.failure
    ? result.failure
    : `${(result.wallMs / 1000).toFixed(1)} s wall, ${((result.cpuMs ?? 0) / 1000).toFixed(1)} s CPU, peak ${Math.round(result.maxRssMB ?? 0)} MB resident, exit ${result.exitCode}`;
  console.log(`  ${label}: ${figures}`);
}
writeFileSync(join(OUT, 'config-scale.json'), `${JSON.stringify({ jobs: JOBS, results }, null, 2)}\n`);
