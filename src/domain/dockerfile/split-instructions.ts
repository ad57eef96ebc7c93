import type { DockerfileFrontend } from './frontend.ts';
import { heredocNames } from './heredocs.ts';

/** One Dockerfile instruction with its continuation lines joined, as BuildKit's parser sees it. */
export interface RawInstruction {
  /** Upper-cased keyword, e.g. `FROM`. */
  keyword: string;
  /** `--flag` words before the arguments, quotes and escapes removed (parser extractBuilderFlags). */
  flags: string[];
  /** Everything after the keyword and flags, continuation lines joined, heredoc bodies left out. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
  /** 1-based last line of the instruction (continuations and heredoc bodies included). */
  endLine: number;
  /** The whole instruction line with continuations joined, as parser.Node.Original holds it. */
  text: string;
  /** Heredoc bodies (v0.34), each as its lines with their line ends, and the terminator name. */
  heredocs?: { name: string; content: string }[];
}

export interface SplitResult {
  escape: string;
  instructions: RawInstruction[];
  /** Why BuildKit's parser refuses the text, with the line it names; absent when it accepts it. */
  error?: { message: string; line: number };
}

// bufio.Scanner's default limit: a longer line is an error (parser.handleScannerError).
const maxLineBytes = 64 * 1024 - 1;

/**
 * Splits Dockerfile text into instructions exactly as `parser.Parse` of the chosen frontend does
 * (moby/buildkit frontend/dockerfile/parser/parser.go, v0.8.3 and v0.34.2): parser directives
 * while they last, comments dropped, escape-char line continuations joined, empty and comment
 * lines inside a continuation skipped, and (v0.34) heredoc bodies consumed.
 */
export function splitInstructions(text: string, frontend: DockerfileFrontend = 'buildkit-0.34'): SplitResult {
  const modern = frontend !== 'buildkit-0.8';
  const lines = scanLines(text, modern);
  const directives = new DirectiveState(modern);
  const result: SplitResult = { escape: '\\', instructions: [] };
  const fail = (message: string, line: number): SplitResult => {
    result.escape = directives.escape;
    result.error = { message, line };
    return result;
  };

  let index = 0;
  while (index < lines.length) {
    const raw = lines[index] ?? '';
    if (utf8Length(raw) > maxLineBytes) return fail(`dockerfile line greater than max allowed size of ${maxLineBytes}`, index);
    let first = modern ? trimNewline(raw) : raw;
    first = trimLeftSpace(first);
    const directiveError = directives.see(first);
    if (directiveError) return fail(directiveError, index);
    if (isComment(first)) first = '';
    index++;
    const startLine = index;
    let [line, ended] = trimContinuation(first, directives.escape);
    if (ended && line === '') continue;
    while (!ended && index < lines.length) {
      const next = lines[index] ?? '';
      if (utf8Length(next) > maxLineBytes) return fail(`dockerfile line greater than max allowed size of ${maxLineBytes}`, index);
      let body = modern ? trimNewline(next) : next;
      const error = directives.see(body);
      if (error) return fail(error, index);
      // v0.34 trimComments drops an indented comment too; v0.8 only one in column 1. Both skip it below.
      if (modern ? isComment(body) : body.charCodeAt(0) === hash) body = '';
      index++;
      if (isComment(next)) continue;
      if (trimLeftSpace(modern ? body : body).length === 0) continue;
      let piece: string;
      [piece, ended] = trimContinuation(body, directives.escape);
      line += piece;
    }

    const split = splitCommand(line, directives.escape, modern);
    const keyword = split.command.toUpperCase();
    const instruction: RawInstruction = { keyword, flags: split.flags, args: split.args, line: startLine, endLine: index, text: line };
    if (modern && line.includes('<<') && canContainHeredoc(keyword, split.args, directives.escape)) {
      const names = heredocNames(line);
      if (!names.ok) return fail(names.error, startLine);
      const bodies: { name: string; content: string }[] = [];
      for (const { name, chomp } of names.heredocs) {
        let terminated = false;
        let content = '';
        while (index < lines.length) {
          const candidate = trimNewline(lines[index] ?? '');
          index++;
          if ((chomp ? candidate.replace(/^\t+/, '') : candidate) === name) {
            terminated = true;
            break;
          }
          content += `${lines[index - 1] ?? ''}\n`;
        }
        if (!terminated) return fail('unterminated heredoc', startLine);
        bodies.push({ name, content });
      }
      instruction.heredocs = bodies;
      instruction.endLine = index;
    }
    result.instructions.push(instruction);
  }
  result.escape = directives.escape;
  if (result.instructions.length === 0) result.error = { message: 'file with no instructions', line: index };
  return result;
}

