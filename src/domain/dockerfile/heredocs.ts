import { isGoSpace } from './split-instructions.ts';

export interface HeredocName {
  name: string;
  /** `<<-`: leading tabs are stripped from body lines and the terminator. */
  chomp: boolean;
}

export type HeredocNames = { ok: true; heredocs: HeredocName[] } | { ok: false; error: string };

// parser.go reHeredoc (v0.34.2): `^(\d*)<<(-?)\s*([^<]*)$`, RE2 `\s` = [\t\n\f\r ].
const heredocPattern = /^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$/;

/**
 * The heredocs an instruction line opens, as parser.go heredocsFromLine (v0.34.2) finds them: the
 * line is split into words by the shell lexer with quotes and escapes kept (`<<` and the white
 * space after it stay in one word), and each word that matches `[fd]<<[-]name` names one heredoc.
 */
export function heredocNames(line: string): HeredocNames {
  const heredocs: HeredocName[] = [];
  for (const word of rawWords(line, true) ?? []) {
    const match = heredocPattern.exec(word);
    if (!match) continue;
    const rest = match[3] ?? '';
    if (rest === '') continue;
    const words = rawWords(rest, false);
    if (words === undefined) return { ok: false, error: `failed to process "${rest}": unexpected end of statement` };
    if (words.length !== 1) continue;
    heredocs.push({ name: words[0] ?? '', chomp: match[2] === '-' });
  }
  return { ok: true, heredocs };
}

/**
 * parser.ParseHeredoc (v0.34.2) on one argument: the heredoc's name when the word is `[fd]<<[-]name`
 * and the name is one shell word, else undefined (MustParseHeredoc's nil).
 */
export function heredocWordName(word: string): string | undefined {
  const match = heredocPattern.exec(word);
  const rest = match?.[3] ?? '';
  if (rest === '') return undefined;
  const words = rawWords(rest, false);
  return words !== undefined && words.length === 1 ? words[0] : undefined;
}

/**
 * shell.Lex.ProcessWords with no variables set and SkipUnsetEnv (references stay as written), the
 * escape `\`; `raw` keeps quotes and escapes (RawQuotes, RawEscapes). Undefined on a lexer error.
 */
function rawWords(text: string, raw: boolean): string[] | undefined {
  const words: string[] = [];
  let buf = '';
  let inWord = false;
  const addChar = (ch: string) => {
    if (isGoSpace(ch.charCodeAt(0))) {
      if (inWord && buf.length > 0) {
        words.push(buf);
        buf = '';
        inWord = false;
      }
    } else {
      buf += ch;
      inWord = true;
    }
  };
  const addRaw = (s: string) => {
    buf += s;
    inWord = true;
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return undefined;
      addRaw(raw ? text.slice(i, end + 1) : text.slice(i + 1, end));
      i = end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      let out = raw ? '"' : '';
      for (;;) {
        if (j >= text.length) return undefined;
        const c = text[j] ?? '';
        if (c === '"') break;
        if (c === '\\' && j + 1 < text.length) {
          const n = text[j + 1] ?? '';
          if (n === '"' || n === '$' || n === '\\') {
            out += raw ? c + n : n;
            j += 2;
            continue;
          }
          out += c;
          j++;
          continue;
        }
        out += c;
        j++;
      }
      addRaw(raw ? `${out}"` : out);
      i = j + 1;
    } else if (ch === '$') {
      const end = dollarEnd(text, i);
      for (const c of text.slice(i, end)) addChar(c);
      i = end;
    } else if (ch === '<' && text[i + 1] === '<') {
      let j = i + 2;
      while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r')) j++;
      addRaw(text.slice(i, j));
      i = j;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) break;
      if (raw) addRaw(ch);
      addRaw(text[i + 1] ?? '');
      i += 2;
    } else {
      addChar(ch);
      i++;
    }
  }
  if (buf.length > 0) words.push(buf);
  return words;
}

/** End of a `$name` or `${…}` reference starting at `start`. */
function dollarEnd(text: string, start: number): number {
  if (text[start + 1] === '{') {
    const close = text.indexOf('}', start + 2);
    return close === -1 ? text.length : close + 1;
  }
  let j = start + 1;
  while (j < text.length && /[A-Za-z0-9_]/.test(text[j] ?? '')) j++;
  return j === start + 1 && j < text.length && /[@*#?\-$!]/.test(text[j] ?? '') ? j + 1 : j;
}
