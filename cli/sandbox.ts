/** `sandbox` (what `npm start` runs): rehearse automation.yml on a virtual clock against a local emulator. */
import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EmulatorMissingError, EmulatorUnfitError } from '../sandbox/emulator.ts';
import { SandboxOptionError } from '../sandbox/options.ts';
import { renderPicture } from '../sandbox/picture.ts';
import { printSandboxReport, runSandbox } from '../sandbox/run.ts';
import { EXIT, type Io, UsageError } from './output.ts';

export interface SandboxFlags {
  config: string;
  scenario?: string | undefined;
  /** `--from` as typed: sandbox reads it in the scenario's zone. */
  from?: string | undefined;
  hours?: string | undefined;
  endpoint?: string | undefined;
  json: boolean;
  /** Also write the picture of the day (an HTML page) to this file. */
  html?: string | undefined;
}

export async function sandboxCommand(flags: SandboxFlags, io: Io): Promise<number> {
  const pictureProblem = flags.html === undefined ? undefined : unwritable(flags.html);
  if (pictureProblem) {
    io.err(pictureProblem);
    return EXIT.failed;
  }
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
    if (flags.html !== undefined) {
      try {
        writeFileSync(flags.html, renderPicture(report));
      } catch (error) {
        io.err(cannotWrite(flags.html, error as NodeJS.ErrnoException));
        return EXIT.failed;
      }
      io.err(`wrote ${flags.html}`);
    }
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

/** Why the picture cannot be written to `file`, asked before the run so that a wrong path costs no simulated day. */
function unwritable(file: string): string | undefined {
  try {
    if (!existsSync(file)) accessSync(dirname(file), constants.W_OK);
    else if (statSync(file).isDirectory()) return `cannot write the picture to ${file}: it is a folder`;
    else accessSync(file, constants.W_OK);
    return undefined;
  } catch (error) {
    return cannotWrite(file, error as NodeJS.ErrnoException);
  }
}

function cannotWrite(file: string, error: NodeJS.ErrnoException): string {
  const why =
    error.code === 'ENOENT'
      ? `the folder ${dirname(file)} does not exist`
      : error.code === 'EACCES' || error.code === 'EPERM'
        ? 'permission denied'
        : error.code === 'EISDIR'
          ? 'it is a folder'
          : error.message;
  return `cannot write the picture to ${file}: ${why}`;
}
