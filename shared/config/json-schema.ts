/** The JSON Schema editors use to autocomplete automation.yml, generated from the one zod schema. */
import * as z from 'zod';
import { automationSchema } from './schema.ts';

export const JSON_SCHEMA_FILE = 'automation.schema.json';

export function automationJsonSchema(): string {
  const schema = z.toJSONSchema(automationSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
