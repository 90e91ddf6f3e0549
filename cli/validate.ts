import { daylightSavingNotices } from '../shared/config/daylight-saving.ts';
import { freshnessWarnings } from '../shared/config/freshness-warnings.ts';
import { readAutomationFile } from '../shared/config/load.ts';
import { scheduleWarnings } from '../shared/config/schedule-warnings.ts';
import type { Automation } from '../shared/config/schema.ts';
import { locateProblemText, YamlFileError } from '../shared/config/yaml-problems.ts';
import { ConfigError } from '../shared/errors.ts';
import { stackProblems } from '../shared/stack/resources.ts';
import { EXIT, type Io } from './output.ts';

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

/**
 * `validate`: exit 0 on a good file, with the schedules that will not fire again, the expectSuccessWithin
 * a job's own schedule would not meet, and what daylight saving does to its times in the next 12 months
 * (warnings do not fail it); on a bad one, exit 1 with every
 * problem on its own line, located.
 */
export function validateCommand(file: string, io: Io, json: boolean, now: Date = new Date()): number {
  try {
    const { automation, yaml } = readAutomationFile(file);
    const problems = stackProblems(automation);
    if (problems.length > 0)
      throw new YamlFileError(
        problems.map((problem) => locateProblemText(yaml, problem)),
        file,
      );
    const jobs = Object.keys(automation.jobs);
    const until = new Date(now);
    until.setUTCMonth(until.getUTCMonth() + DAYLIGHT_SAVING_LOOKAHEAD_MONTHS);
    const never = [...scheduleWarnings(automation, now), ...freshnessWarnings(automation, now)];
    const dst = daylightSavingLines(automation, now, until);
    // A schedule that never fires again is said once: not also as a time daylight saving skips.
    const saidOf = (text: string) => never.some((warning) => text.startsWith(`${warning.path}: `));
    const notices = { ...dst, warnings: [...never.map((warning) => warning.text), ...dst.warnings.filter((text) => !saidOf(text))] };
    if (json) {
      io.out(JSON.stringify({ valid: true, file, jobs, ...notices }));
      return EXIT.ok;
    }
    io.out(`${file} is valid: ${jobs.length} job${jobs.length === 1 ? '' : 's'} (${jobs.join(', ') || 'none'})`);
    printNotices(io, notices);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (json) {
      // `problems` stays the list of "path: message" lines it always was; `locations` says where each is written.
      const located = error instanceof YamlFileError ? error.located : error.problems.map((text) => ({ text, location: undefined }));
      const problems = located.map((problem) => problem.text);
      const locations = located.map((problem) => problem.location ?? null);
      io.out(JSON.stringify({ valid: false, file, problems, locations }));
    } else {
      for (const problem of error.problems) io.err(problem);
    }
    return EXIT.failed;
  }
}
