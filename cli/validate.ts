import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { daylightSavingNotices } from '../shared/config/daylight-saving.ts';
import { freshnessWarnings } from '../shared/config/freshness-warnings.ts';
import { readAutomationFile } from '../shared/config/load.ts';
import { scheduleWarnings } from '../shared/config/schedule-warnings.ts';
import type { Automation } from '../shared/config/schema.ts';
import { overlayFileOf, overlayStagesIn } from '../shared/config/stage-overlay.ts';
import { type ConfigProblem, problemLine, YamlFileError } from '../shared/config/yaml-problems.ts';
import { ConfigError } from '../shared/errors.ts';
import { stackLimitProblems } from '../shared/stack/aws-limits.ts';
import { stackProblems, stackResources } from '../shared/stack/resources.ts';
import { EXIT, type Io } from './output.ts';

/** serverless.yml's service and default stage: the names a stack's limits are measured with. */
const SERVICE_NAME = 'ecs-autopilot';
const DEFAULT_STAGE = 'dev';

/** How far ahead `validate` looks for daylight-saving days: a year holds each change of a zone once. */
const DAYLIGHT_SAVING_LOOKAHEAD_MONTHS = 12;

/** Daylight-saving notices for people on stderr: `warning: …` for a time that does not exist, `note: …` for one that occurs twice. */
export function daylightSavingLines(automation: Automation, from: Date, to: Date): { warnings: string[]; notes: string[] } {
  const notices = daylightSavingNotices(automation, from, to);
  return {
    warnings: notices.filter((notice) => notice.kind === 'skipped').map((notice) => notice.text),
    notes: notices.filter((notice) => notice.kind === 'repeated').map((notice) => notice.text),
  };
}

export function printNotices(io: Io, { warnings, notes }: { warnings: string[]; notes: string[] }): void {
  for (const warning of warnings) io.err(`warning: ${warning}`);
  for (const note of notes) io.err(`note: ${note}`);
}

/** What `validate` found in one stage's files: the automation's jobs and notices, or its problems, located. */
type StageCheck =
  | { valid: true; files: string; jobs: string[]; warnings: string[]; notes: string[] }
  | { valid: false; files: string; located: ConfigProblem[] };

function checkStage(file: string, stage: string | undefined, now: Date): StageCheck {
  let files = stage === undefined ? file : `${file} + ${overlayFileOf(file, stage)}`;
  try {
    const { automation, locate, source } = readAutomationFile(file, stage);
    files = source;
    const names = { service: SERVICE_NAME, stage: stage ?? DEFAULT_STAGE };
    const naming = stackProblems(automation);
    // The AWS limits the generated stack would exceed (only once its names are sound: it is generated to measure them).
    const problems = naming.length > 0 ? naming : stackLimitProblems(stackResources(automation, names, now), names);
    if (problems.length > 0)
      throw new YamlFileError(
        problems.map((problem) => locate.text(problem)),
        source,
      );
    const until = new Date(now);
    until.setUTCMonth(until.getUTCMonth() + DAYLIGHT_SAVING_LOOKAHEAD_MONTHS);
    const never = [...scheduleWarnings(automation, now), ...freshnessWarnings(automation, now)];
    const dst = daylightSavingLines(automation, now, until);
    // A schedule that never fires again is said once: not also as a time daylight saving skips.
    const saidOf = (text: string) => never.some((warning) => text.startsWith(`${warning.path}: `));
    const warnings = [...never.map((warning) => warning.text), ...dst.warnings.filter((text) => !saidOf(text))];
    return { valid: true, files, jobs: Object.keys(automation.jobs), warnings, notes: dst.notes };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const located = error instanceof YamlFileError ? error.located : error.problems.map((text) => ({ text }));
    return { valid: false, files, located };
  }
}

/** The stages with an overlay beside `file` (automation.prod.yml → prod). */
function overlayStages(file: string): string[] {
  try {
    return overlayStagesIn(file, readdirSync(dirname(file)));
  } catch {
    return [];
  }
}

/**
 * `validate`: exit 0 on a good file, with the schedules that will not fire again, the expectSuccessWithin
 * a job's own schedule would not meet, and what daylight saving does to its times in the next 12 months
 * (warnings do not fail it); on a bad one, exit 1 with every problem on its own line, located. The file is
 * checked alone, then with each stage's overlay beside it (automation.<stage>.yml), as that stage deploys it.
 */
export function validateCommand(file: string, io: Io, json: boolean, now: Date = new Date()): number {
  const base = checkStage(file, undefined, now);
  const stages = overlayStages(file).map((stage) => ({ stage, check: checkStage(file, stage, now) }));
  const valid = base.valid && stages.every(({ check }) => check.valid);
  if (json) {
    const stageJson = stages.map(({ stage, check }) => ({ stage, files: check.files, ...checkJson(check) }));
    // The base's fields stay what they always were; `stages` is there when overlays are.
    io.out(JSON.stringify({ ...checkJson(base), file, valid, ...(stages.length > 0 && { stages: stageJson }) }));
    return valid ? EXIT.ok : EXIT.failed;
  }
  printCheck(io, base, undefined);
  for (const { stage, check } of stages) printCheck(io, check, stage);
  return valid ? EXIT.ok : EXIT.failed;
}

function checkJson(check: StageCheck) {
  if (check.valid) return { valid: true, jobs: check.jobs, warnings: check.warnings, notes: check.notes };
  // `problems` stays the list of "path: message" lines it always was; `locations` says where each is written.
  return {
    valid: false,
    problems: check.located.map((problem) => problem.text),
    locations: check.located.map((problem) => problem.location ?? null),
  };
}

function printCheck(io: Io, check: StageCheck, stage: string | undefined): void {
  const which = stage === undefined ? check.files : `${check.files} (stage ${stage})`;
  if (check.valid) {
    io.out(`${which} is valid: ${check.jobs.length} job${check.jobs.length === 1 ? '' : 's'} (${check.jobs.join(', ') || 'none'})`);
    printNotices(io, check);
    return;
  }
  if (stage !== undefined) io.err(`${which} is not valid:`);
  for (const problem of check.located) io.err(problemLine(problem));
}
