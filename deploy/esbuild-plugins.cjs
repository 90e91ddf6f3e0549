'use strict';
// esbuild plugins for serverless-esbuild (custom.esbuild.plugins), which calls this with serverless.
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { automationSource } = require('./stack.cjs');

/**
 * Ships the automation.yml that the stack was generated from (with the stage's overlay,
 * automation.<stage>.yml, when there is one) at the root of every function zip, as automation.json:
 * validated and resolved (shared/stack/deployed-file.ts), so a cold start neither parses YAML nor runs
 * the schema again (see shared/config/deployed.ts and npm run bench). serverless-esbuild zips everything
 * in its build folder, whose root is the entry's directory above the outdir it gives esbuild.
 */
const shipAutomationFile = (stage) => ({
  name: 'ship-automation-json',
  setup(build) {
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      const { outdir, entryPoints } = build.initialOptions;
      const entry = Array.isArray(entryPoints) ? entryPoints[0] : undefined;
      if (typeof outdir !== 'string' || typeof entry !== 'string') {
        throw new Error('ship-automation-json: expected serverless-esbuild to build one entry point into an outdir');
      }
      const buildRoot = path.resolve(outdir, path.relative(path.dirname(entry), '.'));
      const { deployedAutomationJson } = await import(pathToFileURL(path.join(__dirname, '../shared/stack/deployed-file.ts')).href);
      fs.writeFileSync(path.join(buildRoot, 'automation.json'), deployedAutomationJson(automationSource().path, stage));
    });
  },
});

/** The stage being packaged, as serverless.yml resolves `provider.stage` (`--stage`, default dev). */
function stageOf(serverless) {
  const stage = serverless?.service?.provider?.stage;
  if (typeof stage !== 'string' || stage === '') throw new Error('ship-automation-json: serverless gave no provider.stage');
  return stage;
}

module.exports = (serverless) => [shipAutomationFile(stageOf(serverless))];
