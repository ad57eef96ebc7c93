/** One Dockerfile instruction with its continuation lines joined, as BuildKit's parser sees it. */
export interface RawInstruction {
  /** Upper-cased keyword, e.g. `FROM`. */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space, heredoc bodies left out. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
  /** 1-based last line of the instruction (continuations and heredoc bodies included). */
  endLine: number;
}

export interface SplitResult {
  escape: string;
  instructions: RawInstruction[];
}

const directivePattern = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
// A heredoc opener is a word of its own: `<<EOF`, `<<-EOF`, `<<"EOF"`.
const heredocPattern = /(?:^|\s)<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2(?=\s|$)/g;
const heredocKeywords = new Set(['RUN', 'COPY', 'ADD']);

/**
 * Splits Dockerfile text into instructions the way moby/buildkit's `frontend/dockerfile/parser` does:
 * parser directives first (`# escape=`), comments dropped, escape-char line continuations joined
 * (comment and blank lines inside a continuation skipped), and heredoc bodies (`<<EOF`) consumed.
 * It never throws: text that is not an instruction still becomes one, and the reader judges it.
 */
export function splitInstructions(text: string): SplitResult {
  // Lines keep a trailing `\r` from CRLF files; every use below trims or ignores trailing white space.
  const lines = text.split('\n');
  let escape = '\\';
  let index = 0;

  for (; index < lines.length; index++) {
    const match = directivePattern.exec(lines[index] ?? '');
    if (!match) break;
    if (match[1]?.toLowerCase() === 'escape' && (match[2] === '`' || match[2] === '\\')) escape = match[2];
  }

  const instructions: RawInstruction[] = [];
  while (index < lines.length) {
    const first = lines[index] ?? '';
    const indent = firstNonBlank(first);
    if (indent === -1 || first.charCodeAt(indent) === hash) {
      index++;
      continue;
    }
    const startLine = index + 1;
    let body = '';
    let current = first;
    for (;;) {
      const stripped = current.trimEnd();
      const continued = endsWithEscape(stripped, escape);
      body += continued ? stripped.slice(0, -1) : stripped;
      index++;
      if (!continued) break;
      // Skip comment and blank lines inside a continuation, as BuildKit does.
      while (index < lines.length && isSkippableInContinuation(lines[index] ?? '')) index++;
      if (index >= lines.length) break;
      current = lines[index] ?? '';
    }
    const start = body.length - body.trimStart().length;
    let end = start;
    while (end < body.length && body.charCodeAt(end) > 32) end++;
    const keyword = body.slice(start, end).toUpperCase();
    const args = body.slice(end).trim();
    index = skipHeredocs(keyword, args, lines, index);
    instructions.push({ keyword, args, line: startLine, endLine: index });
  }
  return { escape, instructions };
}

/** `stripped` is the line without trailing white space. */
function endsWithEscape(stripped: string, escape: string): boolean {
  if (!stripped.endsWith(escape)) return false;
  // A comment line never continues.
  return !stripped.trimStart().startsWith('#');
}

const hash = 35;

/** Index of the first character that is not a space or tab, or -1 for a blank line. */
function firstNonBlank(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code !== 32 && code !== 9 && code !== 13) return i;
  }
  return -1;
}

function isSkippableInContinuation(line: string): boolean {
  const start = firstNonBlank(line);
  return start === -1 || line.charCodeAt(start) === hash;
}

/** Returns the index after the heredoc bodies that an instruction opens, if any. */
function skipHeredocs(keyword: string, args: string, lines: string[], index: number): number {
  if (!heredocKeywords.has(keyword) || !args.includes('<<')) return index;
  let next = index;
  for (const match of args.matchAll(heredocPattern)) {
    const stripTabs = match[1] === '-';
    const terminator = match[3] ?? '';
    while (next < lines.length) {
      const candidate = lines[next] ?? '';
      next++;
      const line = candidate.endsWith('\r') ? candidate.slice(0, -1) : candidate;
      if ((stripTabs ? line.replace(/^\t+/, '') : line) === terminator) break;
    }
  }
  return next;
}
