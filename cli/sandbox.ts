/** `sandbox` (what `npm start` runs): rehearse automation.yml on a virtual clock against a local emulator. */
import { EmulatorMissingError, EmulatorUnfitError } from '../sandbox/emulator.ts';
import { printSandboxReport, runSandbox, SandboxOptionError } from '../sandbox/run.ts';
import { EXIT, type Io, UsageError } from './output.ts';

export interface SandboxFlags {
  config: string;
  scenario?: string | undefined;
  /** `--from` as typed: sandbox reads it in the scenario's zone. */
  from?: string | undefined;
  hours?: string | undefined;
  endpoint?: string | undefined;
  json: boolean;
}

export async function sandboxCommand(flags: SandboxFlags, io: Io): Promise<number> {
  try {
    const report = await runSandbox({
      configFile: flags.config,
      scenarioFile: flags.scenario,
      endpoint: flags.endpoint,
      from: flags.from,
      hours: flags.hours === undefined ? undefined : Number(flags.hours),
      // Progress goes to stderr so `--json` keeps stdout one JSON document.
      progress: (line) => io.err(line),
    });
    printSandboxReport(report, { json: flags.json, write: (text) => io.out(text.replace(/\n$/, '')) });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof SandboxOptionError) throw new UsageError(error.message);
    if (error instanceof EmulatorMissingError || error instanceof EmulatorUnfitError) {
      io.err(error.message);
      return EXIT.failed;
    }
    throw error;
  }
}
