#!/usr/bin/env node
// The CLI is TypeScript; tsx loads it directly, so the CLI and the functions share one source.
import { tsImport } from 'tsx/esm/api';

// `ecs-autopilot plan | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const { main } = await tsImport('../cli/main.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
