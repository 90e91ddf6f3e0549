/**
 * vitest's global setup for the fault suites: it gives the run an empty folder for their tallies before
 * any test starts, and when the run ends prints the one summary line of whatever fault suites ran (`npm
 * run faults` and `npm test` alike, whichever reporter is chosen). A fault suite that failed before it
 * counted anything (it did not even load) is named in that line rather than left out.
 *
 * It also checks the permissions of the AWS calls the functions' handlers made in the integration and
 * fault tests (test/packaging/recorded-permissions.ts): the test files write them to a folder given here,
 * and when the run ends they are simulated against the functions' roles, one summary line printed; a
 * denied or unchecked call fails the run.
 */
import { relative } from 'node:path';
import type { TestProject } from 'vitest/node';
import { checkRecordedPermissions, newHandlerCallsFolder } from '../packaging/recorded-permissions.ts';
import { newTallyFolder, summaryLine, takeTallies } from './tally.ts';

const FAULT_FOLDER = 'test/faults/';

export default function faultSummary(project: TestProject) {
  const folder = newTallyFolder();
  project.provide('faultTallies', folder);
  const handlerCalls = newHandlerCallsFolder();
  project.provide('handlerCalls', handlerCalls);
  return async () => {
    const tallies = takeTallies(folder);
    const counted = new Set(tallies.map((t) => t.suite));
    const failedWithoutTally = project.vitest.state
      .getTestModules()
      .filter((module) => module.state() === 'failed')
      .map((module) => relative(project.config.root, module.moduleId))
      .filter((suite) => suite.startsWith(FAULT_FOLDER) && !counted.has(suite));
    if (tallies.length > 0 || failedWithoutTally.length > 0) console.log(`\n${summaryLine(tallies, failedWithoutTally)}`);
    await checkRecordedPermissions(handlerCalls);
  };
}
