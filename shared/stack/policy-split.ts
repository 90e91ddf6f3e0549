/**
 * Roles whose permissions outgrow IAM's 10,240 characters of inline policy (run-batch-job with hundreds
 * of jobs' task definitions and roles, on-task-stopped with hundreds of watched tasks, scale-service with
 * hundreds of services, shift-traffic with a hundred apps) keep every statement, scoped as before: the
 * largest statements move out of the inline policy into customer managed policies (6,144 characters
 * each, 10 per role by default), split where one statement alone is too large for one policy by cutting
 * its longest list (resources, or a condition's values such as ecs:cluster) into parts, each part a
 * statement with the same actions, the rest of its scope, and a numbered Sid. Nothing is widened: the
 * union of the parts grants exactly what the statement did. Pure.
 *
 * The role lists its managed policies in ManagedPolicyArns (not the policies their Roles), so the
 * function, which depends on its role, is created only once every policy is attached: no first
 * invocation runs with half its permissions.
 */
import type { CfnResource, CfnString, PolicyStatement } from './resources.ts';

/** The figures the split works to; aws-limits.ts checks the same ones. */
export const IAM_POLICY_LIMITS = {
  /** Aggregate size of a role's inline policies, whitespace not counted. */
  roleInlinePolicyCharacters: 10_240,
  /** A customer managed policy's document, whitespace not counted. */
  managedPolicyCharacters: 6_144,
  /** Managed policies attached to one role (default quota; adjustable to 20). */
  managedPoliciesPerRole: 10,
} as const;

/** Measures a policy fragment as IAM will count it (aws-limits.ts's resolvedForSize: the longest value each CloudFormation function can take). */
export type PolicyMeasure = (value: unknown) => number;

/** A statement larger than this is cut: room for the document's own envelope ({"Version":…,"Statement":[…]}). */
const ENVELOPE = JSON.stringify({ Version: '2012-10-17', Statement: [] }).length;

/** The logical id of a role's `index`th managed policy. */
export const managedPolicyLogicalId = (roleId: string, index: number): string => `${roleId}ManagedPolicy${index + 1}`;

/**
 * `roles` (logical id → role) fitted to the inline limit: each role whose inline policies are within it
 * is returned unchanged; any other gets its largest statements moved into managed policies, returned
 * beside it. A role that still does not fit is returned as well as can be, for aws-limits.ts to report.
 */
export function fitRolesToIamLimits(resources: Record<string, CfnResource>, measure: PolicyMeasure): Record<string, CfnResource> {
  const fitted: Record<string, CfnResource> = {};
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role' || !Array.isArray(resource.Properties.Policies)) {
      fitted[id] = resource;
      continue;
    }
    Object.assign(fitted, fitRole(id, resource, measure));
  }
  return fitted;
}

interface InlinePolicy {
  PolicyName: string;
  PolicyDocument: { Version: string; Statement: PolicyStatement[] };
}

function fitRole(roleId: string, role: CfnResource, measure: PolicyMeasure): Record<string, CfnResource> {
  const policies = role.Properties.Policies as InlinePolicy[];
  const inlineSize = () => policies.reduce((sum, policy) => sum + measure(policy.PolicyDocument), 0);
  if (inlineSize() <= IAM_POLICY_LIMITS.roleInlinePolicyCharacters) return { [roleId]: role };

  // The largest statements leave first, until what stays inline fits.
  const kept = policies.map((policy) => ({
    ...policy,
    PolicyDocument: { ...policy.PolicyDocument, Statement: [...policy.PolicyDocument.Statement] },
  }));
  const moved: PolicyStatement[] = [];
  const sizeOfKept = () => kept.reduce((sum, policy) => sum + measure(policy.PolicyDocument), 0);
  while (sizeOfKept() > IAM_POLICY_LIMITS.roleInlinePolicyCharacters) {
    const largest = largestStatement(kept, measure);
    if (!largest) break;
    const [statement] = largest.policy.PolicyDocument.Statement.splice(largest.index, 1);
    if (statement) moved.push(statement);
  }

  const budget = IAM_POLICY_LIMITS.managedPolicyCharacters - ENVELOPE;
  const parts = moved.flatMap((statement) => cutToFit(statement, budget, measure));
  const documents = packStatements(parts, budget, measure);
  const managed: Record<string, CfnResource> = {};
  documents.forEach((statements, index) => {
    managed[managedPolicyLogicalId(roleId, index)] = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Description: `Part ${index + 1} of the permissions of ${roleId} that its inline policy cannot hold`,
        PolicyDocument: { Version: '2012-10-17', Statement: statements },
      },
    };
  });
  return {
    [roleId]: {
      ...role,
      Properties: {
        ...role.Properties,
        Policies: kept.filter((policy) => policy.PolicyDocument.Statement.length > 0),
        ManagedPolicyArns: Object.keys(managed).map((id) => ({ Ref: id })),
      },
    },
    ...managed,
  };
}

