/**
 * `npm run bench`, second part: the AWS calls each action costs (a job firing, a stop, a restart, a
 * scaling change, a deployment step, a notify episode: bench/aws-call-actions.ts), counted against moto
 * with the real handlers, beside the same figures measured before issue 11 (bench/aws-calls-before.ts).
 *
 * Counting: test/helpers/faults.ts wraps the SDK clients' one `send`; every call a handler makes inside
 * `invoke` is recorded by its client and command (one per `send`: the SDK's own retries are not calls of
 * their own). Reads (Get, Query, Describe…, List…) and writes (everything else) are told apart in
 * bench/aws-call-count.ts, which also holds the rule: no invocation makes more than one write more than
 * before issue 11. The figures are deterministic: moto answers the same way each run.
 *
 * A check, unlike the cold-start part: exits 1, naming the action, when an action breaks the rule or
 * cannot be measured. `--record <file>` only measures and writes the figures there as JSON (how the
 * figures from before issue 11 were taken). Results: .bench/aws-calls.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '../sandbox/emulator.ts';
import { callName, installFaults, invoke } from '../test/helpers/faults.ts';
import { ACTIONS, type Action, actionWorld } from './aws-call-actions.ts';
import {
  type ActionCalls,
  allCalls,
  type Breach,
  byCommand,
  EXTRA_WRITES_PER_INVOCATION,
  type InvocationCalls,
  isWrite,
  ruleBreaches,
  tableWritesOf,
  writesOf,
} from './aws-call-count.ts';
import { BEFORE_ISSUE_11 } from './aws-calls-before.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, '.bench');

async function measure(emulator: Emulator, action: Action): Promise<ActionCalls> {
  const { w } = await actionWorld(emulator, action, 'bench');
  const invocations: InvocationCalls[] = [];
  await action.play(w, async (label, invocation) => {
    const { calls, result, error } = await invoke(invocation);
    if (error) throw new Error(`${action.name}: ${label} failed`, { cause: error });
    invocations.push({ label, calls: calls.map(callName) });
    return result;
  });
  return { action: action.name, invocations };
}

async function measureAll(): Promise<ActionCalls[]> {
  const recording = installFaults();
  const emulator = await startEmulator();
  try {
    const measured: ActionCalls[] = [];
    for (const action of ACTIONS) {
      process.stdout.write('.');
      measured.push(await measure(emulator, action));
    }
    process.stdout.write('\n');
    return measured;
  } finally {
    await emulator.stop();
    recording.uninstall();
  }
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const [index, row] of rows.entries()) {
    console.log(
      `  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')}`.trimEnd(),
    );
    if (index === 0) console.log(`  ${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  }
}

function report(after: ActionCalls[]): Breach[] {
  const breaches = ruleBreaches(BEFORE_ISSUE_11, after);
  const rows = [['action', 'calls before → after', 'writes before → after', 'of them DynamoDB', 'rule']];
  for (const now of after) {
    const then = BEFORE_ISSUE_11.find((b) => b.action === now.action);
    const calls = allCalls(now);
    const was = then && allCalls(then);
    rows.push([
      now.action,
      `${was?.length ?? '?'} → ${calls.length}`,
      `${was ? writesOf(was) : '?'} → ${writesOf(calls)}`,
      `${was ? tableWritesOf(was) : '?'} → ${tableWritesOf(calls)}`,
      breaches.some((b) => b.action === now.action) ? 'FAIL' : 'ok',
    ]);
  }
  printTable(rows);
  console.log('\nEach invocation, its calls by service and command (writes marked *), before issue 11 → now:');
  const marked = (calls: string[]) => byCommand(calls.map((call) => (isWrite(call) ? `${call}*` : call))) || 'none';
  for (const now of after) {
    const then = BEFORE_ISSUE_11.find((b) => b.action === now.action);
    for (const [index, invocation] of now.invocations.entries()) {
      console.log(`  ${now.action} — ${invocation.label}`);
      const previous = then?.invocations[index];
      console.log(`    before: ${previous ? marked(previous.calls) : '(not measured)'}`);
      console.log(`    now:    ${marked(invocation.calls)}`);
    }
  }
  return breaches;
}

async function main(): Promise<void> {
  const recordAt = process.argv.indexOf('--record');
  const recordFile = recordAt >= 0 ? process.argv[recordAt + 1] : undefined;
  if (recordAt >= 0 && !recordFile) throw new Error('--record needs a file');

  console.log(`\necs-autopilot AWS calls per action: ${ACTIONS.length} actions, the real handlers against moto`);
  process.stdout.write('measuring ');
  const started = Date.now();
  const after = await measureAll();
  console.log(`measured in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  if (recordFile) {
    writeFileSync(recordFile, `${JSON.stringify(after, null, 2)}\n`);
    for (const action of after) console.log(`  ${action.action}: ${allCalls(action).length} calls, ${writesOf(allCalls(action))} writes`);
    console.log(`Figures written to ${recordFile}`);
    return;
  }

  const breaches = report(after);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(
    join(OUT, 'aws-calls.json'),
    `${JSON.stringify({ date: new Date().toISOString(), extraWritesPerInvocation: EXTRA_WRITES_PER_INVOCATION, before: BEFORE_ISSUE_11, after, breaches }, null, 2)}\n`,
  );
  console.log(
    `\nRule: each invocation makes at most ${EXTRA_WRITES_PER_INVOCATION} write more than before issue 11 (the write that marks its outbox done; bench/aws-call-count.ts).`,
  );
  if (breaches.length > 0) {
    console.log(`FAIL, ${breaches.length} over the rule:`);
    for (const { action, problem } of breaches) console.log(`  ${action} — ${problem}`);
    process.exitCode = 1;
  } else {
    console.log('PASS: every action within the rule.');
  }
  console.log(`Results: ${join(OUT, 'aws-calls.json')}`);
}

try {
  await main();
} catch (error) {
  console.error('\nAWS-call bench failed:', error);
  process.exitCode = 1;
}