/**
 * The lines bufio.Scanner yields: split at `\n`; v0.8's ScanLines also drops one `\r` before it,
 * v0.34's own scanLines keeps line ends for trimNewline to strip. A BOM on line 1 is dropped.
 */
function scanLines(text: string, modern: boolean): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body === '') return [];
  const lines = body.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (!modern) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
  }
  return lines;
}

const hash = 35;

/** bytes.TrimRight(line, "\r\n"). */
function trimNewline(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 13 || line.charCodeAt(end - 1) === 10)) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** Go's unicode.IsSpace. */
export function isGoSpace(code: number): boolean {
  if (code <= 0xff) return code === 32 || (code >= 9 && code <= 13) || code === 0x85 || code === 0xa0;
  return (
    code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000
  );
}

/** bytes.TrimLeftFunc(line, unicode.IsSpace). */
function trimLeftSpace(line: string): string {
  let start = 0;
  while (start < line.length && isGoSpace(line.charCodeAt(start))) start++;
  return start === 0 ? line : line.slice(start);
}

function isComment(line: string): boolean {
  return trimLeftSpace(line).charCodeAt(0) === hash;
}

/**
 * parser.trimContinuationCharacter: `([^E])E[ \t]*$|^E[ \t]*$` with E the escape character.
 * Only spaces and tabs may follow it, and two escapes in a row at the end do not continue.
 */
function trimContinuation(line: string, escape: string): [string, boolean] {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  if (end === 0 || line[end - 1] !== escape) return [line, true];
  if (end >= 2 && line[end - 2] === escape) return [line, true];
  return [line.slice(0, end - 1), false];
}

function utf8Length(line: string): number {
  // Only long lines can be too long; counting every line's bytes would cost more than it finds.
  return line.length * 3 <= maxLineBytes ? 0 : Buffer.byteLength(line, 'utf8');
}

/** Parser directives: which lines count, when they stop, which are refused. */
class DirectiveState {
  escape = '\\';
  private done = false;
  private readonly seen = new Set<string>();

  private readonly modern: boolean;

  constructor(modern: boolean) {
    this.modern = modern;
  }

  /** Looks at one line; returns BuildKit's error when the directive is refused. */
  see(line: string): string | undefined {
    if (this.done) return undefined;
    const directive = this.modern ? directiveModern(line) : directiveV08(line);
    if (!directive) {
      this.done = true;
      return undefined;
    }
    const key = directive.name.toLowerCase();
    if (!validDirectives(this.modern).has(key)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(key)) return `only one ${key} parser directive can be used`;
    this.seen.add(key);
    if (key === 'escape') {
      if (directive.value !== '`' && directive.value !== '\\') {
        return `invalid escape token '${directive.value}' does not match \` or \\`;
      }
      this.escape = directive.value;
    }
    return undefined;
  }
}

const directivesV08 = new Set(['escape', 'syntax']);
const directivesModern = new Set(['escape', 'syntax', 'check']);

function validDirectives(modern: boolean): Set<string> {
  return modern ? directivesModern : directivesV08;
}

// Go's RE2 `\s` is [\t\n\f\r ]; `.` is any character but `\n`.
const directiveV08Pattern = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
const directiveModernPattern = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;

/** parser.go possibleParserDirective (v0.8.3). */
export function directiveV08(line: string): { name: string; value: string } | undefined {
  if (line.charCodeAt(0) !== hash) return undefined;
  const match = directiveV08Pattern.exec(line);
  return match ? { name: match[1] ?? '', value: match[2] ?? '' } : undefined;
}

/** parser/directives.go DirectiveParser.ParseLine (v0.34.2): `#`, then any Unicode space. */
export function directiveModern(line: string, comment = '#'): { name: string; value: string } | undefined {
  if (!line.startsWith(comment)) return undefined;
  const match = directiveModernPattern.exec(trimLeftSpace(line.slice(comment.length)));
  return match ? { name: match[1] ?? '', value: match[2] ?? '' } : undefined;
}

