/**
 * AWS as the fuzz's handlers see it: aws-sdk-client-mock stubs the `send` of the SDK's one client base
 * class, so every client a runtime builds (ECS, the document client, EventBridge, SNS, Scheduler, ELB,
 * CloudWatch, Application Auto Scaling) answers from here and records its call. Thousands of inputs a
 * minute are tried this way, where moto would take seconds each.
 *
 * The answers are those of a quiet account, plausible enough that a valid input runs to its end: the state
 * table is a map in memory (puts, gets, simple updates and queries; conditions always hold), tasks have
 * stopped long ago, services are steady, every write succeeds. What the fuzz judges is how a handler
 * treats its input, not how it treats AWS: the fault suites (test/faults) and moto do that.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Client } from '@smithy/core/client';
import { mockClient } from 'aws-sdk-client-mock';
import { isWrite } from '../../bench/aws-call-count.ts';
import { copyOf } from './mutations.ts';

export interface RecordedCall {
  /** `ECS RunTask`, `DynamoDBDocument Put`: the client's and the command's class names, as the bench names calls. */
  name: string;
  input: Record<string, unknown>;
}

type Item = Record<string, unknown>;

export interface AwsDouble {
  calls: RecordedCall[];
  writes: () => RecordedCall[];
  /** The state table, for a target to seed before an invocation. */
  table: Map<string, Item>;
  /** Forgets the calls and empties the table: each input starts from the same quiet account. */
  reset: () => void;
  /**
   * Runs one invocation; `abandon` makes every AWS call it still makes fail, so that an invocation the
   * fuzz gave up on (it hangs) stops instead of running on beside the next input.
   */
  invocation: <T>(work: () => Promise<T>) => { result: Promise<T>; abandon: () => void };
  restore: () => void;
}

/** What an abandoned invocation's calls fail with. */
export class InvocationAbandoned extends Error {
  override name = 'InvocationAbandoned';
}

/** A value of a request as text; what is not a string or number (a fuzzed record's field) reads as "?" rather than throwing. */
const text = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '?');
/** A list parameter as the SDK would send it; anything else (a fuzzed record's field) as none. */
const listOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : []);
const itemKey = (key: Item) => `${text(key?.pk)}|${text(key?.sk)}`;
const nameOf = (value: object, suffix: string) => value.constructor.name.replace(new RegExp(`${suffix}$`), '');

/** Installs the double; `restore` puts the SDK's own send back. */
export function installAwsDouble(): AwsDouble {
  const stub = mockClient(Client);
  const double: AwsDouble = {
    calls: [],
    writes: () => double.calls.filter((call) => isWrite(call.name)),
    table: new Map(),
    reset: () => {
      double.calls.length = 0;
      double.table.clear();
    },
    invocation: (work) => {
      const state = { abandoned: false };
      return { result: invocations.run(state, work), abandon: () => Object.assign(state, { abandoned: true }) };
    },
    restore: () => stub.restore(),
  };
  const invocations = new AsyncLocalStorage<{ abandoned: boolean }>();
  stub.send.callsFake(async function send(this: object, command: object) {
    // A turn of the event loop per call, as a network call takes: a handler that loops on AWS calls lets timers fire.
    await new Promise(setImmediate);
    if (invocations.getStore()?.abandoned) throw new InvocationAbandoned('the fuzz gave up on this invocation');
    const client = nameOf(this, 'Client');
    const commandName = nameOf(command, 'Command');
    const input = ((command as { input?: unknown }).input ?? {}) as Record<string, unknown>;
    double.calls.push({ name: `${client} ${commandName}`, input });
    return answer(commandName, input, double.table);
  });
  return double;
}

const REGION = 'eu-central-1';
const ACCOUNT = '111122223333';

