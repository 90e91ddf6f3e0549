/**
 * The permission check of the integration and fault tests (issue 16 §4): every AWS call the functions'
 * handlers made in them (test/helpers/handler-calls.ts records them, one file per test file), as the IAM
 * requests it makes, simulated with @cloud-copilot/iam-simulate against the role its function has in the
 * stack generated from the automation its runtime was built from. The aws project's global teardown
 * (test/faults/summary.ts) runs it when the suite ends and fails the run on any denial or unchecked call.
 *
 * The roles are the stack generator's (shared/stack/resources.ts) for that automation, not a `serverless
 * package` of it: each test's automation differs (its clusters, jobs, apps, routes), and a packaging takes
 * a minute. shipped.test.ts shows the generator's roles are the packaged ones (the same policies, the same
 * role for each function). Each request is checked in the stage its world was seeded with (the state
 * table, bus, schedule group and alert topic its resources name: `ecs-autopilot-<stage>…`, as
 * `serverless package --stage <stage>` names them), resolved as shipped-stack.ts resolves them for moto.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMULATOR_ACCOUNT, EMULATOR_REGION } from '../../sandbox/emulator.ts';
import type { SandboxWorld } from '../../sandbox/seed.ts';
import type { Automation } from '../../shared/config/schema.ts';
import { stackResources } from '../../shared/stack/resources.ts';
import type { HandlerCallsFile } from '../helpers/handler-calls.ts';
import type { IamRequest } from './iam-requests.ts';
import { type RoleOfFunction, roleOfFunction, simulateRequest } from './permission-check.ts';
import { type Template, worldResources } from './shipped-stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FOLDERS = join(ROOT, 'node_modules', '.cache', 'handler-calls');
/** A run's folder left behind longer than this by a run that was killed is removed by the next run. */
const LEFT_BEHIND_MS = 24 * 3_600_000;
const SERVICE = 'ecs-autopilot';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the test files of this run write the AWS calls their handlers made. */
    handlerCalls: string;
  }
}

/** A new empty folder for this run's recordings (in node_modules, which git and Biome skip). */
export function newHandlerCallsFolder(): string {
  mkdirSync(FOLDERS, { recursive: true });
  for (const left of readdirSync(FOLDERS)) {
    const folder = join(FOLDERS, left);
    if (Date.now() - statSync(folder).mtimeMs > LEFT_BEHIND_MS) rmSync(folder, { recursive: true, force: true });
  }
  return mkdtempSync(join(FOLDERS, 'run-'));
}

export function readHandlerCalls(folder: string): HandlerCallsFile[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(join(folder, file), 'utf8')) as HandlerCallsFile);
}

/** Each function's role, as serverless.yml gives it (`role: RunBatchJobRole`). */
export function rolesOfFunctions(serverlessYml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8')): Record<string, string> {
  const functions = serverlessYml.slice(serverlessYml.indexOf('\nfunctions:\n'));
  const roles: Record<string, string> = {};
  for (const [, name, body] of functions.matchAll(/^ {2}([a-z-]+):\n((?: {4}.*\n|\n)*)/gm)) {
    const role = /^ {4}role: (\w+)$/m.exec(body as string)?.[1];
    if (role) roles[name as string] = role;
  }
  return roles;
}

let functionRoles: Record<string, string> | undefined;

/**
 * The stack the generator makes from `automation` for `stage`, with each function as osls adds it (its
 * name and its role): what functionOfStack reads from a packaged template.
 */
export function generatedTemplate(automation: Automation, stage: string): Template {
  const stack = stackResources(automation, { service: SERVICE, stage });
  functionRoles ??= rolesOfFunctions();
  const functions = Object.entries(functionRoles).map(([name, role]) => [
    `${name}Function`,
    // functionOfStack finds a function by its stage-`test` name; the role is the stage's.
    { Type: 'AWS::Lambda::Function', Properties: { FunctionName: `${SERVICE}-test-${name}`, Role: { 'Fn::GetAtt': [role, 'Arn'] } } },
  ]);
  return { Resources: { ...(stack.Resources as Template['Resources']), ...Object.fromEntries(functions) } };
}

/** The names a world seeded with `stage` has (sandbox/seed.ts), which the stack of `stage` gives its resources too. */
export function worldOfStage(stage: string): SandboxWorld {
  const prefix = `${SERVICE}-${stage}`;
  return {
    tableName: `${prefix}-state`,
    busName: prefix,
    busArn: `arn:aws:events:${EMULATOR_REGION}:${EMULATOR_ACCOUNT}:event-bus/${prefix}`,
    scheduleGroup: prefix,
    alertTopicArn: `arn:aws:sns:${EMULATOR_REGION}:${EMULATOR_ACCOUNT}:${prefix}-alerts`,
  } as SandboxWorld;
}

const STAGE_OF_RESOURCE = [
  /:table\/ecs-autopilot-(.+?)-state(?:\/|$)/,
  /:event-bus\/ecs-autopilot-(.+)$/,
  /:schedule\/ecs-autopilot-([^/]+)\//,
  /^arn:aws:sns:[^:]*:[^:]*:ecs-autopilot-(.+?)-alerts(?:-|$)/,
];

