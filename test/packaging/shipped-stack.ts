/**
 * The stack as `serverless package` ships it, for test/packaging/shipped.test.ts: one packaging run of a
 * fixture, the function zips it wrote, and the template's values resolved for the moto world the tests
 * run in.
 *
 * Packaging runs in a directory of its own (symlinks to the sources, a copy of serverless.yml) because
 * serverless-esbuild builds into the service directory's `.esbuild` folder, which package.test.ts's runs
 * use at the same time in another worker.
 *
 * Resolving: `Ref`, `Fn::GetAtt`, `Fn::Sub` and `Fn::Join` are resolved with the pseudo parameters of
 * the emulator (account 123456789012, us-east-1) and an explicit table from the template's logical ids to
 * the world's resources (`worldResources`). The fixture is packaged with stage `test` and the world is
 * seeded with stage `test`, so the names agree (the test asserts the template's physical names equal the
 * world's); the SchedulerRole and the timers' dead-letter queue, which the sandbox does not create, take
 * the ARNs the sandbox's timers pass (sandbox/timers.ts). A logical id missing from the table resolves to
 * an ARN that matches nothing (`arn:aws:unresolved:…`), so it can only make a call look denied, never
 * allowed.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EMULATOR_ACCOUNT, EMULATOR_REGION } from '../../sandbox/emulator.ts';
import type { SandboxWorld } from '../../sandbox/seed.ts';
import { emulatorTimerSettings } from '../../sandbox/timers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** What packaging reads from the service directory. */
const SOURCES = ['functions', 'shared', 'deploy', 'node_modules', 'package.json', 'tsconfig.json'];

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}
export interface Template {
  Resources: Record<string, CfnResource>;
}
export interface Packaged {
  outDir: string;
  template: Template;
  /** The function zips, by file name (`run-batch-job.zip`…). */
  zips: string[];
}

/** `serverless package --stage test --region us-east-1` of `automationFile`, offline, with an empty HOME. */
export function packageStack(automationFile: string, timeout: number): Promise<Packaged> {
  const serviceDir = mkdtempSync(path.join(tmpdir(), 'ecs-autopilot-service-'));
  const outDir = mkdtempSync(path.join(tmpdir(), 'ecs-autopilot-shipped-'));
  const home = mkdtempSync(path.join(tmpdir(), 'ecs-autopilot-home-'));
  for (const source of SOURCES) symlinkSync(path.join(ROOT, source), path.join(serviceDir, source));
  // osls refuses a symlinked serverless.yml ("can only be run in a service directory").
  cpSync(path.join(ROOT, 'serverless.yml'), path.join(serviceDir, 'serverless.yml'));
  const args = [
    path.join(ROOT, 'node_modules/osls/bin/serverless.js'),
    'package',
    ...['--stage', 'test', '--region', EMULATOR_REGION, '--package', outDir],
  ];
  const env = { PATH: process.env.PATH ?? '', HOME: home, AUTOMATION_FILE: path.resolve(ROOT, automationFile) };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: serviceDir, env, timeout }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`serverless package failed:\n${stdout}\n${stderr}`, { cause: error }));
        return;
      }
      const template = JSON.parse(readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
      resolve({ outDir, template, zips: readdirSync(outDir).filter((file) => file.endsWith('.zip')) });
    });
  });
}

type Attributes = Record<string, string>;

/** The template's logical ids → the world's resources (Ref is the `Ref` entry). */
export function worldResources(world: SandboxWorld): Record<string, Attributes> {
  const own = (service: string, resource: string) => `arn:aws:${service}:${EMULATOR_REGION}:${EMULATOR_ACCOUNT}:${resource}`;
  const timers = emulatorTimerSettings(world);
  return {
    StateTable: { Ref: world.tableName, Arn: own('dynamodb', `table/${world.tableName}`) },
    EventBus: { Ref: world.busName, Name: world.busName, Arn: world.busArn },
    ScheduleGroup: { Ref: world.scheduleGroup, Arn: own('scheduler', `schedule-group/${world.scheduleGroup}`) },
    AlertTopic: { Ref: world.alertTopicArn, TopicArn: world.alertTopicArn, TopicName: world.alertTopicArn.split(':').pop() ?? '' },
    SchedulerRole: { Arn: timers.roleArn },
    ScheduleDeadLetterQueue: { Arn: timers.deadLetterArn },
  };
}

