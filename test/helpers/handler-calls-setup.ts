/**
 * Setup file of the aws project (vitest.config.ts): records the AWS calls the functions' handlers make in
 * the integration and fault tests (handler-calls.ts), for the permission check run when the suite ends
 * (test/faults/summary.ts). Each handler the tests and the sandbox call is wrapped in every test file; the
 * recording of a file under test/integration or test/faults is written to the run's folder when it ends.
 */
import { afterAll, expect, inject, vi } from 'vitest';
import { flushRecording, startRecording } from './handler-calls.ts';

vi.mock(import('../../functions/run-batch-job.ts'), async (importOriginal) => {
  const [original, { recordedHandler }] = await Promise.all([importOriginal(), import('./handler-calls.ts')]);
  return { ...original, runBatchJob: recordedHandler('run-batch-job', original.runBatchJob, 1) };
});
vi.mock(import('../../functions/enforce-max-runtime.ts'), async (importOriginal) => {
  const [original, { recordedHandler }] = await Promise.all([importOriginal(), import('./handler-calls.ts')]);
  return { ...original, enforceMaxRuntimeTick: recordedHandler('enforce-max-runtime', original.enforceMaxRuntimeTick, 0) };
});
vi.mock(import('../../functions/on-task-stopped.ts'), async (importOriginal) => {
  const [original, { recordedHandler }] = await Promise.all([importOriginal(), import('./handler-calls.ts')]);
  return { ...original, onTaskStopped: recordedHandler('on-task-stopped', original.onTaskStopped, 1) };
});
vi.mock(import('../../functions/notify.ts'), async (importOriginal) => {
  const [original, { recordedHandler }] = await Promise.all([importOriginal(), import('./handler-calls.ts')]);
  return { ...original, notify: recordedHandler('notify', original.notify, 1) };
});
vi.mock(import('../../functions/scale-service.ts'), async (importOriginal) => {
  const [original, { recordedHandler }] = await Promise.all([importOriginal(), import('./handler-calls.ts')]);
  return { ...original, scaleService: recordedHandler('scale-service', original.scaleService, 1) };
});
vi.mock(import('../../functions/shift-traffic.ts'), async (importOriginal) => {
  const [original, { recordedHandler }] = await Promise.all([importOriginal(), import('./handler-calls.ts')]);
  return { ...original, shiftTraffic: recordedHandler('shift-traffic', original.shiftTraffic, 1) };
});

startRecording();

/** The suites whose handler calls are checked: the others call handlers against a double (test/fuzz) or check their own (test/packaging). */
const RECORDED = /\/test\/(integration|faults)\//;

afterAll(() => {
  const testFile = expect.getState().testPath ?? '';
  const folder = inject('handlerCalls');
  if (RECORDED.test(testFile) && folder) flushRecording(folder, testFile);
});
