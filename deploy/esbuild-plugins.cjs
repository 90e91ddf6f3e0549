'use strict';
// esbuild plugins for serverless-esbuild (custom.esbuild.plugins), which calls this with serverless.
const fs = require('node:fs');
const path = require('node:path');
const { automationSource } = require('./stack.cjs');

/**
 * Ships the automation.yml that the stack was generated from at the root of every function zip, named
 * automation.yml whatever $AUTOMATION_FILE says, so the functions read exactly what was validated.
 * serverless-esbuild zips everything in its build folder, whose root is the entry's directory above
 * the outdir it gives esbuild.
 */
const shipAutomationFile = {
  name: 'ship-automation-yml',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0) return;
      const { outdir, entryPoints } = build.initialOptions;
      const entry = Array.isArray(entryPoints) ? entryPoints[0] : undefined;
      if (typeof outdir !== 'string' || typeof entry !== 'string') {
        throw new Error('ship-automation-yml: expected serverless-esbuild to build one entry point into an outdir');
      }
      const buildRoot = path.resolve(outdir, path.relative(path.dirname(entry), '.'));
      fs.copyFileSync(automationSource().path, path.join(buildRoot, 'automation.yml'));
    });
  },
};

module.exports = () => [shipAutomationFile];
