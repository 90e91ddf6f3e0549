/**
 * The order vitest starts the test files in: the files known to take longest first, so that the two
 * workers of a 2-core machine finish together instead of one of them starting a long file at the end
 * while the other has nothing left to do. Without the results of an earlier run (a fresh clone, as CI
 * runs), vitest would start the biggest files first, and a file's size says little about its time (a
 * 190-line file that runs a simulated day in Chromium outlasts most 1,000-line ones).
 *
 * The list names files by measured time on 2 cores, longest first; every other file follows in vitest's
 * own order (an earlier run's durations when there are some, else size). A file missing from the list or
 * named and gone only changes the order, never what runs.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const LONGEST_FIRST = [
  'test/faults/shift-traffic.test.ts',
  'test/integration/sandbox.test.ts',
  'test/integration/stopped-tasks-pipeline.test.ts',
  'test/packaging/package.test.ts',
  'test/faults/job-runs.test.ts',
  'test/faults/notify.test.ts',
  'test/integration/notify.test.ts',
  'test/integration/pipeline-recipes.test.ts',
  'test/integration/sandbox-signal.test.ts',
  'test/integration/sandbox-emulator.test.ts',
  'test/browser/picture.test.ts',
  'test/integration/sandbox-blue-green.test.ts',
  'test/packaging/shipped.test.ts',
  'test/faults/on-task-stopped.test.ts',
  'test/faults/scale-service.test.ts',
  'test/integration/shift-traffic.test.ts',
];

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // Stable: within a project the listed files move to the front, the rest keep vitest's order; projects keep theirs.
    const projectOrder = new Map<string, number>();
    for (const [index, spec] of sorted.entries()) if (!projectOrder.has(spec.project.name)) projectOrder.set(spec.project.name, index);
    return [...sorted].sort(
      (a, b) => (projectOrder.get(a.project.name) ?? 0) - (projectOrder.get(b.project.name) ?? 0) || rank(a) - rank(b),
    );
  }
}