/** The template's physical names that must equal the world's for the mapping above to be the identity it claims. */
export function physicalNames(template: Template): Record<string, string | undefined> {
  const name = (id: string, property: string) => {
    const value = template.Resources[id]?.Properties[property];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    StateTable: name('StateTable', 'TableName'),
    EventBus: name('EventBus', 'Name'),
    ScheduleGroup: name('ScheduleGroup', 'Name'),
    AlertTopic: name('AlertTopic', 'TopicName'),
  };
}

const PSEUDO: Attributes = {
  'AWS::Partition': 'aws',
  'AWS::Region': EMULATOR_REGION,
  'AWS::AccountId': EMULATOR_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'ecs-autopilot-test',
};

/** Resolves the intrinsic functions in `value` against the world's resources. */
export function resolver(resources: Record<string, Attributes>) {
  const attribute = (id: string, name: string): string => {
    if (name === 'Ref' && id in PSEUDO) return PSEUDO[id] as string;
    return resources[id]?.[name] ?? `arn:aws:unresolved:::${id}.${name}`;
  };
  const sub = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{(!?)([^}]+)\}/g, (_whole, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (name in variables) return resolve(variables[name]) as string;
      const [id, attr] = name.split('.');
      return attribute(id as string, attr ?? 'Ref');
    });
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Ref') return attribute(argument as string, 'Ref');
    if (entries.length === 1 && key === 'Fn::GetAtt') {
      const [id, name] = Array.isArray(argument) ? argument : String(argument).split('.');
      return attribute(id as string, name as string);
    }
    if (entries.length === 1 && key === 'Fn::Sub') {
      const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
      return sub(text as string, variables as Record<string, unknown>);
    }
    if (entries.length === 1 && key === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return (resolve(parts) as string[]).join(separator);
    }
    if (entries.length === 1 && key?.startsWith('Fn::')) throw new Error(`${key} is not resolved by test/packaging/shipped-stack.ts`);
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}

export interface FunctionOfStack {
  /** The Lambda function's logical id. */
  logicalId: string;
  properties: Record<string, unknown>;
  roleLogicalId: string;
  /** Every policy that applies to its role (inline, and managed or standalone ones naming it), unresolved. */
  policies: { name: string; document: unknown }[];
}

/** The function named `ecs-autopilot-test-<name>` in the template, its role and the role's policies. */
export function functionOfStack(template: Template, name: string): FunctionOfStack {
  const entry = Object.entries(template.Resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `ecs-autopilot-test-${name}`,
  );
  if (!entry) throw new Error(`the template has no function ${name}`);
  const [logicalId, { Properties: properties }] = entry;
  const role = properties.Role as { 'Fn::GetAtt'?: [string, string] };
  const roleLogicalId = role['Fn::GetAtt']?.[0];
  const roleResource = roleLogicalId ? template.Resources[roleLogicalId] : undefined;
  if (!roleLogicalId || roleResource?.Type !== 'AWS::IAM::Role') throw new Error(`${name}'s role is not a role of the template`);
  const inline = ((roleResource.Properties.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[]).map((p) => ({
    name: p.PolicyName,
    document: p.PolicyDocument,
  }));
  const managed = ((roleResource.Properties.ManagedPolicyArns ?? []) as unknown[]).map((arn) => {
    const id = (arn as { Ref?: string }).Ref;
    const policy = id ? template.Resources[id] : undefined;
    if (!id || policy?.Type !== 'AWS::IAM::ManagedPolicy')
      throw new Error(`${name}'s role has a managed policy outside the template: ${JSON.stringify(arn)}`);
    return { name: id, document: policy.Properties.PolicyDocument };
  });
  const naming = Object.entries(template.Resources)
    .filter(
      ([id, r]) =>
        (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') &&
        !managed.some((m) => m.name === id) &&
        ((r.Properties.Roles ?? []) as unknown[]).some((ref) => (ref as { Ref?: string }).Ref === roleLogicalId),
    )
    .map(([id, r]) => ({ name: id, document: r.Properties.PolicyDocument }));
  return { logicalId, properties, roleLogicalId, policies: [...inline, ...managed, ...naming] };
}
