/** Bundling the function entries and their baselines with the production options, and reading what went in. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';

export interface Bundle {
  /** Absolute path of the .mjs file. */
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes in the output per package ("zod", "@aws-sdk/client-ecs", …) or per project folder ("(ours) shared/jobs"). */
  packages: Map<string, number>;
  /** The AWS SDK commands in the bundle, by package: `@aws-sdk/client-ecs` → [`RunTaskCommand`, …]. */
  commands: Map<string, string[]>;
}

export async function bundle(
  entry: string,
  outName: string,
  outDir: string,
  options: BuildOptions,
  absWorkingDir: string,
): Promise<Bundle> {
  const extension = options.outExtension?.['.js'] ?? '.js';
  const result = await build({
    ...options,
    absWorkingDir,
    entryPoints: { [outName]: entry },
    outdir: outDir,
    metafile: true,
    write: true,
    logLevel: 'warning',
  });
  const metafile = result.metafile as Metafile;
  writeFileSync(join(outDir, `${outName}.meta.json`), JSON.stringify(metafile));
  const file = join(outDir, `${outName}${extension}`);
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(`${outName}${extension}`))?.[1];
  if (!output) throw new Error(`esbuild wrote no ${outName}${extension}`);
  const content = readFileSync(file);
  const packages = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    packages.set(name, (packages.get(name) ?? 0) + bytesInOutput);
  }
  return {
    file,
    bytes: content.byteLength,
    gzipBytes: gzipSync(content).byteLength,
    packages,
    commands: sdkCommands(Object.keys(output.inputs)),
  };
}

/** `node_modules/@smithy/core/dist-es/x.js` → `@smithy/core`; `shared/jobs/x.ts` → `(ours) shared/jobs`. */
export function packageOf(input: string): string {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  if (at === -1) {
    const folder = input.split('/').slice(0, -1).join('/');
    return `(ours) ${folder || '.'}`;
  }
  const parts = input.slice(at + marker.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? input);
}

/** `node_modules/@aws-sdk/client-ecs/dist-es/commands/RunTaskCommand.js` → client-ecs's RunTaskCommand (clients' and lib-dynamodb's commands). */
export function sdkCommands(inputs: readonly string[]): Map<string, string[]> {
  const commands = new Map<string, string[]>();
  for (const input of inputs) {
    const match = /node_modules\/(@aws-sdk\/(?:client|lib)-[\w-]+)\/dist-es\/commands\/(\w+Command)\.js$/.exec(input);
    if (!match?.[1] || !match[2]) continue;
    commands.set(match[1], [...(commands.get(match[1]) ?? []), match[2]].sort());
  }
  return commands;
}

/** The AWS SDK client packages in a bundle (the set the baseline must match). */
export function sdkClients(packages: Map<string, number>): string[] {
  return [...packages.keys()].filter((name) => /^@aws-sdk\/(client|lib)-/.test(name)).sort();
}

export interface PackageDelta {
  name: string;
  functionBytes: number;
  baselineBytes: number;
  extraBytes: number;
}

/** What the function's bundle carries beyond the baseline's, largest first. */
export function bundleDelta(fn: Bundle, baseline: Bundle): PackageDelta[] {
  const names = new Set([...fn.packages.keys(), ...baseline.packages.keys()]);
  return [...names]
    .map((name) => {
      const functionBytes = fn.packages.get(name) ?? 0;
      const baselineBytes = baseline.packages.get(name) ?? 0;
      return { name, functionBytes, baselineBytes, extraBytes: functionBytes - baselineBytes };
    })
    .filter((delta) => delta.extraBytes !== 0)
    .sort((a, b) => b.extraBytes - a.extraBytes);
}
