import type { DockerfileFrontend } from './frontend.ts';
import { isGoSpace, splitCommand } from './split-instructions.ts';
import { goQuote, refuse } from './buildkit-refusal.ts';

/** An instruction's arguments as parser.Node holds them (line_parsers.go) and nodeArgs lists them. */
export interface InstructionNode {
  /** The keyword as written. */
  command: string;
  flags: readonly string[];
  /** instructions/parse.go nodeArgs: an ONBUILD trigger's keyword and arguments follow each other. */
  args: string[];
  json: boolean;
  /** For ONBUILD: the trigger's own node. */
  child?: InstructionNode;
}

/**
 * parser/parser.go newNodeFromLine, for a line already split into keyword, flags and the rest
 * (v0.8.3 and v0.34.2 dispatch the same line parsers; parseJSON and the key/value nodes differ).
 */
export function instructionNode(command: string, flags: readonly string[], rest: string, escape: string, frontend: DockerfileFrontend): InstructionNode {
  const node: InstructionNode = { command, flags, args: [], json: false };
  switch (command.toLowerCase()) {
    case 'add':
    case 'copy':
    case 'volume': {
      const json = parseJson(rest, frontend);
      if (json) {
        node.args = json;
        node.json = true;
      } else node.args = whitespaceDelimited(rest);
      break;
    }
    case 'arg':
      node.args = parseWords(rest, escape);
      break;
    case 'cmd':
    case 'entrypoint':
    case 'run':
    case 'shell':
      maybeJson(node, rest, frontend);
      break;
    case 'env':
    case 'label':
      node.args = nameValues(rest, command.toLowerCase() === 'env' ? 'ENV' : 'LABEL', escape, frontend);
      break;
    case 'expose':
    case 'from':
      node.args = whitespaceDelimited(rest);
      break;
    case 'healthcheck': {
      // parseHealthConfig walks bytes: only ASCII white space ends the type word here.
      let sep = 0;
      while (sep < rest.length && !isByteSpace(rest, sep)) sep++;
      let next = sep;
      while (next < rest.length && isByteSpace(rest, next)) next++;
      if (sep === 0) break;
      const cmd: InstructionNode = { command: '', flags: [], args: [], json: false };
      maybeJson(cmd, rest.slice(next), frontend);
      node.args = [rest.slice(0, sep), ...cmd.args];
      node.json = cmd.json;
      break;
    }
    case 'maintainer':
    case 'stopsignal':
    case 'user':
    case 'workdir':
      node.args = rest === '' ? [] : [rest];
      break;
    case 'onbuild': {
      if (rest === '') break;
      const split = splitCommand(rest, escape, frontend !== 'buildkit-0.8');
      const child = instructionNode(split.command, split.flags, split.args, escape, frontend);
      node.child = child;
      node.args = [child.command, ...child.args];
      break;
    }
    default:
      // parseIgnore: an empty node, which nodeArgs reads as one empty argument.
      node.args = [''];
  }
  return node;
}

function isByteSpace(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code < 0x80 && isGoSpace(code);
}

function maybeJson(node: InstructionNode, rest: string, frontend: DockerfileFrontend): void {
  if (rest === '') return;
  const json = parseJson(rest, frontend);
  if (json) {
    node.args = json;
    node.json = true;
  } else node.args = [rest];
}

/**
 * parser/line_parsers.go parseJSON: an array of strings, or undefined when the text is not JSON
 * (the caller falls back to plain words). An array holding anything but strings is refused.
 * v0.8.3 decodes the first JSON value and ignores what follows it; v0.34.2 wants nothing after it.
 */
function parseJson(rest: string, frontend: DockerfileFrontend): string[] | undefined {
  let start = 0;
  while (start < rest.length && isGoSpace(rest.charCodeAt(start))) start++;
  if (rest.charCodeAt(start) !== 91) return undefined;
  let text = rest.slice(start);
  if (frontend === 'buildkit-0.8') {
    const end = firstJsonValueEnd(text);
    if (end === undefined) return undefined;
    text = text.slice(0, end);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((item) => typeof item === 'string')) {
    return refuse('when using JSON array syntax, arrays must be comprised of strings only');
  }
  return parsed as string[];
}

