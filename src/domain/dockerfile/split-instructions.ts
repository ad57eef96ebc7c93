import type { DockerfileFrontend } from './frontend.ts';
import { heredocNames } from './heredocs.ts';

/** One Dockerfile instruction with its continuation lines joined, as BuildKit's parser sees it. */
export interface RawInstruction {
  /** Upper-cased keyword, e.g. `FROM`. */
  keyword: string;
  /** `--flag` words before the arguments, quotes and escapes removed (parser extractBuilderFlags). */
  flags: readonly string[];
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
 *
 * The text is walked line by line by offsets (bufio.Scanner's lines: split at `\n`; v0.8's
 * ScanLines also drops one `\r` before it, v0.34's own scanLines keeps line ends for trimNewline to
 * strip; a BOM on line 1 is dropped): only the pieces an instruction is made of are cut out.
 */
export function splitInstructions(text: string, frontend: DockerfileFrontend = 'buildkit-0.34'): SplitResult {
  const modern = frontend !== 'buildkit-0.8';
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const size = body.length;
  const directives = new DirectiveState(modern);
  const result: SplitResult = { escape: '\\', instructions: [] };
  const fail = (message: string, line: number): SplitResult => {
    result.escape = directives.escape;
    result.error = { message, line };
    return result;
  };
  const tooLong = `dockerfile line greater than max allowed size of ${maxLineBytes}`;

  // `pos` is where the next line starts; `index` counts the lines read so far.
  let pos = 0;
  let index = 0;
  while (pos < size) {
    const start = pos;
    const newline = lineEnd(body, pos);
    pos = newline + 1;
    const rawEnd = modern ? newline : dropCarriageReturn(body, start, newline);
    if (isTooLong(body, start, rawEnd)) return fail(tooLong, index);
    let end = modern ? trimNewlineEnd(body, start, rawEnd) : rawEnd;
    const first = skipSpace(body, start, end);
    if (!directives.done) {
      const directiveError = directives.see(body.slice(first, end));
      if (directiveError) return fail(directiveError, index);
    }
    if (first < end && body.charCodeAt(first) === hash) end = first;
    index++;
    const startLine = index;
    let escape = directives.escape.charCodeAt(0);
    let cut = continuationCut(body, first, end, escape);
    if (cut === -1 && first === end) continue;
    let line = body.slice(first, cut === -1 ? end : cut);
    while (cut !== -1 && pos < size) {
      const next = pos;
      const nextNewline = lineEnd(body, pos);
      pos = nextNewline + 1;
      const nextRawEnd = modern ? nextNewline : dropCarriageReturn(body, next, nextNewline);
      if (isTooLong(body, next, nextRawEnd)) return fail(tooLong, index);
      const nextEnd = modern ? trimNewlineEnd(body, next, nextRawEnd) : nextRawEnd;
      if (!directives.done) {
        const error = directives.see(body.slice(next, nextEnd));
        if (error) return fail(error, index);
      }
      index++;
      // Comment lines (v0.34 trimComments drops an indented one too; v0.8 only one in column 1,
      // but both skip it) and blank lines inside a continuation are skipped.
      const nextFirst = skipSpace(body, next, nextRawEnd);
      if (nextFirst < nextRawEnd && body.charCodeAt(nextFirst) === hash) continue;
      if (nextFirst >= nextEnd) continue;
      escape = directives.escape.charCodeAt(0);
      cut = continuationCut(body, next, nextEnd, escape);
      line += body.slice(next, cut === -1 ? nextEnd : cut);
    }

    const split = splitCommand(line, directives.escape, modern);
    const keyword = upperCase(split.command);
    const instruction: RawInstruction = { keyword, flags: split.flags, args: split.args, line: startLine, endLine: index, text: line };
    if (modern && mayOpenHeredoc(keyword) && line.includes('<<') && canContainHeredoc(keyword, split.args, directives.escape)) {
      const names = heredocNames(line);
      if (!names.ok) return fail(names.error, startLine);
      const bodies: { name: string; content: string }[] = [];
      for (const { name, chomp } of names.heredocs) {
        let terminated = false;
        // Every body line before the terminator ends in `\n`: the body is one stretch of the text.
        const contentStart = pos;
        let contentEnd = pos;
        while (pos < size) {
          const candidate = pos;
          const candidateNewline = lineEnd(body, pos);
          pos = candidateNewline + 1;
          index++;
          const candidateEnd = trimNewlineEnd(body, candidate, candidateNewline);
          let nameStart = candidate;
          if (chomp) while (nameStart < candidateEnd && body.charCodeAt(nameStart) === 9) nameStart++;
          if (candidateEnd - nameStart === name.length && body.startsWith(name, nameStart)) {
            terminated = true;
            contentEnd = candidate;
            break;
          }
        }
        if (!terminated) return fail('unterminated heredoc', startLine);
        bodies.push({ name, content: body.slice(contentStart, contentEnd) });
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

/** The keyword upper-cased; most are written in upper case already. */
function upperCase(command: string): string {
  for (let i = 0; i < command.length; i++) {
    const code = command.charCodeAt(i);
    if (code < 65 || code > 90) return command.toUpperCase();
  }
  return command;
}

/** The keywords canContainHeredoc can accept (ONBUILD for the trigger it holds). */
function mayOpenHeredoc(keyword: string): boolean {
  return keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD' || keyword === 'ONBUILD';
}

/** Where the line starting at `start` ends: its `\n`, or the end of the text. */
function lineEnd(text: string, start: number): number {
  const newline = text.indexOf('\n', start);
  return newline === -1 ? text.length : newline;
}

/** bufio.ScanLines (v0.8): one `\r` before the line end is not part of the line. */
function dropCarriageReturn(text: string, start: number, end: number): number {
  return end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

const hash = 35;

/** bytes.TrimRight(line, "\r\n"), as the end of the line `start`..`end`. */
function trimNewlineEnd(text: string, start: number, end: number): number {
  while (end > start && (text.charCodeAt(end - 1) === 13 || text.charCodeAt(end - 1) === 10)) end--;
  return end;
}

/** Where bytes.TrimLeftFunc(line, unicode.IsSpace) makes the line `start`..`end` start. */
function skipSpace(text: string, start: number, end: number): number {
  while (start < end && isGoSpace(text.charCodeAt(start))) start++;
  return start;
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

/**
 * parser.trimContinuationCharacter on the line `start`..`end`: `([^E])E[ \t]*$|^E[ \t]*$` with E
 * the escape character. Only spaces and tabs may follow it, and two escapes in a row at the end do
 * not continue. Returns where the line is cut (at the escape) when it continues, else -1.
 */
function continuationCut(text: string, start: number, end: number, escape: number): number {
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  if (end === start || text.charCodeAt(end - 1) !== escape) return -1;
  if (end - start >= 2 && text.charCodeAt(end - 2) === escape) return -1;
  return end - 1;
}

/** Whether the line `start`..`end` is longer than bufio.Scanner allows, in UTF-8 bytes. */
function isTooLong(text: string, start: number, end: number): boolean {
  // Only long lines can be too long; counting every line's bytes would cost more than it finds.
  return (end - start) * 3 > maxLineBytes && Buffer.byteLength(text.slice(start, end), 'utf8') > maxLineBytes;
}

/** Parser directives: which lines count, when they stop, which are refused. */
class DirectiveState {
  escape = '\\';
  /** Set once a line is not a directive: no later line can be one. */
  done = false;
  private seen: Set<string> | undefined;

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
    this.seen ??= new Set();
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
  flags: readonly string[];
  args: string;
}

// Most instructions have no flags: they share one empty list.
const noFlags: readonly string[] = Object.freeze([]);

// reWhitespace in parser.go: `[\t\v\f\r ]+`.
function isParserWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 11 || code === 12 || code === 13;
}

/** parser/split_command.go splitCommand: keyword, builder flags, the rest. */
export function splitCommand(line: string, escape: string, modern: boolean): SplitCommand {
  // The line is trimmed of white space (strings.TrimSpace) by offsets: `start`..`end`.
  let start = 0;
  let end = line.length;
  while (start < end && isGoSpace(line.charCodeAt(start))) start++;
  while (end > start && isGoSpace(line.charCodeAt(end - 1))) end--;
  let commandEnd = start;
  while (commandEnd < end && !isParserWhitespace(line.charCodeAt(commandEnd))) commandEnd++;
  const command = line.slice(start, commandEnd);
  if (commandEnd === end) return { command, flags: noFlags, args: '' };
  let restStart = commandEnd;
  while (restStart < end && isParserWhitespace(line.charCodeAt(restStart))) restStart++;
  if (!line.startsWith('--', restStart)) {
    // No flags: the arguments are the rest, trimmed (its end is trimmed already).
    let argsStart = restStart;
    while (argsStart < end && isGoSpace(line.charCodeAt(argsStart))) argsStart++;
    return { command, flags: noFlags, args: line.slice(argsStart, end) };
  }
  const { args, flags } = extractBuilderFlags(line.slice(restStart, end), modern ? escape : '\\');
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
  const ascii = extractAsciiFlags(line, escape.charCodeAt(0));
  if (ascii) return ascii;
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

/**
 * extractBuilderFlags while the characters it walks are their bytes (ASCII): the same walk, with
 * each word cut out of the text in runs between the quotes and escapes it drops. Undefined when it
 * meets any other character, or when the rest it would return does not survive UTF-8 (a lone
 * surrogate): the byte-wise walk decides then.
 */
function extractAsciiFlags(line: string, esc: number): { args: string; flags: string[] } | undefined {
  const words: string[] = [];
  const length = line.length;
  let phase: 0 | 1 | 2 = 0;
  let word = '';
  // Start of the run of characters not yet added to `word`, or -1.
  let run = -1;
  let quote = 0;
  let blankOK = false;
  const restFrom = (pos: number) => {
    const args = line.slice(pos);
    return args.isWellFormed() ? { args, flags: words } : undefined;
  };
  for (let pos = 0; pos <= length; pos++) {
    const ch = pos < length ? line.charCodeAt(pos) : -1;
    if (ch >= 0x80) return undefined;
    if (phase === 0) {
      if (pos === length) break;
      if (isGoSpace(ch)) continue;
      if (ch !== 45 || pos + 1 === length || line.charCodeAt(pos + 1) !== 45) return restFrom(pos);
      phase = 1;
    }
    if (pos === length) {
      if (run !== -1) word += line.slice(run, pos);
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === 1) {
      if (isGoSpace(ch)) {
        if (run !== -1) word += line.slice(run, pos);
        run = -1;
        phase = 0;
        if (word === '--') return restFrom(pos);
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === 39 || ch === 34) {
        if (run !== -1) word += line.slice(run, pos);
        run = -1;
        quote = ch;
        blankOK = true;
        phase = 2;
        continue;
      }
      if (ch === esc) {
        if (run !== -1) word += line.slice(run, pos);
        run = -1;
        if (pos + 1 === length) continue;
        pos++;
        if (line.charCodeAt(pos) >= 0x80) return undefined;
        run = pos;
        continue;
      }
      if (run === -1) run = pos;
      continue;
    }
    if (ch === quote) {
      if (run !== -1) word += line.slice(run, pos);
      run = -1;
      phase = 1;
      continue;
    }
    if (ch === esc) {
      if (run !== -1) word += line.slice(run, pos);
      run = -1;
      if (pos + 1 === length) {
        phase = 1;
        continue;
      }
      pos++;
      if (line.charCodeAt(pos) >= 0x80) return undefined;
      run = pos;
      continue;
    }
    if (run === -1) run = pos;
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
