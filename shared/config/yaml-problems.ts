/**
 * Problems of a YAML file said where they are written, as compilers say it:
 * `automation.yml:5:15 jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"`, so an editor or a CI
 * log viewer jumps to the place and the line stays grep-able. Pure: the text is parsed once, with a
 * LineCounter, and every location is looked up in that parse.
 */
import { type Document, isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';

/** 1-based, as editors count. */
export interface FileLocation {
  file: string;
  line: number;
  column: number;
}

export interface ConfigProblem {
  /** `jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"`: the path, then what is wrong. */
  text: string;
  /** Where it is written; absent when the problem has no place in the file (it cannot be read). */
  location?: FileLocation | undefined;
  /** A syntax error's surroundings with a caret under the column, as the yaml package draws them. */
  codeFrame?: string | undefined;
}

/** `automation.yml:5:15 jobs.…: …` on one line; a syntax error's code frame below it, indented. */
export function problemLine(problem: ConfigProblem): string {
  const where = problem.location ? `${problem.location.file}:${problem.location.line}:${problem.location.column} ` : '';
  const frame = problem.codeFrame
    ? `\n${problem.codeFrame
        .split('\n')
        .map((line) => `    ${line}`.trimEnd())
        .join('\n')}`
    : '';
  return `${where}${problem.text}${frame}`;
}

/**
 * A ConfigError whose problems know where they are written (validate --json gives the locations). Its
 * name stays "ConfigError": deploy/stack.mjs prints errors of that name to serverless without a stack trace.
 */
export class YamlFileError extends ConfigError {
  readonly located: ConfigProblem[];

  constructor(located: ConfigProblem[], source: string) {
    const unique = [...new Map(located.map((problem) => [problemLine(problem), problem])).values()];
    super(unique.map(problemLine), source);
    this.located = unique;
  }
}

/** A YAML text parsed once, with what it takes to say where a path is written. */
export interface YamlText {
  /** The file as the user named it, for the locations. */
  file: string;
  document: Document;
  lineCounter: LineCounter;
}

export function parseYamlText(text: string, file: string): YamlText {
  const lineCounter = new LineCounter();
  return { file, lineCounter, document: parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter }) };
}

/**
 * The first syntax error, with its location and code frame; undefined when the text parses. Only the
 * first: the errors after it usually follow from it, and fixing it changes them.
 */
export function syntaxProblem(yaml: YamlText): ConfigProblem | undefined {
  const error = yaml.document.errors[0];
  if (!error) return undefined;
  // With prettyErrors the message is "<what> at line L, column C:\n\n<code frame>\n".
  const [headline = '', ...frame] = error.message.split('\n');
  const start = error.linePos?.[0] ?? yaml.lineCounter.linePos(error.pos[0]);
  while (frame[0]?.trim() === '') frame.shift();
  while (frame.at(-1)?.trim() === '') frame.pop();
  return {
    text: headline.replace(/ at line \d+, column \d+:$/, ''),
    location: { file: yaml.file, line: start.line, column: start.col },
    codeFrame: frame.length ? frame.join('\n') : undefined,
  };
}

/**
 * Where the value at `path` is written (a mapping or list: the key that names it), or its key with
 * `pointAt: 'key'`. A path the file does not hold all of (a missing key) points at the deepest part
 * it holds: the mapping that lacks the key.
 */
export function locationOf(yaml: YamlText, path: readonly PropertyKey[], pointAt: 'key' | 'value' = 'value'): FileLocation {
  let node: unknown = yaml.document.contents;
  let place = startOf(node) ?? 0;
  for (const [index, step] of path.entries()) {
    if (isAlias(node)) node = node.resolve(yaml.document);
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(step));
      if (!pair) break;
      const keyStart = startOf(pair.key) ?? place;
      const last = index === path.length - 1;
      // A key without a value (`timezone:`) has only its key to point at.
      if ((last && pointAt === 'key') || isEmpty(pair.value)) {
        place = keyStart;
        break;
      }
      node = pair.value;
      place = isCollection(node) ? keyStart : (startOf(node) ?? keyStart);
    } else if (isSeq(node)) {
      const item = node.items[Number(step)];
      if (item === undefined || item === null) break;
      node = item;
      place = startOf(node) ?? place;
    } else {
      break;
    }
  }
  const { line, col } = yaml.lineCounter.linePos(place);
  return { file: yaml.file, line, column: col };
}

/**
 * A problem line found outside the schema (`jobs.scale-api-0: the name is taken …`) with the place of
 * its path, the text before the first ": " (keys are split at dots; a key holding a dot points at its
 * mapping). A path the file does not start with gets no location rather than a wrong one.
 */
export function locateProblemText(yaml: YamlText, text: string): ConfigProblem {
  const colon = text.indexOf(': ');
  const pathText = colon > 0 ? text.slice(0, colon) : '';
  if (pathText === '(top level)') return { text, location: locationOf(yaml, []) };
  const path = pathText.split('.');
  const root = yaml.document.contents;
  const rooted = isMap(root) && root.items.some((item) => keyText(item.key) === path[0]);
  return rooted ? { text, location: locationOf(yaml, path) } : { text };
}

/** Nothing written: `key:` alone parses as an empty null scalar. */
function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && !!node.range && node.range[0] === node.range[1]);
}

function startOf(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node ? (node as Node).range?.[0] : undefined;
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}
