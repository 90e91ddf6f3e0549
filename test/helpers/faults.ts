/**
 * Faults in front of the emulator, for the tests that prove "nothing lost, nothing done twice": every AWS
 * SDK call a handler makes goes through the SDK's one client base class, whose `send` is wrapped here. Only
 * calls made inside `faults.invoke(…)` (an invocation of a handler) are recorded and may be failed; the
 * test's own reads of the emulator pass untouched.
 *
 * Two faults, at a call picked by its command name and occurrence (or its index in the invocation):
 * - `fail`: the call throws an AWS error (retryable by default: a throttle), as if AWS refused it;
 * - `crash-after`: the call reaches AWS and succeeds, then the invocation dies (InvocationCrashed) before
 *   it can do anything else, as a Lambda timeout or an out-of-memory kill would. A dead invocation stays
 *   dead: a handler that catches the error gets no further call through to AWS, and the invocation
 *   counts as failed whatever the handler returns.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
// The base class of every AWS SDK v3 client (one copy in node_modules: npm ls @smithy/core).
import { Client } from '@smithy/core/client';

export interface AwsCall {
  /** `ECS`, `DynamoDB`, `EventBridge`… (the client's class name without `Client`). */
  service: string;
  /** `RunTask`, `PutItem`, `PutEvents`… (the command's class name without `Command`). */
  command: string;
  input: unknown;
  /** What AWS answered, once it did (the IAM check reads the task and task-definition ARNs a launch created). */
  output?: unknown;
  /** The async stack trace of the send, when `invoke` was asked to keep it (the IAM check names the function by it). */
  stack?: string;
}

export type FaultKind = 'fail' | 'crash-after';

export interface Fault {
  kind: FaultKind;
  /** The call to hit: its command (`PutEvents`) and which of them in the invocation (1 = the first), or its index (0-based) among all calls. */
  at: { command: string; occurrence?: number } | { index: number };
  /** For `fail`: the error thrown (default: a ThrottlingException, which the handlers treat as retryable). */
  error?: () => Error;
}

/** The invocation was killed right after a call succeeded. */
export class InvocationCrashed extends Error {
  override name = 'InvocationCrashed';
}

export function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
}

interface Invocation {
  calls: AwsCall[];
  keepStacks: boolean;
  faults: Fault[];
  /** The faults that hit a call. */
  hit: Fault[];
  /** Set once a crash-after killed it. */
  killed?: InvocationCrashed;
}

const current = new AsyncLocalStorage<Invocation>();
const originalSend = Client.prototype.send;
let installed = 0;

function nameOf(value: object, suffix: string): string {
  return value.constructor.name.replace(new RegExp(`${suffix}$`), '');
}

function hits(fault: Fault, call: AwsCall, index: number, calls: AwsCall[]): boolean {
  if ('index' in fault.at) return fault.at.index === index;
  if (fault.at.command !== call.command) return false;
  const occurrence = calls.filter((c) => c.command === call.command).length;
  return occurrence === (fault.at.occurrence ?? 1);
}

/** Wraps the SDK's send while a test file runs; `uninstall` puts it back. */
export function installFaults(): { uninstall: () => void } {
  if (installed++ === 0) {
    Client.prototype.send = async function send(this: object, command: object, ...rest: unknown[]) {
      const invocation = current.getStore();
      const forward = () => (originalSend as (...args: unknown[]) => Promise<unknown>).call(this, command, ...rest);
      if (!invocation) return forward();
      if (invocation.killed) throw invocation.killed;
      const call: AwsCall = {
        service: nameOf(this, 'Client'),
        command: nameOf(command, 'Command'),
        input: (command as { input?: unknown }).input,
        ...(invocation.keepStacks && { stack: new Error().stack ?? '' }),
      };
      const index = invocation.calls.length;
      invocation.calls.push(call);
      const fault = invocation.faults.find((f) => hits(f, call, index, invocation.calls));
      if (fault) invocation.hit.push(fault);
      if (fault?.kind === 'fail') throw (fault.error ?? throttling)();
      const result = await forward();
      call.output = result;
      if (fault?.kind === 'crash-after') {
        invocation.killed = new InvocationCrashed(`killed after ${call.service} ${call.command} (call ${index})`);
        throw invocation.killed;
      }
      return result;
    } as typeof Client.prototype.send;
  }
  return {
    uninstall: () => {
      if (--installed === 0) Client.prototype.send = originalSend;
    },
  };
}

export interface Invoked<T> {
  calls: AwsCall[];
  /** What the handler returned, or undefined when it threw. */
  result: T | undefined;
  /** What it threw (an injected fault's error or its own error), or InvocationCrashed once it was killed, whatever it did then. */
  error: unknown;
  /** The faults that hit a call: a fault aimed at a call the invocation never made is missing here. */
  hit: Fault[];
}

/** Runs one invocation of a handler with these faults, recording its AWS calls (with their stacks if asked); never throws. */
export async function invoke<T>(
  handler: () => Promise<T>,
  faults: Fault[] = [],
  options: { keepStacks?: boolean } = {},
): Promise<Invoked<T>> {
  const invocation: Invocation = { calls: [], faults, hit: [], keepStacks: options.keepStacks ?? false };
  try {
    const result = await current.run(invocation, handler);
    if (invocation.killed) return { calls: invocation.calls, result: undefined, error: invocation.killed, hit: invocation.hit };
    return { calls: invocation.calls, result, error: undefined, hit: invocation.hit };
  } catch (error) {
    return { calls: invocation.calls, result: undefined, error: invocation.killed ?? error, hit: invocation.hit };
  }
}

/** `ECS RunTask`, `EventBridge PutEvents`…: how a call is named in test titles and messages. */
export const callName = (call: AwsCall) => `${call.service} ${call.command}`;
