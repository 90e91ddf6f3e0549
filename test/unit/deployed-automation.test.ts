import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeployedAutomation } from '../../shared/config/deployed.ts';
import { loadAutomationFile } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';
import { deployedAutomationJson } from '../../shared/stack/deployed-file.ts';

function file(name: string, text: string): string {
  const path = join(tmpdir(), `${process.pid}-${name}`);
  writeFileSync(path, text);
  return path;
}

describe('the automation shipped to the functions', () => {
  it('round-trips the validated, resolved automation.yml', () => {
    const shipped = file('automation.json', deployedAutomationJson('automation.yml'));

    expect(loadDeployedAutomation(shipped)).toEqual(JSON.parse(JSON.stringify(loadAutomationFile('automation.yml'))));
  });

  it('fails the cold start with a clear message for a missing file, broken JSON or a file of another kind', () => {
    expect(() => loadDeployedAutomation('/nonexistent/automation.json')).toThrow(/cannot read \/nonexistent\/automation.json/);
    expect(() => loadDeployedAutomation(file('broken.json', '{"format":'))).toThrow(ConfigError);
    expect(() => loadDeployedAutomation(file('raw.json', JSON.stringify({ jobs: {} })))).toThrow(
      /is not an automation file written by `serverless package` \(format ecs-autopilot\/resolved-automation@1\): package and deploy again/,
    );
  });
});
