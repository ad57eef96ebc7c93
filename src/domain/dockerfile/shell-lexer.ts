import type { DockerfileFrontend } from './frontend.ts';

/** Variables visible to an expansion; a name that is absent is unset. */
export type Environment = ReadonlyMap<string, string>;

export interface LexOptions {
  escape: string;
  frontend: DockerfileFrontend;
}

/** The result of expanding one word: its text, or why BuildKit refuses it. */
export type Processed = { ok: true; value: string; used: readonly string[]; unset: readonly string[] } | { ok: false; error: string };

const eof = -1;
const noNames: readonly string[] = Object.freeze([]);

/**
 * Expands one word as BuildKit's shell lexer `ProcessWord` does (frontend/dockerfile/shell/lex.go,
 * v0.8.3 and v0.34.2): quotes and escapes removed, `$NAME`, `${NAME}` and the modifiers that
 * version knows. Errors are the lexer's own: BuildKit refuses the instruction with them.
 */
export function processWord(word: string, env: Environment, options: LexOptions): Processed {
  // Most words have nothing to expand.
  if (!needsLexing(word, options.escape)) return { ok: true, value: word, used: noNames, unset: noNames };
  const lexer = new ShellWord(word, env, options);
  try {
    const value = lexer.processStopOn(eof, false, false);
    return { ok: true, value, used: lexer.used, unset: lexer.unset };
  } catch (error) {
    if (error instanceof LexError) return { ok: false, error: `failed to process "${word}": ${error.message}` };
    throw error;
  }
}

function needsLexing(word: string, escape: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code === 36 || code === 34 || code === 39 || code === 0xfeff || word[i] === escape) return true;
  }
  return false;
}

class LexError extends Error {}

class ShellWord {
  readonly used: string[] = [];
  readonly unset: string[] = [];
  private readonly word: string;
  private pos: number;
  private rawEscapes = false;
  private readonly escape: number;
  private readonly modern: boolean;
  private readonly env: Environment;

  constructor(word: string, env: Environment, options: LexOptions) {
    this.env = env;
    this.word = word;
    // text/scanner skips a byte order mark at the start of its input.
    this.pos = word.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.escape = options.escape.codePointAt(0) ?? 92;
    this.modern = options.frontend !== 'buildkit-0.8';
  }

  /** The code point at the read position (a lone surrogate stands for itself), or eof. */
  private peek(): number {
    return this.pos < this.word.length ? (this.word.codePointAt(this.pos) as number) : eof;
  }

  private next(): number {
    if (this.pos >= this.word.length) return eof;
    const ch = this.word.codePointAt(this.pos) as number;
    this.pos += ch > 0xffff ? 2 : 1;
    return ch;
  }

  /** Where the characters from the read position stop being plain: `$`, a quote, the escape or `stop`. */
  private plainEnd(stop: number): number {
    const word = this.word;
    let end = this.pos;
    while (end < word.length) {
      const code = word.charCodeAt(end);
      if (code === 36 || code === 39 || code === 34 || code === this.escape || code === stop) break;
      end++;
    }
    return end;
  }

