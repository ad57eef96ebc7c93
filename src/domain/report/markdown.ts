import { redact } from '../../logging/secrets.ts';

// Everything a repository or a build supplies (file content and names, labels, log lines, tool and
// engine messages, scan results) reaches GitHub-flavoured Markdown only through these functions, so that
// it shows as the text it is and never as links, images, HTML, headings or @mentions. They are also
// where such text is redacted: every value passes here on its way out of the process.
//
// References: CommonMark 0.31.2 (https://spec.commonmark.org/0.31.2/) §2.4 backslash escapes, §4.5
// fenced code blocks, §6.1 code spans; GFM (https://github.github.com/gfm/) §4.10 tables, §6.9 autolinks
// (extension); GitHub's "Basic writing and formatting syntax" (mentions, references, math `\$`).

/** Zero-width space: breaks a word the way GitHub's mention and issue-reference finders need it whole. */
const zeroWidthSpace = '\u200B';

/** A line ending as CommonMark counts one (§2.1), and the Unicode line breaks that look like one. */
const lineBreak = /\r\n|[\r\n\u0085\u2028\u2029]/g;

// ASCII punctuation that can start or end an inline construct anywhere in a line: escapes, code spans,
// emphasis, links and images, raw HTML and autolinks, entities, strikethrough, table cells, headings and
// math. Each is backslash-escapable (CommonMark §2.4), and the escape renders as the bare character.
const inlineSpecial = /[\\`*_[\]<>&~|!#$]/g;

/**
 * `text` as Markdown text that renders exactly as the text, on one line: specials escaped, line
 * starts that would open a block defused, and mentions, issue references and autolinks broken.
 */
export function escapeText(text: string): string {
  let escaped = oneLine(redact(text)).replace(inlineSpecial, (character) => `\\${character}`);
  // `- `, `+ `, `1. `, `1) `, `=`/`-` underlines open blocks only at a line start (§4.2, §4.3, §5.2).
  escaped = escaped.replace(/^(\s*)([-+=])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2');
  return neutralizeMentions(escaped).replace(/:(?=\/\/)/g, '\\:').replace(/\b(www)\./gi, '$1\\.');
}

/**
 * `text` as one code span (CommonMark §6.1): the fence is one backtick longer than the longest run
 * inside, padded with a space when the content starts or ends with a backtick or would lose its
 * surrounding spaces. Newlines become spaces. Code spans are never linked, mentioned or parsed.
 */
export function inlineCode(text: string): string {
  return codeSpan(oneLine(redact(text)));
}

/**
 * `text` in a code span inside a GFM table cell (§4.10): a pipe would end the cell even inside a code
 * span, so it is escaped, and the table parser removes that backslash again. A backslash right before a
 * pipe would turn the escape back into a cell border, so such text is shown as escaped text instead.
 */
export function tableCode(text: string): string {
  const line = oneLine(redact(text));
  if (line.includes('|') && line.includes('\\')) return escapeText(line);
  return codeSpan(line).replaceAll('|', '\\|');
}

/**
 * `text` as a fenced code block (CommonMark §4.5), on lines of its own: a backtick fence longer than any
 * backtick run inside, so no line of the text can close it. `info` must be Dockyard's own (`text`).
 */
export function fencedBlock(text: string, info = ''): string {
  const body = redact(text).replace(lineBreak, '\n');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${info}\n${body}${body === '' || body.endsWith('\n') ? '' : '\n'}${fence}`;
}

/** Longest outside message a report quotes; the whole one is in the app's log. */
export const maxOutsideMessageLength = 2_000;

/**
 * A message from an outside system (Docker engine, registry, ECR, Jenkins, a tool) as the report shows
 * it: never as Markdown, always redacted, shortened, in a fenced code block on lines of its own.
 */
export function outsideMessage(text: string, maxLength = maxOutsideMessageLength): string {
  return fencedBlock(truncate(redact(text).trim(), maxLength), 'text');
}

/**
 * `text` as HTML text for Dockyard's own tags (`<summary><b>…</b></summary>`): Markdown is not parsed
 * inside an HTML block (CommonMark §4.6), but GitHub still finds mentions in its text.
 */
export function escapeHtml(text: string): string {
  // No backslash escapes in HTML: a zero-width space breaks `https://` and `www.` there instead.
  const neutral = neutralizeMentions(oneLine(redact(text)))
    .replace(/:(?=\/\/)/g, `:${zeroWidthSpace}`)
    .replace(/\b(www)\./gi, `$1${zeroWidthSpace}.`);
  return neutral.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * A message in Dockyard's one bit of markup, backticks around quoted code (as finding messages and
 * reasons write them), rendered safely: the quoted parts as code spans, the rest as escaped text. A
 * backtick inside the quoted text only moves where code starts and ends; every part stays inert.
 */
export function markupText(message: string): string {
  const parts = oneLine(redact(message)).split('`');
  // An odd number of backticks leaves the last part unclosed: show it as text, backtick and all.
  const unclosed = parts.length % 2 === 0 ? `\`${parts.pop() ?? ''}` : undefined;
  const rendered = parts.map((part, index) => (index % 2 === 0 ? (part === '' ? '' : escapeText(part)) : inlineCode(part)));
  if (unclosed !== undefined) rendered.push(escapeText(unclosed));
  return rendered.join('');
}

/** Shortens `text` to at most `length` characters, ending in `…` when cut, never inside a surrogate pair. */
export function truncate(text: string, length: number): string {
  if (text.length <= length) return text;
  let end = length - 1;
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end--;
  return `${text.slice(0, end)}…`;
}

function codeSpan(line: string): string {
  if (line === '') return '` `';
  const fence = '`'.repeat(longestRun(line, '`') + 1);
  // §6.1 strips one space from each end when both ends have one; pad so the content survives.
  const pad = line.startsWith('`') || line.endsWith('`') || (line.startsWith(' ') && line.endsWith(' ') && line.trim() !== '');
  return pad ? `${fence} ${line} ${fence}` : `${fence}${line}${fence}`;
}

function longestRun(text: string, character: string): number {
  let longest = 0;
  let current = 0;
  for (const each of text) {
    current = each === character ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}

function oneLine(text: string): string {
  return text.replace(lineBreak, ' ');
}

// GitHub links `@user`, `@org/team`, `#123`, `GH-123` and e-mail addresses in the rendered text, after
// Markdown, so escaping cannot stop them: a zero-width space after `@`, `#` and `GH-` does. Extended
// autolinks (`https://…`, `www.…`, GFM §6.9) are found while parsing, so an escaped `:` or `.` stops them.
function neutralizeMentions(text: string): string {
  return text
    .replace(/@/g, `@${zeroWidthSpace}`)
    .replace(/#/g, `#${zeroWidthSpace}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1-${zeroWidthSpace}`);
}
