/**
 * Stages: one automation.yml for what every stage shares, and beside it, per stage, an optional overlay
 * (`automation.prod.yml` for `--stage prod`) with what differs: clusters, subnets, emails, alarm names.
 * The overlay is laid over the base before anything is checked, so each stage is validated as the whole
 * file it deploys:
 * - a mapping in the overlay merges into the base's, key by key, at any depth;
 * - anything else in it (a value, a list) replaces the base's value at that place;
 * - `null` removes the key (a job that runs in prod only is `nightly-report: null` in the dev overlay).
 * Pure, but for reading the files; problems are located in the file that wrote the value at fault.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { type ConfigProblem, locateProblemText, locationOf, parseYamlText, type YamlText } from './yaml-problems.ts';

/** A stage as serverless names it (its stack name and resources are made of it). */
export const STAGE_NAME = /^[a-zA-Z0-9-]{1,32}$/;

/** `automation.yml` + `prod` → `automation.prod.yml`, beside it. */
export function overlayFileOf(file: string, stage: string): string {
  const extension = extname(file) || '.yml';
  return join(dirname(file), `${basename(file, extname(file))}.${stage}${extension}`);
}

/** The stages that have an overlay beside `file` (`automation.prod.yml` → prod), sorted. */
export function overlayStagesIn(file: string, names: readonly string[]): string[] {
  const extension = extname(file) || '.yml';
  const prefix = `${basename(file, extname(file))}.`;
  return names
    .filter((name) => name.startsWith(prefix) && name.endsWith(extension))
    .map((name) => name.slice(prefix.length, name.length - extension.length))
    .filter((stage) => STAGE_NAME.test(stage))
    .sort();
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The base with the overlay laid over it (see the file's comment); neither is changed. */
export function withOverlay(base: unknown, overlay: unknown): unknown {
  if (!isMapping(base) || !isMapping(overlay)) return overlay;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) delete merged[key];
    else merged[key] = Object.hasOwn(base, key) ? withOverlay(base[key], value) : value;
  }
  return merged;
}

/**
 * Whether the value at `path` of the merged file was written by the overlay: the overlay holds the whole
 * path, or on the way it brought a key the base does not have, or replaced (or removed) a part of it.
 * A key missing at the end of a path (a required setting left out) is the file's that wrote its mapping.
 */
export function writtenByOverlay(base: unknown, overlay: unknown, path: readonly PropertyKey[]): boolean {
  let fromBase = base;
  let fromOverlay = overlay;
  for (const step of path) {
    if (!isMapping(fromOverlay)) return true;
    const key = String(step);
    if (!Object.hasOwn(fromOverlay, key)) return false;
    if (!isMapping(fromBase) || !Object.hasOwn(fromBase, key)) return true;
    fromOverlay = fromOverlay[key];
    fromBase = fromBase[key];
  }
  return true;
}

/** The base file and, for a stage that has one, its overlay: what a stage's automation is read from. */
export interface StageFiles {
  base: YamlText;
  overlay?: { yaml: YamlText; stage: string } | undefined;
}

/**
 * Reads `file` and, when `stage` is given and its overlay exists, the overlay; a ConfigError for a file
 * that cannot be read. `label`: how messages name `file` (the overlay is named beside it).
 */
export function readStageFiles(file: string, stage?: string, label: string = file): StageFiles {
  if (stage !== undefined && !STAGE_NAME.test(stage)) {
    throw new ConfigError([`stage "${stage}": a stage is 1 to 32 letters, digits and dashes (as serverless --stage takes it)`], label);
  }
  const base = parseYamlText(readText(file, label), label);
  if (stage === undefined) return { base };
  const overlayFile = overlayFileOf(file, stage);
  if (!existsSync(overlayFile)) return { base };
  const overlayLabel = overlayFileOf(label, stage);
  return { base, overlay: { yaml: parseYamlText(readText(overlayFile, overlayLabel), overlayLabel), stage } };
}

function readText(file: string, label: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as Error).message.replace(file, label);
    throw new ConfigError([`cannot read ${label}: ${reason}`], label);
  }
}

/** `automation.yml`, or `automation.yml + automation.prod.yml`: what a stage was read from, for messages. */
export function stageFilesLabel(files: StageFiles): string {
  return files.overlay ? `${files.base.file} + ${files.overlay.yaml.file}` : files.base.file;
}

/** Locates problems in the file that wrote the value at fault, given the overlay's value. */
export class StageLocator {
  private readonly files: StageFiles;
  private readonly baseValue: unknown;
  private readonly overlayValue: unknown;

  constructor(files: StageFiles, baseValue: unknown, overlayValue: unknown) {
    this.files = files;
    this.baseValue = baseValue;
    this.overlayValue = overlayValue;
  }

  /** The file that wrote the value at `path`. */
  yamlOf(path: readonly PropertyKey[]): YamlText {
    const overlay = this.files.overlay;
    return overlay && writtenByOverlay(this.baseValue, this.overlayValue, path) ? overlay.yaml : this.files.base;
  }

  at(path: readonly PropertyKey[], pointAt: 'key' | 'value' = 'value') {
    return locationOf(this.yamlOf(path), path, pointAt);
  }

  /** A problem line (`jobs.x.cluster: …`) with the place of its path in the file that wrote it. */
  text(text: string): ConfigProblem {
    const colon = text.indexOf(': ');
    const path = colon > 0 ? text.slice(0, colon).split('.') : [];
    return locateProblemText(this.yamlOf(path), text);
  }
}
