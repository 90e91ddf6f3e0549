/**
 * Running what `serverless package` shipped (test/packaging/shipped.test.ts): a function's zip unpacked
 * as Lambda unpacks it into its task root, its handler (the template's `Handler`) loaded from there on
 * the project's Node 24 in a child process, with the environment the template gives the function
 * (resolved for the moto world: test/packaging/shipped-stack.ts) and the variables Lambda adds — AWS
 * credentials and region, and AWS_ENDPOINT_URL, the SDK's own setting, pointing every client at moto.
 * Nothing else of this process's environment is passed on.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EMULATOR_ACCOUNT, EMULATOR_REGION } from '../../sandbox/emulator.ts';
import type { SandboxWorld } from '../../sandbox/seed.ts';
import { functionOfStack, type Packaged, resolver, worldResources } from './shipped-stack.ts';
import { zipEntries } from './zip.ts';

const MARK = '@@packaged-invocation@@';

/** Loads the handler module, invokes it once with a Lambda-shaped context, prints the outcome after MARK. */
const RUNNER = `import { pathToFileURL } from 'node:url';
const [file, exportName, eventJson] = process.argv.slice(2);
const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
const context = {
  functionName: name,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':${EMULATOR_ACCOUNT}:function:' + name,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: process.env.TEST_REQUEST_ID,
  logGroupName: '/aws/lambda/' + name,
  logStreamName: 'packaged-test',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60000,
};
const report = (outcome) => process.stdout.write('\\n${MARK}' + JSON.stringify({ node: process.versions.node, ...outcome }) + '\\n');
try {
  const module = await import(pathToFileURL(file).href);
  report({ result: (await module[exportName](JSON.parse(eventJson), context)) ?? null });
} catch (error) {
  report({ error: String(error?.stack ?? error) });
}
`;

export interface PackagedFunction {
  name: string;
  /** The unpacked zip: Lambda's task root. */
  root: string;
  /** The files the zip holds. */
  files: string[];
  handlerFile: string;
  exportName: string;
  memorySize: string;
  environment: Record<string, string>;
}

export interface PackagedInvocation {
  /** The Node.js version the handler ran on. */
  node: string;
  result?: unknown;
  error?: string;
  /** What the function logged (Powertools' JSON lines, EMF metrics). */
  output: string;
}

/** Unpacks `<name>.zip` and reads the function's handler and environment from the template. */
export function unpackFunction(packaged: Packaged, name: string, world: SandboxWorld): PackagedFunction {
  const root = mkdtempSync(path.join(tmpdir(), `ecs-autopilot-${name}-`));
  const entries = zipEntries(path.join(packaged.outDir, `${name}.zip`));
  for (const [file, data] of entries) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), data);
  }
  const { properties } = functionOfStack(packaged.template, name);
  const handler = String(properties.Handler);
  const dot = handler.lastIndexOf('.');
  const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
  const environment = resolver(worldResources(world))(variables) as Record<string, string>;
  return {
    name,
    root,
    files: [...entries.keys()],
    // esbuild writes functions/<name>.mjs for the handler functions/<name>.handler (outputFileExtension).
    handlerFile: path.join(root, `${handler.slice(0, dot)}.mjs`),
    exportName: handler.slice(dot + 1),
    memorySize: String(properties.MemorySize ?? 1024),
    environment,
  };
}

let runnerFile: string | undefined;

/** One invocation of the packaged handler in a child process on this Node (the project's Node 24). */
export function invokePackaged(fn: PackagedFunction, event: unknown, endpoint: string): Promise<PackagedInvocation> {
  if (!runnerFile) {
    runnerFile = path.join(mkdtempSync(path.join(tmpdir(), 'ecs-autopilot-runner-')), 'invoke.mjs');
    writeFileSync(runnerFile, RUNNER);
  }
  const env = {
    ...fn.environment,
    AWS_REGION: EMULATOR_REGION,
    AWS_DEFAULT_REGION: EMULATOR_REGION,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_ENDPOINT_URL: endpoint,
    AWS_LAMBDA_FUNCTION_NAME: `ecs-autopilot-test-${fn.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: fn.memorySize,
    LAMBDA_TASK_ROOT: fn.root,
    TZ: 'UTC',
    TEST_REQUEST_ID: randomUUID(),
  };
  const args = [runnerFile, fn.handlerFile, fn.exportName, JSON.stringify(event)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: fn.root, env, timeout: 30_000 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      if (!line) {
        reject(new Error(`the packaged ${fn.name} did not report:\n${stdout}\n${stderr}`, { cause: error }));
        return;
      }
      resolve({ ...(JSON.parse(line.slice(MARK.length)) as Omit<PackagedInvocation, 'output'>), output: `${stdout}${stderr}` });
    });
  });
}
