/** What `serverless package` ships to the functions: automation.yml (with the stage's overlay) validated and resolved, as JSON. */
import { basename } from 'node:path';
import { deployedAutomation } from '../config/deployed.ts';
import { readAutomationFile } from '../config/load.ts';

export function deployedAutomationJson(automationFile: string, stage?: string): string {
  const { automation, source } = readAutomationFile(automationFile, stage, basename(automationFile));
  return `${JSON.stringify(deployedAutomation(automation, source))}\n`;
}
