/**
 * Reading automation.yml: YAML syntax first (one error, with its code frame), then the schema; every
 * problem on its own line with where it is written and its path (`automation.yml:5:15 jobs.…: …`).
 */
import type { Automation } from './schema.ts';
import { readStageFiles, type StageFiles, StageLocator, stageFilesLabel, withOverlay } from './stage-overlay.ts';
import { checkAutomation, DEFAULT_CONFIG_FILE } from './validate.ts';
import { type ConfigProblem, parseYamlText, syntaxProblem, YamlFileError, type YamlText } from './yaml-problems.ts';
import { valueOfYaml } from './yaml-value.ts';

export { DEFAULT_CONFIG_FILE, describeIssues, validateAutomation } from './validate.ts';

/** A valid automation and the parse it came from, to say where problems found later (the stack's) are written. */
export interface ReadAutomation {
  automation: Automation;
  /** The base file's parse. */
  yaml: YamlText;
  /** Locates a problem line in the file (base or the stage's overlay) that wrote the value at fault. */
  locate: StageLocator;
  /** `automation.yml`, or `automation.yml + automation.prod.yml`. */
  source: string;
}

/** The automation of `file`, laid under the overlay of `stage` when it has one (shared/config/stage-overlay.ts). */
export function loadAutomationFile(file: string = DEFAULT_CONFIG_FILE, stage?: string): Automation {
  return readAutomationFile(file, stage).automation;
}

/** `label`: how messages name `file` (default: as given). */
export function readAutomationFile(file: string = DEFAULT_CONFIG_FILE, stage?: string, label?: string): ReadAutomation {
  return automationOfStageFiles(readStageFiles(file, stage, label));
}

export function parseAutomationText(text: string, source = DEFAULT_CONFIG_FILE): Automation {
  return automationOfYaml(parseYamlText(text, source)).automation;
}

/** The automation a parsed file holds; a YamlFileError with its syntax error, alias error or schema problems, located. */
export function automationOfYaml(yaml: YamlText): ReadAutomation {
  return automationOfStageFiles({ base: yaml });
}

/** The value of a stage's files: the base, with the overlay laid over it; a YamlFileError with the syntax or alias problems of either. */
export function valueOfStageFiles(files: StageFiles): { value: unknown; locate: StageLocator } {
  const syntax = [files.base, ...(files.overlay ? [files.overlay.yaml] : [])]
    .map(syntaxProblem)
    .filter((problem): problem is ConfigProblem => problem !== undefined);
  if (syntax.length > 0) throw new YamlFileError(syntax, stageFilesLabel(files));
  const base = valueOfYaml(files.base);
  if (!files.overlay) return { value: base, locate: new StageLocator(files, base, undefined) };
  const overlay = valueOfYaml(files.overlay.yaml);
  return { value: withOverlay(base, overlay), locate: new StageLocator(files, base, overlay) };
}

/** The automation of a stage's files; a YamlFileError with every problem, each located in the file that wrote it. */
export function automationOfStageFiles(files: StageFiles, read = valueOfStageFiles(files)): ReadAutomation {
  const source = stageFilesLabel(files);
  const { value, locate } = read;
  const check = checkAutomation(value);
  if (!check.ok) {
    throw new YamlFileError(
      check.problems.map((problem) => ({ text: problem.text, location: locate.at(problem.path, problem.pointAt) })),
      source,
    );
  }
  return { automation: check.automation, yaml: files.base, locate, source };
}
