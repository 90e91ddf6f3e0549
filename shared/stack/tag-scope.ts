/**
 * `permissions: tagged` (automation.yml): RunTask and iam:PassRole granted on the task definitions and
 * roles that carry the stack's tag, instead of on each by its ARN. For files whose task definitions and
 * roles no role's policies can list (a thousand jobs each with its own family and task role come to about
 * 135,000 characters of ARNs; a role holds 10,240 inline and ten managed policies of 6,144). Still least
 * privilege: every statement keeps its clusters (ecs:cluster) and iam:PassedToService, and the tag names
 * this stack (`<service>-<stage>`), so a task definition or role the operator has not tagged for it
 * stays out of reach. Tagging a role needs iam:TagRole, which only administrators hold.
 * Pure: the conditions and resources; resources.ts puts them into the statements.
 */
import type { CfnString } from './resources.ts';

/** The tag the operator puts on each task definition revision and role the stack may launch or pass; its value: `<service>-<stage>`. */
export const STACK_TAG_KEY = 'ecs-autopilot:stack';

/** Only resources tagged for the stack `prefix`. */
export const taggedFor = (prefix: string): Record<string, string> => ({ [`aws:ResourceTag/${STACK_TAG_KEY}`]: prefix });

/**
 * The roles of the accounts (and partitions) the file's role ARNs are in: what a tagged PassRole is
 * granted on, narrowed by the tag.
 */
export function roleAccountsOf(roleArns: readonly string[]): CfnString[] {
  const heads = new Set<string>();
  for (const arn of roleArns) {
    const [, partition, , , account] = arn.split(':');
    heads.add(`arn:${partition}:iam::${account}:role/*`);
  }
  return [...heads].sort();
}
