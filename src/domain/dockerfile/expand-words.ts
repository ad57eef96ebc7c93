/** Variables visible to an expansion: a declared ARG without a value maps to `undefined`. */
export type Variables = ReadonlyMap<string, string | undefined>;

export interface Expansion {
  value: string;
  /** Names referenced that are not declared at all. */
  undeclared: string[];
  /** Names declared without a value and not otherwise set, so they expanded to nothing. */
  empty: string[];
}

/**
 * Splits instruction arguments into words on unquoted whitespace, keeping quotes and escapes in
 * each word so that `expandWord` can process them, as BuildKit's shell lexer does.
 */
export function splitWords(args: string, escape: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const ch = args[i] ?? '';
    if (ch === escape && quote !== "'" && i + 1 < args.length) {
      current += ch + (args[i + 1] ?? '');
      i++;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = null;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (isSpace(ch)) {
      if (current !== '') words.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current !== '') words.push(current);
  return words;
}

/**
 * Expands one word the way BuildKit expands FROM and ARG (moby/buildkit
 * `frontend/dockerfile/shell/lex.go`): `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`,
 * `${NAME:+word}`, `${NAME+word}`, `${NAME:?msg}`; single quotes literal; double quotes expand;
 * quotes and escapes removed.
 */
export function expandWord(word: string, vars: Variables, escape = '\\'): Expansion {
  const state: Expansion = { value: '', undeclared: [], empty: [] };
  state.value = expand(word, vars, escape, state);
  return state;
}

function expand(word: string, vars: Variables, escape: string, state: Expansion): string {
  let out = '';
  let i = 0;
  let inDouble = false;
  while (i < word.length) {
    const ch = word[i] ?? '';
    if (ch === escape && i + 1 < word.length) {
      const next = word[i + 1] ?? '';
      // Inside double quotes only `"`, `$` and the escape itself are escapable; others keep the escape.
      out += inDouble && next !== '"' && next !== '$' && next !== escape ? ch + next : next;
      i += 2;
    } else if (ch === "'" && !inDouble) {
      const end = word.indexOf("'", i + 1);
      const stop = end === -1 ? word.length : end;
      out += word.slice(i + 1, stop);
      i = stop + 1;
    } else if (ch === '"') {
      inDouble = !inDouble;
      i++;
    } else if (ch === '$') {
      const [text, consumed] = expandDollar(word, i, vars, escape, state);
      out += text;
      i += consumed;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Expands a `$` reference at `start`; returns the text and how many characters it consumed. */
function expandDollar(
  word: string,
  start: number,
  vars: Variables,
  escape: string,
  state: Expansion,
): [string, number] {
  const next = word[start + 1];
  if (next === '{') {
    const close = matchingBrace(word, start + 1);
    if (close === -1) return [word.slice(start), word.length - start];
    const inner = word.slice(start + 2, close);
    return [expandBraced(inner, vars, escape, state), close - start + 1];
  }
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(start + 1))?.[0];
  if (!name) return ['$', 1];
  return [lookup(name, vars, state) ?? '', name.length + 1];
}

function expandBraced(inner: string, vars: Variables, escape: string, state: Expansion): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(:?[-+?])?([\s\S]*)$/.exec(inner);
  if (!match) return '';
  const [, name = '', operator, rest = ''] = match;
  if (!operator) return lookup(name, vars, state) ?? '';
  const value = vars.get(name);
  const set = operator.startsWith(':') ? value !== undefined && value !== '' : vars.has(name) && value !== undefined;
  const word = () => expand(rest, vars, escape, state);
  switch (operator.slice(-1)) {
    case '-':
      return set ? (value ?? '') : word();
    case '+':
      return set ? word() : '';
    default:
      if (!set) lookup(name, vars, state);
      return value ?? '';
  }
}

function lookup(name: string, vars: Variables, state: Expansion): string | undefined {
  if (!vars.has(name)) {
    if (!state.undeclared.includes(name)) state.undeclared.push(name);
    return undefined;
  }
  const value = vars.get(name);
  if (value === undefined && !state.empty.includes(name)) state.empty.push(name);
  return value;
}

function matchingBrace(word: string, open: number): number {
  let depth = 0;
  for (let i = open; i < word.length; i++) {
    if (word[i] === '{') depth++;
    else if (word[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The white space BuildKit's lexer splits on (a regex test per character is slow). */
function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v' || (ch > '\x7f' && /\s/.test(ch));
}
