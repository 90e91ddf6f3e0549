/**
 * The value a parsed automation.yml holds, its aliases expanded. The yaml package refuses an alias
 * without an anchor before it, and too many aliases (its guard against alias bombs: a few lines of
 * aliases of aliases that expand into millions of values), with a ReferenceError that says neither
 * where nor what to do: here each becomes a located problem, so `validate` and `serverless package`
 * print it like any other.
 */
import { type Alias, isAlias, type Node, visit } from 'yaml';
import { excerptOf } from '../errors.ts';
import { type ConfigProblem, type FileLocation, YamlFileError, type YamlText } from './yaml-problems.ts';

/** The most copies the file's aliases may make (the yaml package's default, said here so the message is true). */
export const MAX_ALIAS_COUNT = 100;

/** The file's value (`{}` for an empty file); a YamlFileError when its aliases cannot be expanded. */
export function valueOfYaml(yaml: YamlText): unknown {
  try {
    return yaml.document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    throw new YamlFileError([aliasProblem(yaml, error)], yaml.file);
  }
}

/** Unresolved or too many: the yaml package's two alias errors (its message tells them apart, its nodes say where). */
function aliasProblem(yaml: YamlText, error: ReferenceError): ConfigProblem {
  const { aliases, unresolved } = aliasesOf(yaml);
  if (unresolved && error.message.startsWith('Unresolved alias')) {
    const name = aliasName(unresolved.source);
    return {
      text: `${name} names no anchor before it: an alias repeats a value marked earlier in the file (&${name.slice(1)})`,
      location: locationOfNode(yaml, unresolved),
    };
  }
  const first = aliases[0];
  return {
    text:
      `too many aliases (the first is ${first ? aliasName(first.source) : 'unknown'}): expanded they would make more than ` +
      `${MAX_ALIAS_COUNT} copies, the most automation.yml takes (a guard against alias bombs); set shared settings once in defaults`,
    location: first ? locationOfNode(yaml, first) : { file: yaml.file, line: 1, column: 1 },
  };
}

/** The aliases in the order the file writes them, and the first one without an anchor before it. */
function aliasesOf(yaml: YamlText): { aliases: Alias[]; unresolved: Alias | undefined } {
  const aliases: Alias[] = [];
  const anchors = new Set<string>();
  let unresolved: Alias | undefined;
  visit(yaml.document, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        aliases.push(node);
        if (!unresolved && !anchors.has(node.source)) unresolved = node;
      } else if (node.anchor) {
        anchors.add(node.anchor);
      }
    },
  });
  return { aliases, unresolved };
}

/** `*name`, cut and quoted when the name is long or odd (YAML allows most characters in one). */
function aliasName(source: string): string {
  return `*${/^[\w.-]{1,60}$/.test(source) ? source : excerptOf(source, 60)}`;
}

function locationOfNode(yaml: YamlText, node: Node): FileLocation {
  const { line, col } = yaml.lineCounter.linePos(node.range?.[0] ?? 0);
  return { file: yaml.file, line, column: col };
}
