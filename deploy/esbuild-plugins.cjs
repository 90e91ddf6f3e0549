'use strict';
// esbuild plugins for serverless-esbuild (custom.esbuild.plugins), which calls this with serverless.
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');
const { automationSource } = require('./stack.cjs');

/**
 * Ships the automation.yml that the stack was generated from at the root of every function zip, as
 * automation.json: the functions read exactly what was validated, without bundling a YAML parser
 * (it cost a cold start more than the AWS SDK clients did; see npm run bench).
 * serverless-esbuild zips everything in its build folder, whose root is the entry's directory above
 * the outdir it gives esbuild.
 */
const shipAutomationFile = {
  name: 'ship-automation-json',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0) return;
      const { outdir, entryPoints } = build.initialOptions;
      const entry = Array.isArray(entryPoints) ? entryPoints[0] : undefined;
      if (typeof outdir !== 'string' || typeof entry !== 'string') {
        throw new Error('ship-automation-json: expected serverless-esbuild to build one entry point into an outdir');
      }
      const buildRoot = path.resolve(outdir, path.relative(path.dirname(entry), '.'));
      const document = parse(fs.readFileSync(automationSource().path, 'utf8'));
      fs.writeFileSync(path.join(buildRoot, 'automation.json'), `${JSON.stringify(document)}\n`);
    });
  },
};

module.exports = () => [shipAutomationFile];
