/**
 * Cutting text to a limit it must fit, saying so: the cut text ends with TRUNCATED. Cuts fall between
 * characters, never inside one (a UTF-8 sequence, a surrogate pair), so what remains is still valid text.
 */

export const TRUNCATED = '…(truncated)';
const TRUNCATED_BYTES = Buffer.byteLength(TRUNCATED);

/** `text` in at most `maxBytes` bytes of UTF-8. */
export function cutToBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes - TRUNCATED_BYTES);
  // Back to the first byte of a character: continuation bytes are 10xxxxxx.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}${TRUNCATED}`;
}

/** `text` in at most `maxCharacters` characters (Unicode code points). */
export function cutToCharacters(text: string, maxCharacters: number): string {
  if (text.length <= maxCharacters) return text;
  const characters = Array.from(text);
  if (characters.length <= maxCharacters) return text;
  return `${characters.slice(0, Math.max(0, maxCharacters - Array.from(TRUNCATED).length)).join('')}${TRUNCATED}`;
}
