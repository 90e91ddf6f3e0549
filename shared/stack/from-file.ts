/** automation.yml (and the stage's overlay) → CloudFormation, for `serverless package`: read, check, validate, generate. */
import { automationOfStageFiles, valueOfStageFiles } from '../config/load.ts';
import type { Automation } from '../config/schema.ts';
import { readStageFiles, type StageFiles, stageFilesLabel } from '../config/stage-overlay.ts';
import { type ConfigProblem, YamlFileError } from '../config/yaml-problems.ts';
import { ConfigError } from '../errors.ts';
import { stackLimitProblems } from './aws-limits.ts';
import type { StackNames, StackResources } from './cfn.ts';
import { stackResources } from './resources.ts';
import { variableSyntaxProblems } from './variable-syntax.ts';

/**
 * Every problem of the stage's files in one ConfigError (serverless variable syntax, then YAML syntax and
 * the schema, then what only the stack cares about), each with where it is written, the path as the user
 * gave it. `names.stage` picks the overlay (`automation.<stage>.yml` beside the file) when there is one.
 */
export function stackFromAutomationFile(file: string, names: StackNames, source: string = file): StackResources {
  return stackFromStageFiles(readStageFiles(file, names.stage, source), names);
}

function stackFromStageFiles(files: StageFiles, names: StackNames): StackResources {
  const label = stageFilesLabel(files);
  const problems: ConfigProblem[] = [];
  let automation: Automation | undefined;
  let read: ReturnType<typeof valueOfStageFiles> | undefined;
  try {
    const parsed = valueOfStageFiles(files);
    read = parsed;
    problems.push(...variableSyntaxProblems(parsed.value).map((line) => parsed.locate.text(line)));
    automation = automationOfStageFiles(files, parsed).automation;
  } catch (error) {
    if (!(error instanceof YamlFileError)) throw error;
    problems.push(...error.located);
  }
  if (problems.length > 0 || !automation || !read) throw new YamlFileError(problems, label);
  const { locate } = read;
  try {
    const stack = stackResources(automation, names);
    const overLimits = stackLimitProblems(stack, names);
    if (overLimits.length > 0) throw new ConfigError(overLimits);
    return stack;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new YamlFileError(
      error.problems.map((line) => locate.text(line)),
      label,
    );
  }
}
