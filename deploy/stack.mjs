// The resources of serverless.yml that follow from automation.yml. The generator is TypeScript
// (shared/stack/), loaded by Node's own type stripping (Node ≥ 22.18) so it shares the zod schema and the
// table definition with the code.
import stackShim from './stack.cjs';

export async function resources({ resolveVariable }) {
  const [service, stage] = await Promise.all([resolveVariable('self:service'), resolveVariable('sls:stage')]);
  const { stackFromAutomationFile } = await import('../shared/stack/from-file.ts');
  const source = stackShim.automationSource();
  try {
    return stackFromAutomationFile(source.path, { service, stage }, source.name);
  } catch (error) {
    throw error?.name === 'ConfigError' ? withoutStackTrace(error) : error;
  }
}

/** osls prints error.stack: a stack equal to the message shows the problem lines and no JS trace. */
function withoutStackTrace(error) {
  const clean = new Error(error.message);
  clean.stack = error.message;
  return clean;
}
