/**
 * The production esbuild options: read from serverless.yml's `custom.esbuild` (serverless-esbuild) when
 * that file exists, otherwise the options the deployment is specified to use. serverless-esbuild's own
 * keys (exclude, outputFileExtension, packager, …) are translated or dropped; the rest go to esbuild as is.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { BuildOptions } from 'esbuild';
import { parse } from 'yaml';

export const BANNER = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** What serverless.yml is specified to say, used when it is missing or silent on a key. */
export const DEFAULT_OPTIONS: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  outExtension: { '.js': '.mjs' },
  mainFields: ['module', 'main'],
  minify: true,
  banner: { js: BANNER },
  external: [],
};

/** Keys serverless-esbuild hands to esbuild unchanged. */
const ESBUILD_KEYS = new Set([
  'bundle',
  'minify',
  'minifyWhitespace',
  'minifyIdentifiers',
  'minifySyntax',
  'sourcemap',
  'sourcesContent',
  'target',
  'platform',
  'format',
  'mainFields',
  'conditions',
  'banner',
  'footer',
  'external',
  'define',
  'keepNames',
  'treeShaking',
  'legalComments',
  'charset',
  'loader',
  'resolveExtensions',
  'tsconfig',
  'drop',
  'dropLabels',
  'pure',
  'supported',
  'inject',
  'alias',
  'packages',
  'ignoreAnnotations',
  'logOverride',
]);

export interface ProductionOptions {
  options: BuildOptions;
  /** Where the options came from, for the report. */
  source: string;
  notes: string[];
}

export function productionEsbuildOptions(serverlessFile: string): ProductionOptions {
  if (!existsSync(serverlessFile)) {
    return { options: { ...DEFAULT_OPTIONS }, source: 'built-in defaults (no serverless.yml yet)', notes: [] };
  }
  const notes: string[] = [];
  let custom: Record<string, unknown> | undefined;
  try {
    // logLevel 'error': CloudFormation short forms (!Ref, !GetAtt) stay plain values instead of warnings.
    const document = parse(readFileSync(serverlessFile, 'utf8'), { logLevel: 'error' }) as {
      custom?: { esbuild?: Record<string, unknown> };
    } | null;
    custom = document?.custom?.esbuild;
  } catch (error) {
    notes.push(`could not parse ${serverlessFile} (${(error as Error).message.split('\n')[0]}); using built-in defaults`);
  }
  if (!custom) {
    if (notes.length === 0) notes.push('serverless.yml has no custom.esbuild; using built-in defaults');
    return { options: { ...DEFAULT_OPTIONS }, source: 'built-in defaults', notes };
  }

  const options: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  const external: string[] = [];
  for (const [key, value] of Object.entries(custom)) {
    if (containsVariable(value)) {
      notes.push(`custom.esbuild.${key} uses a serverless variable; kept the default for it`);
      continue;
    }
    if (key === 'outputFileExtension' && typeof value === 'string') {
      options.outExtension = { '.js': value };
    } else if (key === 'exclude' || key === 'external') {
      if (Array.isArray(value)) external.push(...value.map(String).filter((name) => name !== '*'));
    } else if (key === 'plugins') {
      notes.push(`custom.esbuild.plugins (${String(value)}) not applied: the bench bundles the code only`);
    } else if (key === 'banner' && typeof value === 'string') {
      options.banner = { js: value };
    } else if (ESBUILD_KEYS.has(key)) {
      options[key] = value;
    }
  }
  options.external = external;
  if (external.length > 0) notes.push(`external (not bundled, resolved from node_modules here): ${external.join(', ')}`);
  return { options: options as BuildOptions, source: `${serverlessFile} custom.esbuild`, notes };
}

function containsVariable(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${');
  if (Array.isArray(value)) return value.some(containsVariable);
  if (value && typeof value === 'object') return Object.values(value).some(containsVariable);
  return false;
}
