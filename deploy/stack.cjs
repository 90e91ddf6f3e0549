'use strict';
// osls's ${file()} require()s only .js and .cjs files (an .mjs file would be read as plain text), so
// this CommonJS shim forwards to stack.mjs, which imports the TypeScript generator (Node strips its types).
const path = require('node:path');

const SERVICE_DIR = path.resolve(__dirname, '..');

/**
 * The automation.yml that `serverless package` validates, turns into CloudFormation and ships in the
 * function zips (as automation.yml): $AUTOMATION_FILE, relative to the service directory, if set.
 */
function automationSource() {
  const name = process.env.AUTOMATION_FILE || 'automation.yml';
  return { name, path: path.resolve(SERVICE_DIR, name) };
}

module.exports = {
  automationSource,
  /** `resources: ${file(./deploy/stack.cjs):resources}`; osls calls it with { options, resolveVariable, … }. */
  resources: async (context) => (await import('./stack.mjs')).resources(context),
};
