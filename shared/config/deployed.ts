/**
 * The automation a function was deployed with. `serverless package` validates automation.yml with the
 * schema and ships the resolved result in every zip as automation.json (deploy/esbuild-plugins.cjs).
 * A cold start reads that file and checks that it is one; it does not run the schema again, which
 * kept zod's full build and the schema out of the bundles and halved the cold start (npm run bench).
 * A missing or foreign file still fails the cold start loudly.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { byOwnName } from './own-names.ts';
import type { Automation } from './schema.ts';

export const DEPLOYED_AUTOMATION_FORMAT = 'ecs-autopilot/resolved-automation@1';

export interface DeployedAutomation {
  format: typeof DEPLOYED_AUTOMATION_FORMAT;
  /** The file it was generated from, for messages. */
  source: string;
  automation: Automation;
}

export function deployedAutomation(automation: Automation, source: string): DeployedAutomation {
  return { format: DEPLOYED_AUTOMATION_FORMAT, source, automation };
}

export function loadDeployedAutomation(file: string): Automation {
  let document: Partial<DeployedAutomation> | undefined;
  try {
    document = JSON.parse(readFileSync(file, 'utf8')) as Partial<DeployedAutomation>;
  } catch (error) {
    throw new ConfigError([`cannot read ${file}: ${(error as Error).message}`], file);
  }
  const automation = document?.automation;
  if (document?.format !== DEPLOYED_AUTOMATION_FORMAT || typeof automation?.jobs !== 'object' || automation.jobs === null) {
    throw new ConfigError(
      [
        `${file} is not an automation file written by \`serverless package\` (format ${DEPLOYED_AUTOMATION_FORMAT}): package and deploy again`,
      ],
      file,
    );
  }
  // JSON gives plain objects: the names are looked up among their own entries only (own-names.ts).
  return {
    ...automation,
    jobs: byOwnName(automation.jobs),
    watchedTasks: byOwnName(automation.watchedTasks ?? {}),
    services: byOwnName(automation.services ?? {}),
    apps: byOwnName(automation.apps ?? {}),
  };
}