function answer(command: string, input: Record<string, unknown>, table: Map<string, Item>): unknown {
  switch (command) {
    case 'Get':
      return { Item: copyOf(table.get(itemKey(input.Key as Item))) };
    case 'Put':
      table.set(itemKey(input.Item as Item), copyOf(input.Item as Item));
      return {};
    case 'Delete':
      table.delete(itemKey(input.Key as Item));
      return {};
    case 'Update':
      return { Attributes: copyOf(update(table, input)) };
    case 'TransactWrite':
      for (const entry of input.TransactItems as Record<string, Record<string, unknown>>[]) {
        if (entry.Put) answer('Put', entry.Put, table);
        if (entry.Update) answer('Update', entry.Update, table);
        if (entry.Delete) answer('Delete', entry.Delete, table);
      }
      return {};
    case 'Query':
      return { Items: query(table, input).map((item) => copyOf(item)) };
    case 'RunTask':
      return { tasks: runTasks(input), failures: [] };
    case 'DescribeTasks':
      // Stopped long ago: ECS has forgotten them.
      return { tasks: [], failures: listOf(input.tasks).map((arn) => ({ arn, reason: 'MISSING' })) };
    case 'ListTasks':
      return { taskArns: [] };
    case 'DescribeServices':
      return { services: listOf(input.services).map((name) => steadyService(name, input.cluster)), failures: [] };
    case 'DescribeTaskDefinition':
    case 'RegisterTaskDefinition':
      return { taskDefinition: taskDefinition(text(input.taskDefinition ?? input.family ?? 'app:1')) };
    case 'DescribeListeners':
    case 'DescribeRules':
      return { Listeners: [], Rules: [] };
    case 'DescribeTargetHealth':
      return { TargetHealthDescriptions: [] };
    case 'DescribeAlarms':
      return { MetricAlarms: [], CompositeAlarms: [] };
    case 'GetMetricData':
      return { MetricDataResults: [] };
    case 'DescribeScalableTargets':
      return { ScalableTargets: [] };
    case 'PutEvents':
      return { FailedEntryCount: 0, Entries: listOf(input.Entries).map((_, i) => ({ EventId: `event-${i}` })) };
    case 'Publish':
      return { MessageId: 'message-1' };
    case 'CreateSchedule':
      return { ScheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${text(input.Name)}` };
    default:
      return {};
  }
}

let launches = 0;

/** Tasks with ids of their own; the same clientToken gets the same tasks, as ECS answers a retried RunTask. */
function runTasks(input: Record<string, unknown>) {
  const cluster = text(input.cluster ?? 'default')
    .split('/')
    .at(-1);
  const token = typeof input.clientToken === 'string' ? input.clientToken : `launch-${launches++}`;
  return Array.from({ length: Number(input.count ?? 1) }, (_, i) => ({
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${cluster}/${createHash('sha256').update(`${token}#${i}`).digest('hex').slice(0, 32)}`,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${text(input.taskDefinition)}`,
  }));
}

function steadyService(name: string, cluster: unknown) {
  const taskDefinitionArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${name}:1`;
  return {
    serviceName: name.split('/').at(-1),
    serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${text(cluster ?? 'default')}/${name}`,
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    taskDefinition: taskDefinitionArn,
    deployments: [
      {
        id: 'ecs-svc/1',
        status: 'PRIMARY',
        rolloutState: 'COMPLETED',
        taskDefinition: taskDefinitionArn,
        desiredCount: 2,
        runningCount: 2,
      },
    ],
  };
}

