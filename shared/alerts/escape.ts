/**
 * Text from outside ecs-autopilot — a stop reason ECS or a container wrote, who requested a deployment,
 * why someone aborted it, an AWS error message — made inert for where a person reads it: one function per
 * channel. Each is applied where such text enters a message, never to ecs-autopilot's own formatting (its
 * bold labels, bullets and code spans stay what they are).
 */

/** C0 controls but the newline, DEL, and the C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this module is for
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
/** Line breaks and tabs, which a terminal line must not hold: each becomes one space. */
const BREAKS = /[\t\n\v\f\r]+/g;
/**
 * Characters that reorder or hide text: bidi marks, embeddings, overrides and isolates (U+202E shows
 * "exe.txt" as "txt.exe"), zero-width characters and the byte order mark.
 */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
/**
 * Terminal escape sequences, whole: CSI (ESC [ or 0x9B, parameters, final byte: colours, cursor moves,
 * `ESC[2J` clears the screen), the string commands OSC, DCS, SOS, PM and APC (ESC ] or 0x9D … up to BEL
 * or ST: window titles, hyperlinks, clipboard writes), and the other two-character ESC sequences.
 */
const TERMINAL_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding escape sequences is what this module is for
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -/]*[0-~]/g;

/** Markdown's syntax, and `<` `>` for Slack's own: `<https://evil|click>`, `<!channel>`. */
const MARKDOWN_SYNTAX = /[\\`*_~[\]()#|<>]/g;
/** `@channel`, `@here`, `@everyone`, `@someone`: a zero-width space after the `@` keeps it from notifying. */
const MENTION = /@(?=\w)/g;
/** A URL's scheme (`https://`, `ftp://`) or `www.`: chat clients turn it into a link, so it is broken with a zero-width space. */
const AUTOLINK = /\b([a-z][a-z0-9+.-]*:)(?=\/\/)|\b(www)(?=\.)/gi;
const ZERO_WIDTH_SPACE = '\u200b';

/** For the terminal (`status`): one line of plain characters — no escape sequence, control character or bidi override survives. */
export function forTerminal(text: string): string {
  return text.replace(TERMINAL_SEQUENCES, '').replace(BREAKS, ' ').replace(CONTROLS_BUT_NEWLINE, '').replace(INVISIBLE, '');
}

/** For the email (plain text): its line breaks kept (CRLF as LF), every other control character and bidi override removed. */
export function forEmail(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\t/g, ' ').replace(CONTROLS_BUT_NEWLINE, '').replace(INVISIBLE, '');
}

/**
 * For AWS Chatbot's client-markdown (Slack, Teams): shown as written — markdown syntax escaped (no link,
 * emphasis, heading, quote, table or code span comes from it), mentions and autolinks broken, and what
 * forEmail removes removed.
 */
export function forChatbot(text: string): string {
  return forEmail(text)
    .replace(MARKDOWN_SYNTAX, (character) => `\\${character}`)
    .replace(MENTION, `@${ZERO_WIDTH_SPACE}`)
    .replace(AUTOLINK, (_match, scheme: string | undefined, www: string | undefined) => `${scheme ?? www}${ZERO_WIDTH_SPACE}`);
}

/** For a Chatbot code span (`` `name` ``): markdown is not read inside one, but a backtick would end it. */
export function forChatbotCode(text: string): string {
  return forEmail(text).replace(/`/g, "'").replace(/\n/g, ' ');
}