function largestStatement(policies: InlinePolicy[], measure: PolicyMeasure): { policy: InlinePolicy; index: number } | undefined {
  let best: { policy: InlinePolicy; index: number; size: number } | undefined;
  for (const policy of policies) {
    policy.PolicyDocument.Statement.forEach((statement, index) => {
      const size = measure(statement);
      if (!best || size > best.size) best = { policy, index, size };
    });
  }
  return best;
}

/** Where a statement's lists are: its resources, and each condition's values. */
type ListPlace = { kind: 'resource' } | { kind: 'condition'; operator: string; key: string };

function listAt(statement: PolicyStatement, place: ListPlace): CfnString[] {
  if (place.kind === 'resource') return statement.Resource;
  const value = statement.Condition?.[place.operator]?.[place.key];
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function withList(statement: PolicyStatement, place: ListPlace, list: CfnString[]): PolicyStatement {
  if (place.kind === 'resource') return { ...statement, Resource: list };
  const condition = statement.Condition ?? {};
  return { ...statement, Condition: { ...condition, [place.operator]: { ...condition[place.operator], [place.key]: list } } };
}

/**
 * `statement` as parts of at most `budget` characters each: its longest list (by measured size) cut in
 * two, and again, until every part fits or a part's lists hold one value each (reported by aws-limits.ts).
 * Cutting a resource list or a condition's list of values (any of which matches) is exact: the parts
 * together allow what the statement allowed, and nothing else.
 */
export function cutToFit(statement: PolicyStatement, budget: number, measure: PolicyMeasure): PolicyStatement[] {
  const cut = (part: PolicyStatement): PolicyStatement[] => {
    if (measure(part) <= budget) return [part];
    const places: ListPlace[] = [
      { kind: 'resource' },
      ...Object.entries(part.Condition ?? {}).flatMap(([operator, keys]) =>
        // ForAllValues/ForAnyValue compare sets: cutting their lists would change what they mean.
        operator.startsWith('For') ? [] : Object.keys(keys).map((key) => ({ kind: 'condition' as const, operator, key })),
      ),
    ];
    const longest = places
      .filter((place) => listAt(part, place).length > 1)
      .sort((a, b) => measure(listAt(part, b)) - measure(listAt(part, a)))[0];
    if (!longest) return [part];
    // As many values in each part as fit, in order (the list's separators counted).
    const list = listAt(part, longest);
    const base = measure(withList(part, longest, []));
    const chunks: CfnString[][] = [];
    let chunk: CfnString[] = [];
    let size = base;
    for (const value of list) {
      const added = measure(value) + 1;
      if (chunk.length > 0 && size + added > budget) {
        chunks.push(chunk);
        chunk = [];
        size = base;
      }
      chunk.push(value);
      size += added;
    }
    chunks.push(chunk);
    return chunks.flatMap((values) => cut(withList(part, longest, values)));
  };
  const parts = cut(statement);
  return parts.length === 1 ? parts : parts.map((part, index) => ({ ...part, Sid: `${statement.Sid}${index + 1}` }));
}

/** First-fit decreasing: the statements as few documents as their sizes allow, each within `budget`. */
function packStatements(statements: PolicyStatement[], budget: number, measure: PolicyMeasure): PolicyStatement[][] {
  const bins: { statements: PolicyStatement[]; size: number }[] = [];
  const sized = statements.map((statement) => ({ statement, size: measure(statement) + 1 })).sort((a, b) => b.size - a.size);
  for (const { statement, size } of sized) {
    const bin = bins.find((candidate) => candidate.size + size <= budget);
    if (bin) {
      bin.statements.push(statement);
      bin.size += size;
    } else {
      bins.push({ statements: [statement], size });
    }
  }
  return bins.map((bin) => bin.statements);
}