/** Where the JSON array at the start of `text` ends (brackets outside strings balance). */
function firstJsonValueEnd(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++;
      else if (ch === 34) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 91 || ch === 123) depth++;
    else if (ch === 93 || ch === 125) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

// reWhitespace `[\t\v\f\r ]+`.
function isParserWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 11 || code === 12 || code === 13;
}

/** parseStringsWhitespaceDelimited: reWhitespace.Split(rest, -1). */
function whitespaceDelimited(rest: string): string[] {
  if (rest === '') return [];
  const words: string[] = [];
  let start = 0;
  let i = 0;
  while (i < rest.length) {
    if (isParserWhitespace(rest.charCodeAt(i))) {
      words.push(rest.slice(start, i));
      while (i < rest.length && isParserWhitespace(rest.charCodeAt(i))) i++;
      start = i;
    } else i++;
  }
  words.push(rest.slice(start));
  return words;
}

/**
 * parser/line_parsers.go parseWords: white space outside quotes splits; quotes and escapes stay.
 * Every character of a word is kept but an escape at the very end of the text, so each word is one
 * stretch of the text.
 */
export function parseWords(rest: string, escape: string): string[] {
  if (!hasQuoteOrEscape(rest, escape)) return splitOnSpace(rest);
  const esc = escape.charCodeAt(0);
  const words: string[] = [];
  const length = rest.length;
  let phase = 0; // 0 spaces, 1 word, 2 quote
  let quote = 0;
  let blankOK = false;
  let start = 0;
  let end = length;
  for (let pos = 0; pos < length; pos++) {
    const ch = rest.charCodeAt(pos);
    if (phase === 0) {
      if (isGoSpace(ch)) continue;
      phase = 1;
      start = pos;
    }
    if (phase === 1) {
      if (isGoSpace(ch)) {
        phase = 0;
        if (blankOK || pos > start) words.push(rest.slice(start, pos));
        blankOK = false;
        continue;
      }
      if (ch === 39 || ch === 34) {
        quote = ch;
        blankOK = true;
        phase = 2;
      } else if (ch === esc) {
        if (pos + 1 === length) {
          end = pos;
          break;
        }
        pos++;
      }
      continue;
    }
    if (ch === quote) phase = 1;
    else if (ch === esc && quote !== 39) {
      if (pos + 1 === length) {
        end = pos;
        break;
      }
      pos++;
    }
  }
  if (phase !== 0 && (blankOK || end > start)) words.push(rest.slice(start, end));
  return words;
}

function hasQuoteOrEscape(text: string, escape: string): boolean {
  return text.includes('"') || text.includes("'") || text.includes(escape);
}

/** parseWords without quotes or escapes: words between Go white space. */
function splitOnSpace(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const space = i === text.length || isGoSpace(text.charCodeAt(i));
    if (space) {
      if (start !== -1) words.push(text.slice(start, i));
      start = -1;
    } else if (start === -1) start = i;
  }
  return words;
}

/**
 * parser/line_parsers.go parseNameVal: `KEY value` or `KEY=value …`. nodeArgs lists key, value and,
 * in v0.34.2, the separator (`=` or empty); v0.8.3 lists key and value.
 */
function nameValues(rest: string, key: string, escape: string, frontend: DockerfileFrontend): string[] {
  const words = parseWords(rest, escape);
  if (words.length === 0) return [];
  const modern = frontend !== 'buildkit-0.8';
  if (!(words[0] ?? '').includes('=')) {
    let i = 0;
    while (i < rest.length && !isParserWhitespace(rest.charCodeAt(i))) i++;
    if (i === rest.length) return refuse(`${key} must have two arguments`);
    let j = i;
    while (j < rest.length && isParserWhitespace(rest.charCodeAt(j))) j++;
    return modern ? [rest.slice(0, i), rest.slice(j), ''] : [rest.slice(0, i), rest.slice(j)];
  }
  const args: string[] = [];
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals === -1) return refuse(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    args.push(word.slice(0, equals), word.slice(equals + 1));
    if (modern) args.push('=');
  }
  return args;
}