function taskDefinition(name: string) {
  const family = name.split('/').at(-1)?.split(':')[0] ?? 'app';
  return {
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:1`,
    family,
    revision: 1,
    containerDefinitions: [{ name: 'app', image: `${family}:latest`, essential: true }],
  };
}

/** What a path in an expression names: `#n` through ExpressionAttributeNames (nested paths are taken whole). */
function attributeName(token: string, input: Record<string, unknown>): string {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  return token
    .trim()
    .split('.')
    .map((part) => names[part] ?? part)
    .join('.');
}

function value(token: string, input: Record<string, unknown>): unknown {
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  return values[token.trim()];
}

/** Commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim()).filter(Boolean);
}

/** SET a = :v | a = if_not_exists(a, :v) | a = b (+|-) :v | list_append(…), ADD a :v, REMOVE a: the forms the state layer writes. */
function update(table: Map<string, Item>, input: Record<string, unknown>): Item {
  const key = input.Key as Item;
  const item: Item = copyOf(table.get(itemKey(key))) ?? { ...key };
  const clauses = text(input.UpdateExpression ?? '').split(/\b(SET|ADD|REMOVE|DELETE)\b/);
  for (let i = 1; i < clauses.length; i += 2) {
    const body = clauses[i + 1] ?? '';
    for (const action of splitTopLevel(body)) {
      if (clauses[i] === 'SET') {
        const [target = '', expression = ''] = action.split(/=(.*)/s).map((part) => part.trim());
        item[attributeName(target, input)] = evaluate(expression, item, input);
      } else if (clauses[i] === 'ADD') {
        const [target = '', operand = ''] = action.split(/\s+/);
        const name = attributeName(target, input);
        const added = value(operand, input);
        const current = item[name];
        item[name] =
          added instanceof Set
            ? new Set([...((current as Set<unknown> | undefined) ?? []), ...added])
            : Number(current ?? 0) + Number(added);
      } else if (clauses[i] === 'REMOVE') {
        delete item[attributeName(action, input)];
      }
    }
  }
  table.set(itemKey(key), item);
  return item;
}

function evaluate(expression: string, item: Item, input: Record<string, unknown>): unknown {
  const call = /^(\w+)\((.*)\)$/s.exec(expression);
  if (call) {
    const [a = '', b = ''] = splitTopLevel(call[2] ?? '');
    if (call[1] === 'if_not_exists') return item[attributeName(a, input)] ?? evaluate(b, item, input);
    if (call[1] === 'list_append') return [...(evaluate(a, item, input) as unknown[]), ...(evaluate(b, item, input) as unknown[])];
  }
  const arithmetic = /^(.+?)\s*([+-])\s*(.+)$/.exec(expression);
  if (arithmetic && !expression.startsWith(':')) {
    const left = Number(evaluate(arithmetic[1] ?? '', item, input) ?? 0);
    const right = Number(evaluate(arithmetic[3] ?? '', item, input) ?? 0);
    return arithmetic[2] === '+' ? left + right : left - right;
  }
  if (expression.startsWith(':')) return value(expression, input);
  return item[attributeName(expression, input)];
}

const isKeyValue = (value: unknown): value is string | number => typeof value === 'string' || typeof value === 'number';

/** Key conditions of the forms `a = :v`, `a <= :v` (and <, >, >=), `begins_with(a, :v)`, joined by AND, on the table or an index. */
function query(table: Map<string, Item>, input: Record<string, unknown>): Item[] {
  const conditions = text(input.KeyConditionExpression ?? '')
    .split(/\bAND\b/)
    .map((condition) => condition.trim());
  const holds = (item: Item, condition: string): boolean => {
    const prefix = /^begins_with\((.+),(.+)\)$/.exec(condition);
    if (prefix) {
      const attribute = item[attributeName(prefix[1] ?? '', input)];
      return typeof attribute === 'string' && attribute.startsWith(text(value(prefix[2] ?? '', input)));
    }
    const comparison = /^(.+?)\s*(<=|>=|=|<|>)\s*(.+)$/.exec(condition);
    if (!comparison) return true;
    const left = item[attributeName(comparison[1] ?? '', input)];
    const right = value(comparison[3] ?? '', input);
    // Key attributes are strings or numbers; DynamoDB leaves items with anything else out of a key condition.
    if (!isKeyValue(left) || !isKeyValue(right)) return false;
    const order = left < right ? -1 : left > right ? 1 : 0;
    return { '=': order === 0, '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[comparison[2] as '='];
  };
  const found = [...table.values()].filter((item) => conditions.every((condition) => holds(item, condition)));
  found.sort((a, b) => (isKeyValue(a.sk) ? String(a.sk) : '').localeCompare(isKeyValue(b.sk) ? String(b.sk) : ''));
  return input.ScanIndexForward === false ? found.reverse() : found;
}
