/** automation.yml → CloudFormation, for `serverless package`: read, check, validate, generate. */
import { readFileSync } from 'node:fs';
import { automationOfYaml } from '../config/load.ts';
import type { Automation } from '../config/schema.ts';
import { type ConfigProblem, locateProblemText, parseYamlText, YamlFileError } from '../config/yaml-problems.ts';
import { valueOfYaml } from '../config/yaml-value.ts';
import { ConfigError } from '../errors.ts';
import { type StackNames, type StackResources, stackResources } from './resources.ts';
import { variableSyntaxProblems } from './variable-syntax.ts';

/**
 * Every problem of the file in one ConfigError (serverless variable syntax, then YAML syntax and the
 * schema, then what only the stack cares about), each with where it is written in `source`, the path
 * as the user gave it.
 */
export function stackFromAutomationFile(file: string, names: StackNames, source: string = file): StackResources {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${source}: ${(error as Error).message}`], source);
  }
  const yaml = parseYamlText(text, source);
  const problems: ConfigProblem[] =
    yaml.document.errors.length === 0 ? variableSyntaxProblems(valueOfYaml(yaml)).map((line) => locateProblemText(yaml, line)) : [];
  let automation: Automation | undefined;
  try {
    automation = automationOfYaml(yaml).automation;
  } catch (error) {
    if (!(error instanceof YamlFileError)) throw error;
    problems.push(...error.located);
  }
  if (problems.length > 0 || !automation) throw new YamlFileError(problems, source);
  try {
    return stackResources(automation, names);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new YamlFileError(
        error.problems.map((line) => locateProblemText(yaml, line)),
        source,
      );
    throw error;
  }
}