  processStopOn(stop: number, rawEscapes: boolean, preservePatternEscapes: boolean): string {
    let result = '';
    const saved = this.rawEscapes;
    this.rawEscapes = this.modern ? rawEscapes : false;
    try {
      while (this.pos < this.word.length) {
        const ch = this.peek();
        if (stop !== eof && ch === stop) {
          this.next();
          return result;
        }
        if (ch === 36) {
          result += this.processDollar();
        } else if (ch === 39) {
          result += this.processSingleQuote(preservePatternEscapes);
        } else if (ch === 34) {
          result += this.processDoubleQuote(preservePatternEscapes);
        } else if (ch === this.escape) {
          this.next();
          if (this.rawEscapes) result += String.fromCodePoint(ch);
          const c = this.next();
          if (c === eof) break;
          result += String.fromCodePoint(c);
        } else {
          // Characters that stand for themselves, up to the next one that may not (those are ASCII).
          const start = this.pos;
          this.next();
          this.pos = this.plainEnd(stop);
          result += this.word.slice(start, this.pos);
        }
      }
      if (stop !== eof) {
        throw new LexError(`unexpected end of statement while looking for matching ${String.fromCodePoint(stop)}`);
      }
      return result;
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(preservePatternEscapes: boolean): string {
    this.next();
    const word = this.word;
    const close = word.indexOf("'", this.pos);
    if (close === -1) {
      this.pos = word.length;
      throw new LexError('unexpected end of statement while looking for matching single-quote');
    }
    const text = word.slice(this.pos, close);
    this.pos = close + 1;
    if (!this.modern || !preservePatternEscapes) return text;
    // Inside a pattern each escape character is kept twice, so it stays literal.
    const escape = String.fromCodePoint(this.escape);
    return text.replaceAll(escape, escape + escape);
  }

  private processDoubleQuote(preservePatternEscapes: boolean): string {
    let result = '';
    this.next();
    for (;;) {
      const peeked = this.peek();
      if (peeked === eof) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (peeked === 34) {
        this.next();
        return result;
      }
      if (peeked === 36) {
        result += this.processDollar();
        continue;
      }
      if (peeked !== this.escape) {
        // Characters that stand for themselves, up to the next one that may not (those are ASCII).
        const start = this.pos;
        this.next();
        this.pos = this.plainEnd(eof);
        result += this.word.slice(start, this.pos);
        continue;
      }
      let ch = this.next();
      if (ch === this.escape) {
        const after = this.peek();
        if (after === eof) continue;
        if (after === 34 || after === 36 || after === this.escape) {
          if (this.rawEscapes) result += String.fromCodePoint(ch);
          ch = this.next();
        } else if (this.rawEscapes && preservePatternEscapes) {
          // v0.34.2: `rawEscapes && (!RawQuotes || preservePatternEscapes)`; RawQuotes is off here.
          result += String.fromCodePoint(ch);
        } else if (this.rawEscapes) {
          result += String.fromCodePoint(ch);
        }
      }
      result += String.fromCodePoint(ch);
    }
  }

  private lookup(name: string): string | undefined {
    const value = this.env.get(name);
    if (value === undefined) {
      if (!this.unset.includes(name)) this.unset.push(name);
    } else if (!this.used.includes(name)) {
      this.used.push(name);
    }
    return value;
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== 123) {
      const name = this.processName();
      if (name === '') return '$';
      return this.lookup(name) ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === eof) throw new LexError("syntax error: missing '}'");
    if (first === 123 || first === 125 || first === 58) throw new LexError('syntax error: bad substitution');
    const name = this.processName();
    return this.modern ? this.modifierModern(name) : this.modifierV08(name);
  }

  /** frontend/dockerfile/shell/lex.go processDollar, v0.8.3: `}`, `?`, `:+`, `:-`, `:?` only. */
  private modifierV08(name: string): string {
    const ch = this.next();
    if (ch === 125) return this.lookup(name) ?? '';
    if (ch === 63) {
      const word = this.wordUntilBrace(false);
      const value = this.lookup(name);
      if (value === undefined) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
      return value;
    }
    if (ch === 58) {
      const modifier = this.next();
      const word = this.wordUntilBrace(false);
      const value = this.lookup(name);
      const text = value ?? '';
      if (modifier === 43) return text !== '' ? word : text;
      if (modifier === 45) return text === '' ? word : text;
      if (modifier === 63) {
        if (value === undefined) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
        if (text === '') throw new LexError(`${name}: ${word || 'is not allowed to be empty'}`);
        return text;
      }
      throw new LexError(`unsupported modifier (${modifier === eof ? '\u{fffd}' : String.fromCodePoint(modifier)}) in substitution`);
    }
    throw new LexError("missing ':' in substitution");
  }

  /** frontend/dockerfile/shell/lex.go processDollar, v0.34.2. */
  private modifierModern(name: string): string {
    let ch = this.next();
    let chs = ch === eof ? '\u{fffd}' : String.fromCodePoint(ch);
    let nullIsUnset = false;
    if (ch === 125) return this.lookup(name) ?? '';
    if (ch === 47) return this.substitute(name);
    if (ch === 58) {
      nullIsUnset = true;
      ch = this.next();
      chs += ch === eof ? '\u{fffd}' : String.fromCodePoint(ch);
    } else if (ch !== 43 && ch !== 45 && ch !== 63 && ch !== 35 && ch !== 37) {
      throw new LexError(`unsupported modifier (${chs}) in substitution`);
    }
    const raw = ch === 35 || ch === 37;
    if (nullIsUnset && raw) throw new LexError(`unsupported modifier (${chs}) in substitution`);
    let word = this.wordUntilBrace(raw);
    const value = this.lookup(name);
    const set = value !== undefined;
    const text = value ?? '';
    switch (ch) {
      case 45:
        return !set || (nullIsUnset && text === '') ? word : text;
      case 43:
        return !set || (nullIsUnset && text === '') ? '' : word;
      case 63:
        if (!set) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
        if (nullIsUnset && text === '') throw new LexError(`${name}: ${word || 'is not allowed to be empty'}`);
        return text;
      case 37:
      case 35: {
        let greedy = false;
        if (word.length > 0 && word.charCodeAt(0) === ch) {
          greedy = true;
          word = word.slice(1);
        }
        return ch === 37 ? trimSuffix(word, text, greedy) : trimPrefix(word, text, greedy);
      }
      default:
        throw new LexError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  private wordUntilBrace(raw: boolean): string {
    try {
      return this.processStopOn(125, raw, raw);
    } catch (error) {
      if (error instanceof LexError && this.peek() === eof) throw new LexError("syntax error: missing '}'");
      throw error;
    }
  }

  /** `${NAME/pattern/replacement}` and `${NAME//pattern/replacement}` (v0.34.2). */
  private substitute(name: string): string {
    const all = this.peek() === 47;
    if (all) this.next();
    let pattern: string;
    try {
      pattern = this.processStopOn(47, true, true);
    } catch (error) {
      if (error instanceof LexError && this.peek() === eof) throw new LexError("syntax error: missing '/' in ${}");
      throw error;
    }
    let replacement: string;
    try {
      replacement = this.processStopOn(125, true, false);
    } catch (error) {
      if (error instanceof LexError && this.peek() === eof) throw new LexError("syntax error: missing '}'");
      throw error;
    }
    const value = this.lookup(name) ?? '';
    const re = shellPatternToRegex(pattern, true, false, all);
    if (!re.ok) throw new LexError(`invalid pattern (${pattern}) in substitution: ${re.error}`);
    if (all) return replaceAllGo(value, re.regex, replacement);
    const match = re.regex.exec(value);
    if (!match) return value;
    return value.slice(0, match.index) + replacement + value.slice(match.index + match[0].length);
  }

  private processName(): string {
    const start = this.pos;
    while (this.pos < this.word.length) {
      const ch = this.peek();
      if (this.pos === start && isDigit(ch)) {
        while (this.pos < this.word.length && isDigit(this.peek())) this.next();
        break;
      }
      if (this.pos === start && isSpecialParam(ch)) {
        this.next();
        break;
      }
      if (!isLetter(ch) && !isDigit(ch) && ch !== 95) break;
      this.next();
    }
    return this.word.slice(start, this.pos);
  }
}

function isSpecialParam(ch: number): boolean {
  // @ * # ? - $ ! 0
  return ch === 64 || ch === 42 || ch === 35 || ch === 63 || ch === 45 || ch === 36 || ch === 33 || ch === 48;
}

const letter = /\p{L}/u;
const digit = /\p{Nd}/u;

/** Go's unicode.IsLetter. */
function isLetter(ch: number): boolean {
  if (ch < 128) return (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122);
  return letter.test(String.fromCodePoint(ch));
}

/** Go's unicode.IsDigit. */
function isDigit(ch: number): boolean {
  if (ch < 128) return ch >= 48 && ch <= 57;
  return digit.test(String.fromCodePoint(ch));
}

type Compiled = { ok: true; regex: RegExp } | { ok: false; error: string };

/**
 * frontend/dockerfile/shell/lex.go convertShellPatternToRegex (v0.34.2). Go's `.` never matches a
 * newline, so it becomes `[^\n]` here.
 */
function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): Compiled {
  const chars = [...pattern];
  let out = anchored ? '^' : '';
  const star = greedy ? '[^\\n]*' : '[^\\n]*?';
  for (let i = 0; i < chars.length; i++) {
    let tok = chars[i] ?? '';
    switch (tok) {
      case '*':
        out += star;
        continue;
      case '?':
        out += '[^\\n]';
        continue;
      case '\\': {
        const peeked = chars[i + 1];
        if (peeked === '}' || peeked === '/') continue;
        out += '\\';
        i++;
        tok = chars[i] ?? '';
        if (tok !== '*' && tok !== '?' && tok !== '\\') return { ok: false, error: `invalid escape '\\${tok === '' ? '%!c(int32=-1)' : tok}'` };
        break;
      }
      case '[': case ']': case '{': case '}': case '.': case '+': case '(': case ')': case '|': case '^': case '$':
        out += '\\';
        break;
      default:
        // Characters RE2 reads literally but a JavaScript regex might not.
        if (tok === '/' || tok === '-') break;
    }
    out += tok;
  }
  try {
    return { ok: true, regex: new RegExp(out, global ? 'gu' : 'u') };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const re = shellPatternToRegex(pattern, greedy, true);
  if (!re.ok) throw new LexError(`invalid pattern (${pattern}) in substitution: ${re.error}`);
  const match = re.regex.exec(value);
  return match ? value.slice(match[0].length) : value;
}

/** frontend/dockerfile/shell/lex.go reversePattern (v0.34.2). */
function reversePattern(pattern: string): string {
  const runes = [...pattern];
  const out: string[] = new Array<string>(runes.length);
  const last = runes.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = runes[i] ?? '';
    const at = last - i;
    if (tok === '\\' && i !== last) {
      out[at - 1] = tok;
      out[at] = runes[i + 1] ?? '';
      i += 2;
    } else {
      out[at] = tok;
      i++;
    }
  }
  return out.join('');
}

function reverseString(text: string): string {
  return [...text].reverse().join('');
}

function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

/**
 * Go's Regexp.ReplaceAllString: `$name`/`${name}` in the replacement are group references (only
 * numbered groups exist: `$0` is the match, others are empty), `$$` is `$`; an empty match right
 * after a match is skipped.
 */
function replaceAllGo(value: string, regex: RegExp, template: string): string {
  let out = '';
  let last = 0;
  let prevEnd = -1;
  regex.lastIndex = 0;
  for (;;) {
    const match = regex.exec(value);
    if (!match) break;
    const start = match.index;
    const end = start + match[0].length;
    if (end === start) {
      regex.lastIndex = start + (value.codePointAt(start)! > 0xffff ? 2 : 1);
      if (start === prevEnd) {
        if (start >= value.length) break;
        continue;
      }
    }
    out += value.slice(last, start) + expandTemplate(template, match[0]);
    last = end;
    prevEnd = end;
    if (start >= value.length) break;
  }
  return out + value.slice(last);
}

function expandTemplate(template: string, whole: string): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name = '';
    let rest = i;
    if (template[i] === '{') {
      const close = template.indexOf('}', i + 1);
      name = close === -1 ? '' : template.slice(i + 1, close);
      if (!/^[A-Za-z0-9_]+$/.test(name)) name = '';
      rest = close + 1;
    } else {
      const match = /^[A-Za-z0-9_]+/.exec(template.slice(i));
      name = match?.[0] ?? '';
      rest = i + name.length;
    }
    if (name === '') {
      out += '$';
      continue;
    }
    i = rest;
    if (/^[0-9]+$/.test(name) && Number(name) === 0) out += whole;
  }
  return out + template.slice(i);
}
