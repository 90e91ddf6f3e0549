/** The CLI run in-process, as a user runs it, with what it printed captured. */
import { main } from '../../cli/main.ts';

export interface CliResult {
  code: number;
  out: string[];
  err: string[];
}

export async function runCli(...argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

/** The same, with stdout and stderr each as one text. */
export async function runCliText(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, out, err } = await runCli(...argv);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
