/** Output helpers: plain aligned columns for people, one JSON document for machines. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export function table(rows: string[][], header: string[]): string[] {
  const all = [header, ...rows];
  // A loop, not Math.max(...cells): a plan of 100,000 hours has more rows than a call may take arguments.
  const widths = header.map(() => 0);
  for (const row of all) {
    for (let column = 0; column < widths.length; column++) widths[column] = Math.max(widths[column] ?? 0, (row[column] ?? '').length);
  }
  return all.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** Exit codes pipelines can rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}
