/** Reading automation.yml: YAML syntax first, then the schema; every problem on its own line with its path. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
import type { Automation } from './schema.ts';
import { DEFAULT_CONFIG_FILE, validateAutomation } from './validate.ts';

export { DEFAULT_CONFIG_FILE, describeIssues, validateAutomation } from './validate.ts';

export function loadAutomationFile(file: string = DEFAULT_CONFIG_FILE): Automation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${file}: ${(error as Error).message}`], file);
  }
  return parseAutomationText(text, file);
}

export function parseAutomationText(text: string, source = DEFAULT_CONFIG_FILE): Automation {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((e) => `line ${(e.linePos?.[0]?.line ?? 0).toString()}: ${e.message.split('\n')[0]}`),
      source,
    );
  }
  return validateAutomation(document.toJS() ?? {}, source);
}
