import { splitInstructions } from '../../domain/dockerfile/split-instructions.ts';

/** A word as written in a Dockerfile (quotes and escapes kept) and where each of its characters is. */
export interface SourceWord {
  text: string;
  /** Offset in the Dockerfile text of each character of `text`, ascending. */
  offsets: number[];
}

export interface LocatedInstruction {
  keyword: string;
  /** The words after the keyword, split the way BuildKit's shell lexer splits them. */
  words: SourceWord[];
}

/** A character range of the Dockerfile text to replace. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Reads a Dockerfile's instructions like `splitInstructions`, but keeps where every character of
 * every word came from, so that a word can be replaced in place without touching anything else.
 */
export function locateInstructions(text: string): { escape: string; instructions: LocatedInstruction[] } {
  const { escape, instructions } = splitInstructions(text);
  const lines = sourceLines(text);
  const located = instructions.map((instruction) => {
    const body = joinContinuations(lines, instruction.line - 1, escape);
    const words = splitWordSpans(body, escape);
    return { keyword: instruction.keyword, words: words.slice(1) };
  });
  return { escape, instructions: located };
}

/** A slice of a word: characters `from` up to `to` (exclusive). */
export function sliceWord(word: SourceWord, from: number, to = word.text.length): SourceWord {
  return { text: word.text.slice(from, to), offsets: word.offsets.slice(from, to) };
}

/**
 * The edits that make `word` read `replacement`. When the word spans a line continuation, the new
 * text goes where its last piece was and the other pieces are removed, so no line is added or lost.
 */
export function replaceWord(word: SourceWord, replacement: string): TextEdit[] {
  const runs: { start: number; end: number }[] = [];
  for (const offset of word.offsets) {
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

interface SourceLine {
  text: string;
  start: number;
}

function sourceLines(text: string): SourceLine[] {
  const lines: SourceLine[] = [];
  let start = 0;
  for (const match of text.matchAll(/\r?\n/g)) {
    lines.push({ text: text.slice(start, match.index), start });
    start = match.index + match[0].length;
  }
  lines.push({ text: text.slice(start), start });
  return lines;
}

/** Joins an instruction's continuation lines as `splitInstructions` does, keeping each character's offset. */
function joinContinuations(lines: SourceLine[], first: number, escape: string): SourceWord {
  const body: SourceWord = { text: '', offsets: [] };
  let index = first;
  for (;;) {
    const line = lines[index];
    if (!line) break;
    const continued = endsWithEscape(line.text, escape);
    const kept = continued ? line.text.replace(/\s*$/, '').length - 1 : line.text.length;
    body.text += line.text.slice(0, kept);
    for (let i = 0; i < kept; i++) body.offsets.push(line.start + i);
    index++;
    if (!continued) break;
    while (index < lines.length && isSkippableInContinuation(lines[index]?.text ?? '')) index++;
  }
  return body;
}

function endsWithEscape(line: string, escape: string): boolean {
  const stripped = line.replace(/\s*$/, '');
  return stripped.endsWith(escape) && !stripped.trimStart().startsWith('#');
}

function isSkippableInContinuation(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

/** `splitWords` from the domain, returning where each word is instead of only its text. */
function splitWordSpans(body: SourceWord, escape: string): SourceWord[] {
  const words: SourceWord[] = [];
  const text = body.text;
  let start = -1;
  let quote: string | null = null;
  const close = (end: number) => {
    if (start !== -1) words.push(sliceWord(body, start, end));
    start = -1;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (!quote && /\s/.test(ch)) {
      close(i);
      continue;
    }
    if (start === -1) start = i;
    if (ch === escape && quote !== "'" && i + 1 < text.length) {
      i++;
    } else if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    }
  }
  close(text.length);
  return words;
}
