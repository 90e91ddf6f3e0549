/**
 * `npm run fuzz`: every handler's input and automation.yml, FUZZ_RUNS inputs each (default 10 000), with
 * the properties of test/fuzz/handler-targets.ts and test/fuzz/config-targets.ts. Prints per target the
 * inputs tried and the failures found (each shrunk to its smallest input), then one summary line.
 * Failures listed in known-failures.ts (found in code the fuzz does not own, reported, not fixed yet) are
 * printed as known and do not fail the run; any other failure exits 1.
 *
 * FUZZ_SEED=<n> replays a run (each target prints its seed); FUZZ_TARGETS=notify,shift-traffic picks targets.
 */
import { installAwsDouble } from './aws-double.ts';
import { configTargets } from './config-targets.ts';
import { handlerTargets } from './handler-targets.ts';
import { knownFailure } from './known-failures.ts';
import { fuzzTarget, type Target } from './property.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const picked = process.env.FUZZ_TARGETS?.split(',').map((name) => name.trim());

if (!Number.isInteger(runs) || runs < 1) {
  console.error(`FUZZ_RUNS must be a whole number of inputs from 1, not "${process.env.FUZZ_RUNS}"`);
  process.exit(2);
}

const aws = installAwsDouble();
let exitCode = 0;
try {
  const targets: Target<unknown>[] = [...(await handlerTargets(aws)), ...configTargets()].filter(
    (target) => picked === undefined || picked.includes(target.name),
  );
  let tried = 0;
  let newFailures = 0;
  let knownFailures = 0;
  for (const target of targets) {
    const started = Date.now();
    const report = await fuzzTarget(target, { runs, seed });
    tried += report.tried;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `${report.name}: ${report.tried} inputs tried, ${report.failures.length} failure${report.failures.length === 1 ? '' : 's'} found` +
        `${report.failedInputs > 0 ? ` (${report.failedInputs} failing inputs)` : ''} in ${seconds} s, seed ${report.seed}`,
    );
    for (const failure of report.failures) {
      const known = knownFailure(report.name, failure.problem);
      if (known) knownFailures++;
      else newFailures++;
      console.log(`  ${known ? 'KNOWN' : 'FAIL'} ${failure.problem} (${failure.count} input${failure.count === 1 ? '' : 's'})`);
      if (failure.counterExample !== undefined) console.log(`    smallest input: ${failure.counterExample}`);
      if (known) console.log(`    reported: ${known.finding}`);
    }
  }
  console.log(
    `fuzz: ${targets.length} targets, ${tried} inputs tried, ${newFailures} failure${newFailures === 1 ? '' : 's'}` +
      `${knownFailures > 0 ? `, ${knownFailures} known (reported to their owners: test/fuzz/known-failures.ts)` : ''}`,
  );
  if (newFailures > 0) exitCode = 1;
} finally {
  aws.restore();
}
// A handler the fuzz gave up on may still hold a timer.
process.exit(exitCode);
