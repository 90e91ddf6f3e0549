/**
 * Reading automation.yml: YAML syntax first (one error, with its code frame), then the schema; every
 * problem on its own line with where it is written and its path (`automation.yml:5:15 jobs.…: …`).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import type { Automation } from './schema.ts';
import { checkAutomation, DEFAULT_CONFIG_FILE } from './validate.ts';
import { locationOf, parseYamlText, syntaxProblem, YamlFileError, type YamlText } from './yaml-problems.ts';
import { valueOfYaml } from './yaml-value.ts';

export { DEFAULT_CONFIG_FILE, describeIssues, validateAutomation } from './validate.ts';

/** A valid automation and the parse it came from, to say where problems found later (the stack's) are written. */
export interface ReadAutomation {
  automation: Automation;
  yaml: YamlText;
}

export function loadAutomationFile(file: string = DEFAULT_CONFIG_FILE): Automation {
  return readAutomationFile(file).automation;
}

export function readAutomationFile(file: string = DEFAULT_CONFIG_FILE): ReadAutomation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${file}: ${(error as Error).message}`], file);
  }
  return automationOfYaml(parseYamlText(text, file));
}

export function parseAutomationText(text: string, source = DEFAULT_CONFIG_FILE): Automation {
  return automationOfYaml(parseYamlText(text, source)).automation;
}

/** The automation a parsed file holds; a YamlFileError with its syntax error, alias error or schema problems, located. */
export function automationOfYaml(yaml: YamlText): ReadAutomation {
  const syntax = syntaxProblem(yaml);
  if (syntax) throw new YamlFileError([syntax], yaml.file);
  const check = checkAutomation(valueOfYaml(yaml));
  if (!check.ok) {
    throw new YamlFileError(
      check.problems.map((problem) => ({ text: problem.text, location: locationOf(yaml, problem.path, problem.pointAt) })),
      yaml.file,
    );
  }
  return { automation: check.automation, yaml };
}
