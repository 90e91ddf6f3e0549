#!/usr/bin/env node
// The CLI is TypeScript, run by Node's own type stripping, so the CLI and the functions share one source.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `ecs-autopilot needs Node.js 22.18 or later (24 recommended, as on Lambda); this is ${process.version}.\n` +
      'Run it through npm (npx ecs-autopilot …, npm start, npm test): after npm ci, they use the Node 24 that npm installs into node_modules/.bin.',
  );
  process.exit(2);
}

// `ecs-autopilot plan | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
