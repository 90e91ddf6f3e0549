/**
 * Durations as operators write them: `90s`, `10m`, `2h`, `1d`, or combined `1h30m`.
 * Kept as seconds inside the program so arithmetic never mixes units.
 */
const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Returns the number of seconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * UNIT_SECONDS.d +
    Number(hours ?? 0) * UNIT_SECONDS.h +
    Number(minutes ?? 0) * UNIT_SECONDS.m +
    Number(seconds ?? 0) * UNIT_SECONDS.s
  );
}

/** The shortest way to write a number of seconds back in the same notation (`5400` → `1h30m`). */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.round(totalSeconds);
  if (rest <= 0) return '0s';
  let text = '';
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}
