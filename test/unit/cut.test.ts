import { describe, expect, it } from 'vitest';
import { cutToBytes, cutToCharacters, TRUNCATED } from '../../shared/alerts/cut.ts';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('cutToBytes', () => {
  it('leaves text that fits as it is', () => {
    expect(cutToBytes('a'.repeat(100), 100)).toBe('a'.repeat(100));
  });

  it('cuts text over the limit to the limit, ending with "…(truncated)"', () => {
    const cut = cutToBytes('a'.repeat(101), 100);

    expect(cut).toBe(`${'a'.repeat(100 - bytes(TRUNCATED))}${TRUNCATED}`);
    expect(bytes(cut)).toBe(100);
  });

  it.each([
    ['two-byte', 'é'],
    ['three-byte', '完'],
    ['four-byte (a surrogate pair in JavaScript)', '😀'],
  ])('never cuts a %s character in two, whatever the limit', (_what, character) => {
    const text = character.repeat(1_000);
    for (let limit = 50; limit < 80; limit++) {
      const cut = cutToBytes(text, limit);

      expect(bytes(cut)).toBeLessThanOrEqual(limit);
      expect(cut.endsWith(TRUNCATED)).toBe(true);
      expect(cut.slice(0, -TRUNCATED.length)).toBe(character.repeat(Array.from(cut.slice(0, -TRUNCATED.length)).length));
      expect(cut).not.toContain('\ufffd');
    }
  });
});

describe('cutToCharacters', () => {
  it('counts characters, not UTF-16 units', () => {
    expect(cutToCharacters('😀'.repeat(10), 10)).toBe('😀'.repeat(10));
  });

  it('cuts to the limit, ending with "…(truncated)"', () => {
    const cut = cutToCharacters('😀'.repeat(100), 20);

    expect(Array.from(cut)).toHaveLength(20);
    expect(cut).toBe(`${'😀'.repeat(20 - TRUNCATED.length)}${TRUNCATED}`);
  });
});
