import { loadAutomationFile } from '../shared/config/load.ts';
import { ConfigError } from '../shared/errors.ts';
import { stackProblems } from '../shared/stack/resources.ts';
import { EXIT, type Io } from './output.ts';

/** `validate`: exit 0 on a good file; on a bad one, exit 1 with every problem on its own line. */
export function validateCommand(file: string, io: Io, json: boolean): number {
  try {
    const automation = loadAutomationFile(file);
    const problems = stackProblems(automation);
    if (problems.length > 0) throw new ConfigError(problems, file);
    const jobs = Object.keys(automation.jobs);
    if (json) io.out(JSON.stringify({ valid: true, file, jobs }));
    else io.out(`${file} is valid: ${jobs.length} job${jobs.length === 1 ? '' : 's'} (${jobs.join(', ') || 'none'})`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (json) io.out(JSON.stringify({ valid: false, file, problems: error.problems }));
    else for (const problem of error.problems) io.err(problem);
    return EXIT.failed;
  }
}
