import { describe, expect, it } from 'vitest';
import { forChatbot, forChatbotCode, forEmail, forTerminal } from '../../shared/alerts/escape.ts';

const ESC = '\u001b';
const ZWSP = '\u200b';

describe('forChatbot: outside text shown as written in Slack or Teams', () => {
  it('escapes a markdown link, so it shows as text and links nowhere', () => {
    expect(forChatbot('[click](https://evil.example/x)')).toBe(`\\[click\\]\\(https:${ZWSP}//evil.example/x\\)`);
  });

  it('escapes every markdown and Slack syntax character', () => {
    expect(forChatbot('\\ ` * _ ~ [ ] ( ) # | < >')).toBe('\\\\ \\` \\* \\_ \\~ \\[ \\] \\( \\) \\# \\| \\< \\>');
  });

  it("breaks Slack's own link and mention syntax", () => {
    expect(forChatbot('<https://evil.example|click> <!channel>')).toBe(`\\<https:${ZWSP}//evil.example\\|click\\> \\<!channel\\>`);
  });

  it('keeps @channel, @here and @everyone from notifying anyone', () => {
    expect(forChatbot('ping @channel @here @everyone')).toBe(`ping @${ZWSP}channel @${ZWSP}here @${ZWSP}everyone`);
  });

  it('breaks autolinks: a scheme, or www.', () => {
    expect(forChatbot('see http://a.example or www.b.example')).toBe(`see http:${ZWSP}//a.example or www${ZWSP}.b.example`);
  });

  it('removes control characters, terminal escapes and bidi overrides, and keeps line breaks', () => {
    expect(forChatbot(`a${ESC}[2Jb\u0007c\r\nd\u202Eevil\u202C`)).toBe('a\\[2Jbc\ndevil');
  });

  it('leaves plain prose alone', () => {
    const prose = 'Essential container in task exited: exit code 137, OutOfMemoryError: Container killed due to memory usage.';

    expect(forChatbot(prose)).toBe(prose);
  });
});

describe('forChatbotCode: a name inside a code span', () => {
  it('cannot end the code span', () => {
    expect(forChatbotCode('app`</code>[x](y)')).toBe("app'</code>[x](y)");
  });
});

describe('forEmail: plain text', () => {
  it('removes every control character but the line break, and bidi overrides', () => {
    expect(forEmail(`line 1\r\nline 2\u0007\u0000${ESC}[31mred${ESC}[0m\u202Etxt.exe\u0085\u009b`)).toBe('line 1\nline 2[31mred[0mtxt.exe');
  });

  it('turns a lone carriage return, which would overwrite the line, into nothing, and a tab into a space', () => {
    expect(forEmail('safe\roverwritten\there')).toBe('safeoverwritten here');
  });

  it('leaves markdown as it is: email shows it as written', () => {
    expect(forEmail('[click](https://evil.example) *bold*')).toBe('[click](https://evil.example) *bold*');
  });
});

describe('forTerminal: one line of plain characters', () => {
  it.each([
    ['clears the screen', `before${ESC}[2Jafter`, 'beforeafter'],
    ['colours', `${ESC}[1;31mred${ESC}[0m`, 'red'],
    ['sets the window title (OSC, BEL-terminated)', `${ESC}]0;pwned\u0007text`, 'text'],
    ['writes a hyperlink (OSC 8, ST-terminated)', `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`, 'click'],
    ['uses the 8-bit CSI', '\u009b2Jtext', 'text'],
    ['rings the bell', 'a\u0007b', 'ab'],
    ['returns the carriage to overwrite the line', 'shown\rhidden', 'shown hidden'],
    ['breaks the line to forge another field', 'reason\n  outcome  succeeded', 'reason   outcome  succeeded'],
    ['reverses the text with a bidi override', 'abc\u202Efed\u202C', 'abcfed'],
    ['resets the terminal (ESC c)', `${ESC}cx`, 'x'],
  ])('removes what %s', (_what, hostile, shown) => {
    expect(forTerminal(hostile)).toBe(shown);
  });

  it('leaves plain text and non-Latin letters alone', () => {
    expect(forTerminal('rolled back by ana: 5xx über 1 % — 完了')).toBe('rolled back by ana: 5xx über 1 % — 完了');
  });
});
