/** What `serverless package` ships to the functions: automation.yml validated and resolved, as JSON. */
import { basename } from 'node:path';
import { deployedAutomation } from '../config/deployed.ts';
import { loadAutomationFile } from '../config/load.ts';

export function deployedAutomationJson(automationFile: string): string {
  return `${JSON.stringify(deployedAutomation(loadAutomationFile(automationFile), basename(automationFile)))}\n`;
}
