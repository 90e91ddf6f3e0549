/**
 * The automation a function was deployed with: `serverless package` validates automation.yml and ships
 * it as JSON (deploy/esbuild-plugins.cjs), so a cold start needs no YAML parser, yet validates it
 * again with the same schema and fails loudly if it is wrong.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import type { Automation } from './schema.ts';
import { validateAutomation } from './validate.ts';

export function loadDeployedAutomation(file: string): Automation {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`cannot read ${file}: ${(error as Error).message}`], file);
  }
  return validateAutomation(document, file);
}
