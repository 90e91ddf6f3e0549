/**
 * The permission check: each recorded call (test/packaging/recorded-calls.ts), as the IAM requests it
 * makes (test/packaging/iam-requests.ts), simulated with @cloud-copilot/iam-simulate against the policies
 * of the role its function has in the packaged template (test/packaging/shipped-stack.ts). Same-account
 * requests of a role session: the role's identity policies decide; no SCP, no permission boundary.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { EMULATOR_ACCOUNT, EMULATOR_REGION } from '../../sandbox/emulator.ts';
import type { SandboxWorld } from '../../sandbox/seed.ts';
import { type IamRequest, iamRequestsOf } from './iam-requests.ts';
import type { RecordedCall } from './recorded-calls.ts';
import { functionOfStack, resolver, type Template, worldResources } from './shipped-stack.ts';

export interface Verdict {
  call: RecordedCall;
  request: IamRequest;
  /** Allowed, ExplicitlyDenied, ImplicitlyDenied, or the simulator's validation errors. */
  result: string;
}

export interface PermissionReport {
  calls: number;
  requests: number;
  actions: string[];
  denied: Verdict[];
}

/** Replaces moto's ARNs by the configured ones everywhere in the call. */
function withConfiguredArns(call: RecordedCall): RecordedCall {
  const pairs = Object.entries(call.configuredArns);
  if (pairs.length === 0) return call;
  const swap = (value: unknown) => {
    let text = JSON.stringify(value ?? null);
    for (const [seeded, configured] of pairs) text = text.split(seeded).join(configured);
    return JSON.parse(text) as unknown;
  };
  return { ...call, input: swap(call.input), output: swap(call.output) };
}

/** A function's role in the template: the principal it acts as and its policies, resolved for the world. */
export interface RoleOfFunction {
  principal: string;
  policies: { name: string; policy: unknown }[];
}

export function roleOfFunction(template: Template, world: SandboxWorld, fn: string, resources = worldResources(world)): RoleOfFunction {
  const resolve = resolver(resources);
  const found = functionOfStack(template, fn);
  return {
    principal: `arn:aws:sts::${EMULATOR_ACCOUNT}:assumed-role/${found.roleLogicalId}/${fn}`,
    policies: found.policies.map((p) => ({ name: p.name, policy: resolve(p.document) })),
  };
}

/** The simulator's verdict on one request of a role: Allowed, ExplicitlyDenied, ImplicitlyDenied, or its validation errors. */
export async function simulateRequest(role: RoleOfFunction, request: IamRequest): Promise<string> {
  const response = await runSimulation(
    {
      request: {
        principal: role.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: EMULATOR_ACCOUNT },
        contextVariables: request.context,
      },
      identityPolicies: role.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return response.resultType === 'error' ? `simulation error: ${JSON.stringify(response.errors)}` : response.overallResult;
}

export async function checkPermissions(calls: RecordedCall[], template: Template, world: SandboxWorld): Promise<PermissionReport> {
  const roles = new Map<string, RoleOfFunction>();
  for (const fn of new Set(calls.map((call) => call.function))) roles.set(fn, roleOfFunction(template, world, fn));
  const where = { region: EMULATOR_REGION, account: EMULATOR_ACCOUNT };
  const denied: Verdict[] = [];
  const actions = new Set<string>();
  let requests = 0;
  for (const recorded of calls) {
    const call = withConfiguredArns(recorded);
    for (const request of iamRequestsOf(call, where)) {
      requests += 1;
      actions.add(request.action);
      const result = await simulateRequest(roles.get(call.function) as RoleOfFunction, request);
      if (result !== 'Allowed') denied.push({ call: recorded, request, result });
    }
  }
  return { calls: calls.length, requests, actions: [...actions].sort(), denied };
}

/** One line per denial: the function, the call, the request and the verdict. */
export const describeDenial = (v: Verdict) =>
  `${v.call.function}: ${v.call.service} ${v.call.command} → ${v.request.action} on ${v.request.resource} ${JSON.stringify(v.request.context)}: ${v.result} (${v.call.where})`;