interface SplitCommand {
  command: string;
  flags: string[];
  args: string;
}

// reWhitespace in parser.go: `[\t\v\f\r ]+`.
function isParserWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 11 || code === 12 || code === 13;
}

/** parser/split_command.go splitCommand: keyword, builder flags, the rest. */
export function splitCommand(line: string, escape: string, modern: boolean): SplitCommand {
  const trimmed = trimSpace(line);
  let end = 0;
  while (end < trimmed.length && !isParserWhitespace(trimmed.charCodeAt(end))) end++;
  const command = trimmed.slice(0, end);
  if (end === trimmed.length) return { command, flags: [], args: '' };
  let restStart = end;
  while (restStart < trimmed.length && isParserWhitespace(trimmed.charCodeAt(restStart))) restStart++;
  const { args, flags } = extractBuilderFlags(trimmed.slice(restStart), modern ? escape : '\\');
  return { command, flags, args: trimSpace(args) };
}

/** strings.TrimSpace. */
export function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isGoSpace(text.charCodeAt(start))) start++;
  while (end > start && isGoSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * parser/split_command.go extractBuilderFlags. It walks bytes, not characters, so a byte 0x85 or
 * 0xA0 inside a multi-byte character counts as white space there; such text is handled byte-wise.
 */
function extractBuilderFlags(line: string, escape: string): { args: string; flags: string[] } {
  // Fast path: no flags at all.
  if (!line.startsWith('--')) return { args: line, flags: [] };
  const bytes = Buffer.from(line, 'utf8');
  const esc = escape.charCodeAt(0);
  const words: string[] = [];
  let phase: 0 | 1 | 2 = 0;
  let word: number[] = [];
  let quote = 0;
  let blankOK = false;
  const rest = (pos: number) => bytes.subarray(pos).toString('utf8');
  // Go appends rune(line[pos]) for every byte: a byte of a multi-byte character becomes U+0080…U+00FF.
  const text = () => String.fromCharCode(...word);
  for (let pos = 0; pos <= bytes.length; pos++) {
    const ch = pos < bytes.length ? (bytes[pos] ?? 0) : -1;
    if (phase === 0) {
      if (pos === bytes.length) break;
      if (isGoSpace(ch)) continue;
      if (ch !== 45 || pos + 1 === bytes.length || bytes[pos + 1] !== 45) return { args: rest(pos), flags: words };
      phase = 1;
    }
    if (pos === bytes.length) {
      const value = text();
      if (value !== '--' && (blankOK || value.length > 0)) words.push(value);
      break;
    }
    if (phase === 1) {
      if (isGoSpace(ch)) {
        const value = text();
        phase = 0;
        if (value === '--') return { args: rest(pos), flags: words };
        if (blankOK || value.length > 0) words.push(value);
        word = [];
        blankOK = false;
        continue;
      }
      if (ch === 39 || ch === 34) {
        quote = ch;
        blankOK = true;
        phase = 2;
        continue;
      }
      let c = ch;
      if (c === esc) {
        if (pos + 1 === bytes.length) continue;
        pos++;
        c = bytes[pos] ?? 0;
      }
      word.push(c);
      continue;
    }
    if (ch === quote) {
      phase = 1;
      continue;
    }
    let c = ch;
    if (c === esc) {
      if (pos + 1 === bytes.length) {
        phase = 1;
        continue;
      }
      pos++;
      c = bytes[pos] ?? 0;
    }
    word.push(c);
  }
  return { args: '', flags: words };
}

/** parser.go Node.canContainHeredoc: RUN, COPY, ADD (also behind ONBUILD), not in JSON form. */
function canContainHeredoc(keyword: string, args: string, escape: string): boolean {
  let command = keyword;
  let rest = args;
  if (command === 'ONBUILD') {
    const inner = splitCommand(args, escape, true);
    command = inner.command.toUpperCase();
    rest = inner.args;
  }
  if (command !== 'RUN' && command !== 'COPY' && command !== 'ADD') return false;
  return !isJsonArray(rest);
}

/** parser/line_parsers.go parseJSON: a JSON array of strings makes the instruction exec form. */
function isJsonArray(rest: string): boolean {
  const text = trimLeftSpace(rest);
  if (!text.startsWith('[')) return false;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string');
  } catch {
    return false;
  }
}
