import type { DockerfileFrontend } from '../../domain/dockerfile/frontend.ts';
import { isGoSpace, splitCommand, type RawInstruction } from '../../domain/dockerfile/split-instructions.ts';

/** Text from a Dockerfile and the offset in the file of each of its characters. */
export interface SourceText {
  text: string;
  /** Offset in the Dockerfile of each character of `text`, ascending. */
  offsets: number[];
}

/** A character range of the Dockerfile text to replace. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** Where an instruction's words are in the file, for the instruction as the domain's parser read it. */
export interface LocatedInstruction {
  instruction: RawInstruction;
  /** The instruction's first argument (FROM's image), as written. */
  firstArgument?: SourceText;
  /** Its `--flag` words in order, quotes and escapes removed as the parser removes them. */
  flags: SourceText[];
}

/**
 * Finds where an instruction the domain's `splitInstructions` returned came from in the file:
 * BuildKit's parser (parser.go Parse) joins continuation lines, dropping the escape character, the
 * blanks after it and empty or comment lines in between, so each character of `instruction.text`
 * is one character of the file. The walk is checked against `instruction.text` and the parser's
 * flags: undefined when they differ, so nothing is rewritten from a reading that is not the
 * parser's.
 */
export function locateInstruction(
  file: string,
  lineStarts: readonly number[],
  instruction: RawInstruction,
  escape: string,
  frontend: DockerfileFrontend,
): LocatedInstruction | undefined {
  const joined = joinedText(file, lineStarts, instruction.line - 1, escape, frontend);
  if (joined?.text !== instruction.text) return undefined;
  const modern = frontend !== 'buildkit-0.8';
  const { text } = joined;

  // parser/split_command.go splitCommand: keyword, white space, builder flags, the rest.
  let start = 0;
  while (start < text.length && isGoSpace(text.charCodeAt(start))) start++;
  let restStart = start;
  while (restStart < text.length && !isParserWhitespace(text.charCodeAt(restStart))) restStart++;
  while (restStart < text.length && isParserWhitespace(text.charCodeAt(restStart))) restStart++;
  const flags = builderFlags(joined, restStart, modern ? escape : '\\');
  if (!flags || flags.words.length !== instruction.flags.length || flags.words.some((flag, i) => flag.text !== instruction.flags[i])) {
    return undefined;
  }

  const { args } = splitCommand(text, escape, modern);
  const located: LocatedInstruction = { instruction, flags: flags.words };
  // `args` is what follows the flags with white space trimmed: it ends where the text does.
  let end = text.length;
  while (end > 0 && isGoSpace(text.charCodeAt(end - 1))) end--;
  const argsStart = end - args.length;
  if (args !== '' && argsStart >= flags.end && text.slice(argsStart, end) === args) {
    // parseStringsWhitespaceDelimited: words end at `[\t\v\f\r ]`.
    let wordEnd = argsStart;
    while (wordEnd < end && !isParserWhitespace(text.charCodeAt(wordEnd))) wordEnd++;
    located.firstArgument = slice(joined, argsStart, wordEnd);
  }
  return located;
}