/** The stage a request's resource belongs to; `test` for one of no stage (a cluster, a listener, `*`). */
export function stageOf(request: IamRequest): string {
  for (const pattern of STAGE_OF_RESOURCE) {
    const stage = pattern.exec(request.resource)?.[1];
    if (stage) return stage;
  }
  return 'test';
}

export interface HandlerCallsReport {
  /** Test files that recorded calls. */
  files: number;
  calls: number;
  /** Distinct requests: (function, automation, action, resource, context). */
  distinct: number;
  functions: string[];
  actions: string[];
  /** One line per denied request. */
  denied: string[];
  /** Calls that could not be checked (no IAM mapping…), and stacks that could not be generated. */
  problems: string[];
  /** Calls AWS refused as naming what does not exist: not checked. */
  notFound: number;
}

export async function checkHandlerCalls(files: HandlerCallsFile[]): Promise<HandlerCallsReport> {
  const automations = Object.assign({}, ...files.map((file) => file.automations)) as Record<string, Automation>;
  const problems = files.flatMap((file) => file.problems.map((problem) => `${problem} (${file.testFile})`));
  const merged = new Map<string, HandlerCallsFile['requests'][number] & { testFile: string }>();
  for (const file of files)
    for (const entry of file.requests) {
      const key = JSON.stringify([entry.function, entry.automation, entry.request]);
      if (!merged.has(key)) merged.set(key, { ...entry, testFile: file.testFile });
    }
  const roles = new Map<string, RoleOfFunction | Error>();
  const roleOf = (fn: string, automation: string, stage: string): RoleOfFunction | Error => {
    const key = `${fn} ${automation} ${stage}`;
    if (!roles.has(key)) {
      try {
        const template = generatedTemplate(automations[automation] as Automation, stage);
        const world = worldOfStage(stage);
        const routeTopics = Object.entries(template.Resources)
          .filter(([id, r]) => r.Type === 'AWS::SNS::Topic' && id.startsWith('AlertRoute'))
          .map(([id, r]) => [id, { Ref: `arn:aws:sns:${EMULATOR_REGION}:${EMULATOR_ACCOUNT}:${String(r.Properties.TopicName)}` }]);
        roles.set(key, roleOfFunction(template, world, fn, { ...worldResources(world), ...Object.fromEntries(routeTopics) }));
      } catch (error) {
        roles.set(key, error as Error);
      }
    }
    return roles.get(key) as RoleOfFunction | Error;
  };
  const denied: string[] = [];
  for (const { function: fn, automation, request, testFile } of merged.values()) {
    const role = roleOf(fn, automation, stageOf(request));
    const result = role instanceof Error ? `no role: ${role.message}` : await simulateRequest(role, request);
    if (result !== 'Allowed')
      denied.push(`${fn}: ${request.action} on ${request.resource} ${JSON.stringify(request.context)}: ${result} (${testFile})`);
  }
  const entries = [...merged.values()];
  return {
    files: files.length,
    calls: files.reduce((sum, file) => sum + file.calls, 0),
    distinct: merged.size,
    functions: [...new Set(entries.map((entry) => entry.function))].sort(),
    actions: [...new Set(entries.map((entry) => entry.request.action))].sort(),
    denied,
    problems,
    notFound: files.reduce((sum, file) => sum + (file.notFound ?? 0), 0),
  };
}

/** The one line the run ends with, then each denied or unchecked call. */
export function permissionsSummary(report: HandlerCallsReport, how?: string): string {
  const line =
    `permissions: ${report.calls} calls (${report.distinct} distinct) by ${report.functions.length} functions, ` +
    `${report.actions.length} actions, denied ${report.denied.length}` +
    (report.problems.length > 0 ? `, unchecked ${report.problems.length}` : '') +
    (report.notFound > 0 ? `, ${report.notFound} refused as not found` : '') +
    (how ? ` (${how})` : '');
  return [line, ...report.denied.map((d) => `  denied: ${d}`), ...report.problems.map((p) => `  unchecked: ${p}`)].join('\n');
}

/**
 * The check the run ends with: the calls the test files wrote to `folder`, checked; the summary printed;
 * throws (failing the run) on a denied or unchecked call. The folder is removed either way.
 */
export async function checkRecordedPermissions(
  folder: string,
  log: (line: string) => void = console.log,
): Promise<HandlerCallsReport | undefined> {
  try {
    const files = readHandlerCalls(folder);
    if (files.length === 0) return undefined;
    const started = performance.now();
    const report = await checkHandlerCalls(files);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(`\n${permissionsSummary(report, `${report.files} test files, checked in ${seconds} s`)}`);
    if (report.denied.length > 0 || report.problems.length > 0) {
      const message = `permissions: ${report.denied.length} denied and ${report.problems.length} unchecked AWS calls of the functions (listed above)`;
      // vitest prints a teardown error with its stack: the message says it all.
      throw Object.assign(new Error(message), { stack: message });
    }
    return report;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
