/** automation.yml → CloudFormation, for `serverless package`: read, check, validate, generate. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { parseAutomationText } from '../config/load.ts';
import type { Automation } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { type StackNames, type StackResources, stackResources } from './resources.ts';
import { variableSyntaxProblems } from './variable-syntax.ts';

/**
 * Every problem of the file in one ConfigError (serverless variable syntax, then YAML syntax and the
 * schema, then what only the stack cares about), named after `source`, the path as the user gave it.
 */
export function stackFromAutomationFile(file: string, names: StackNames, source: string = file): StackResources {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${source}: ${(error as Error).message}`], source);
  }
  const document = parseDocument(text, { uniqueKeys: true });
  const problems = document.errors.length === 0 ? variableSyntaxProblems(document.toJS()) : [];
  let automation: Automation | undefined;
  try {
    automation = parseAutomationText(text, source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !automation) throw new ConfigError([...new Set(problems)], source);
  try {
    return stackResources(automation, names);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.problems, source);
    throw error;
  }
}