/** The offset in the file where each line (split at `\n`) starts; a BOM is not part of line 1. */
export function lineStartsOf(file: string): number[] {
  const starts = [file.charCodeAt(0) === 0xfeff ? 1 : 0];
  for (let i = file.indexOf('\n'); i !== -1; i = file.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Characters `from` up to `to` (exclusive) of a located text. */
export function slice(source: SourceText, from: number, to = source.text.length): SourceText {
  return { text: source.text.slice(from, to), offsets: source.offsets.slice(from, to) };
}

/**
 * The edits that make `source` read `replacement`. When it is in pieces (a line continuation, quotes
 * or escapes between its characters), the new text goes where its last piece was, the other pieces
 * are removed and what was between them stays, so no line is added or lost.
 */
export function replaceText(source: SourceText, replacement: string): TextEdit[] {
  const runs: { start: number; end: number }[] = [];
  for (const offset of source.offsets) {
    const last = runs.at(-1);
    if (last && last.end === offset) last.end++;
    else runs.push({ start: offset, end: offset + 1 });
  }
  return runs.map((run, index) => ({ ...run, text: index === runs.length - 1 ? replacement : '' }));
}

/** Applies non-overlapping edits to a text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  }
  return result;
}

/**
 * parser.go Parse from the instruction's first line: the first line without leading white space,
 * then while it ends in the escape character, the next lines that are neither empty nor comments,
 * each without its trailing escape and the blanks after it.
 */
function joinedText(file: string, lineStarts: readonly number[], first: number, escape: string, frontend: DockerfileFrontend): SourceText | undefined {
  const modern = frontend !== 'buildkit-0.8';
  const joined: SourceText = { text: '', offsets: [] };
  // The lines bufio.Scanner yields: v0.8's ScanLines drops one `\r` before `\n`; v0.34 trims all line ends.
  const lineAt = (index: number): { start: number; text: string } | undefined => {
    const start = lineStarts[index];
    if (start === undefined) return undefined;
    const next = lineStarts[index + 1];
    let text = file.slice(start, next === undefined ? file.length : next - 1);
    if (modern) text = text.replace(/[\r\n]+$/, '');
    else if (text.endsWith('\r')) text = text.slice(0, -1);
    return { start, text };
  };
  const append = (start: number, text: string) => {
    joined.text += text;
    for (let i = 0; i < text.length; i++) joined.offsets.push(start + i);
  };
  const line = lineAt(first);
  if (!line) return undefined;
  let lead = 0;
  while (lead < line.text.length && isGoSpace(line.text.charCodeAt(lead))) lead++;
  let [piece, ended] = trimContinuation(line.text.slice(lead), escape);
  append(line.start + lead, piece);
  for (let index = first + 1; !ended; index++) {
    const next = lineAt(index);
    if (!next) break;
    const trimmed = trimLeft(next.text);
    if (trimmed.startsWith('#') || trimmed === '') continue;
    [piece, ended] = trimContinuation(next.text, escape);
    append(next.start, piece);
  }
  return joined;
}

function trimLeft(text: string): string {
  let start = 0;
  while (start < text.length && isGoSpace(text.charCodeAt(start))) start++;
  return text.slice(start);
}

/** parser.trimContinuationCharacter: `([^E])E[ \t]*$|^E[ \t]*$`. */
function trimContinuation(line: string, escape: string): [string, boolean] {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  if (end === 0 || line[end - 1] !== escape) return [line, true];
  if (end >= 2 && line[end - 2] === escape) return [line, true];
  return [line.slice(0, end - 1), false];
}

// reWhitespace in parser.go: `[\t\v\f\r ]+`.
function isParserWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 11 || code === 12 || code === 13;
}

/**
 * parser/split_command.go extractBuilderFlags from `start`, keeping where each character of each
 * flag came from; `end` is where the flags stop. Works on characters where BuildKit walks bytes:
 * the caller compares the result with the parser's flags.
 */
function builderFlags(joined: SourceText, start: number, escape: string): { words: SourceText[]; end: number } | undefined {
  const text = joined.text;
  const words: SourceText[] = [];
  let word: SourceText = { text: '', offsets: [] };
  let phase: 0 | 1 | 2 = 0;
  let quote = '';
  let blankOK = false;
  const push = (i: number) => {
    word.text += text[i] ?? '';
    word.offsets.push(joined.offsets[i] ?? -1);
  };
  for (let pos = start; pos <= text.length; pos++) {
    const ch = pos < text.length ? (text[pos] ?? '') : '';
    if (phase === 0) {
      if (pos === text.length) return { words, end: pos };
      if (isGoSpace(ch.charCodeAt(0))) continue;
      if (ch !== '-' || text[pos + 1] !== '-') return { words, end: pos };
      phase = 1;
    }
    if (pos === text.length) {
      if (word.text !== '--' && (blankOK || word.text.length > 0)) words.push(word);
      return { words, end: pos };
    }
    if (phase === 1) {
      if (isGoSpace(ch.charCodeAt(0))) {
        phase = 0;
        if (word.text === '--') return { words, end: pos };
        if (blankOK || word.text.length > 0) words.push(word);
        word = { text: '', offsets: [] };
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 2;
        continue;
      }
      if (ch === escape) {
        if (pos + 1 === text.length) continue;
        pos++;
      }
      push(pos);
      continue;
    }
    if (ch === quote) {
      phase = 1;
      continue;
    }
    if (ch === escape) {
      if (pos + 1 === text.length) {
        phase = 1;
        continue;
      }
      pos++;
    }
    push(pos);
  }
  return undefined;
}
