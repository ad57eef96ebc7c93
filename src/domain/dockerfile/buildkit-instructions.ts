import type { DockerfileFrontend } from './frontend.ts';
import { heredocWordName } from './heredocs.ts';
import { isGoSpace, splitCommand, trimSpace } from './split-instructions.ts';

/** Why BuildKit refuses an instruction, in its own words. */
export class BuildkitRefusal extends Error {}

const refuse = (message: string): never => {
  throw new BuildkitRefusal(message);
};

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

function goQuote(text: string): string {
  return JSON.stringify(text);
}

type FlagType = 'bool' | 'string' | 'strings';

/** instructions/bflag.go BFlags.Parse: the values of the flags an instruction accepts. */
const noFlagValues: ReadonlyMap<string, string[]> = new Map();

function parseFlags(flags: readonly string[], defined: Readonly<Record<string, FlagType>>, modern: boolean): ReadonlyMap<string, string[]> {
  if (flags.length === 0) return noFlagValues;
  const used = new Map<string, string[]>();
  for (const flag of flags) {
    if (flag === '--') break;
    if (!flag.startsWith('--')) refuse(`arg should start with -- : ${flag}`);
    const equals = flag.indexOf('=');
    const flagName = equals === -1 ? flag : flag.slice(0, equals);
    const value = equals === -1 ? '' : flag.slice(equals + 1);
    const name = flagName.slice(2);
    const type = Object.hasOwn(defined, name) ? defined[name] : undefined;
    // v0.8.3 names the flag without its dashes: "Unknown flag: link".
    if (type === undefined) return refuse(modern ? `unknown flag: ${flagName}` : `Unknown flag: ${name}`);
    const values = used.get(name);
    if (values && type !== 'strings') refuse(`duplicate flag specified: ${flagName}`);
    if (type === 'bool') {
      if (equals !== -1 && value === '') refuse(`missing a value on flag: ${flagName}`);
      const lower = value.toLowerCase();
      if (lower !== '' && lower !== 'true' && lower !== 'false') refuse(`expecting boolean value for flag ${flagName}, not: ${value}`);
      used.set(name, [lower === 'false' ? 'false' : 'true']);
    } else {
      if (equals === -1) refuse(`missing a value on flag: ${flagName}`);
      if (values && type === 'strings') values.push(value);
      else used.set(name, [value]);
    }
  }
  return used;
}

function flagValue(used: ReadonlyMap<string, string[]>, name: string): string | undefined {
  return used.get(name)?.[0];
}

/** The flags each instruction accepts (instructions/parse.go and the RUN hooks, per version). */
const flagsV08: Record<string, Record<string, FlagType>> = {
  ADD: { chown: 'string', chmod: 'string' },
  COPY: { chown: 'string', from: 'string', chmod: 'string' },
  FROM: { platform: 'string' },
  // commands_runmount.go; --network and --security are behind build tags Docker 20.10 leaves off.
  RUN: { mount: 'strings' },
  HEALTHCHECK: { interval: 'string', timeout: 'string', 'start-period': 'string', retries: 'string' },
};
const flagsV034: Record<string, Record<string, FlagType>> = {
  ADD: { chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string', unpack: 'bool', exclude: 'strings' },
  COPY: { chown: 'string', from: 'string', chmod: 'string', link: 'bool', exclude: 'strings', parents: 'bool' },
  FROM: { platform: 'string' },
  RUN: { mount: 'strings', network: 'string', security: 'string', device: 'strings' },
  HEALTHCHECK: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
};
const noFlags: Record<string, FlagType> = {};

/** One instruction as instructions.Parse types it: what the reading and the conversion need. */
export type Command =
  | { kind: 'from'; base: string; name?: string; platform?: string }
  | { kind: 'arg'; pairs: { key: string; value?: string }[] }
  | { kind: 'env'; pairs: { key: string; value: string }[] }
  | { kind: 'copy'; add: boolean; from?: string; sources: string[]; contents: number; dest: string; chmod?: string; checksum?: string; chown?: string; link: boolean }
  | { kind: 'run'; mounts: string[]; /** Each mount as read with the file (no variables): its `from` and type. */ parsed: Mount[]; /** `RUN []`: an exec form with nothing to run. */ empty: boolean }
  | { kind: 'workdir'; path: string }
  | { kind: 'onbuild'; trigger: string }
  | { kind: 'expand'; words: string[] }
  | { kind: 'stopsignal'; signal: string }
  | { kind: 'other' };

const stageNamePattern = /^[a-z][a-z0-9\-_.]*$/;

/**
 * instructions/parse.go ParseInstruction (v0.8.3 and v0.34.2): checks an instruction's arguments
 * and flags as that version does; throws BuildkitRefusal with BuildKit's reason.
 */
export function parseCommand(node: InstructionNode, frontend: DockerfileFrontend): Command {
  const modern = frontend !== 'buildkit-0.8';
  const keyword = upperCase(node.command);
  const { args } = node;
  const table = modern ? flagsV034 : flagsV08;
  switch (keyword) {
    case 'ENV':
    case 'LABEL': {
      parseFlags(node.flags, noFlags, modern);
      if (args.length === 0) refuse(`${keyword} requires at least one argument`);
      const step = modern ? 3 : 2;
      if (args.length % step !== 0) refuse(`Bad input to ${keyword}, too many arguments`);
      const pairs: { key: string; value: string }[] = [];
      for (let i = 0; i < args.length; i += step) {
        if ((args[i] ?? '') === '') refuse(`${keyword} names can not be blank`);
        pairs.push({ key: args[i] ?? '', value: args[i + 1] ?? '' });
      }
      if (keyword === 'ENV') return { kind: 'env', pairs };
      const words: string[] = [];
      for (const pair of pairs) words.push(pair.key, pair.value);
      return { kind: 'expand', words };
    }
    case 'MAINTAINER':
      if (args.length !== 1) refuse('MAINTAINER requires exactly one argument');
      parseFlags(node.flags, noFlags, modern);
      return { kind: 'other' };
    case 'ADD':
    case 'COPY': {
      if (args.length < 2) refuse(`${keyword} requires at least two arguments, but only one was provided. Destination could not be determined`);
      const used = parseFlags(node.flags, table[keyword] ?? noFlags, modern);
      const dest = args[args.length - 1] ?? '';
      const sources = args.slice(0, -1);
      if (modern) {
        if (heredocName(dest) !== undefined) refuse(`${keyword} cannot accept a heredoc as a destination`);
      }
      const command: Command = {
        kind: 'copy',
        add: keyword === 'ADD',
        sources: modern && sources.some(isHeredocWord) ? sources.filter((source) => !isHeredocWord(source)) : sources,
        contents: modern ? countHeredocWords(sources) : 0,
        dest,
        link: flagValue(used, 'link') === 'true',
      };
      const from = flagValue(used, 'from');
      if (from !== undefined && from !== '') command.from = from;
      const chmod = flagValue(used, 'chmod');
      if (chmod !== undefined) command.chmod = chmod;
      const chown = flagValue(used, 'chown');
      if (chown !== undefined) command.chown = chown;
      const checksum = flagValue(used, 'checksum');
      if (checksum !== undefined) command.checksum = checksum;
      return command;
    }
    case 'FROM': {
      let name: string | undefined;
      if (args.length === 3 && (args[1] ?? '').toLowerCase() === 'as') {
        name = (args[2] ?? '').toLowerCase();
        if (!stageNamePattern.test(name)) {
          refuse(`invalid name for build stage: ${goQuote(args[2] ?? '')}, name can't start with a number or contain symbols`);
        }
      } else if (args.length !== 1) refuse('FROM requires either one or three arguments');
      const used = parseFlags(node.flags, table[keyword] ?? noFlags, modern);
      const command: Command = { kind: 'from', base: args[0] ?? '' };
      if (name !== undefined && name !== '') command.name = name;
      const platform = flagValue(used, 'platform');
      if (platform !== undefined && platform !== '') command.platform = platform;
      return command;
    }
    case 'ONBUILD': {
      if (args.length === 0) refuse('ONBUILD requires at least one argument');
      parseFlags(node.flags, noFlags, modern);
      const trigger = trimSpace(args[0] ?? '').toUpperCase();
      if (trigger === 'ONBUILD') refuse('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (trigger === 'MAINTAINER' || trigger === 'FROM') refuse(`${trigger} isn't allowed as an ONBUILD trigger`);
      return { kind: 'onbuild', trigger };
    }
    case 'WORKDIR':
      if (args.length !== 1) refuse('WORKDIR requires exactly one argument');
      parseFlags(node.flags, noFlags, modern);
      return { kind: 'workdir', path: args[0] ?? '' };
    case 'RUN': {
      const used = parseFlags(node.flags, table[keyword] ?? noFlags, modern);
      const mounts = used.get('mount') ?? [];
      if (modern) {
        const network = flagValue(used, 'network') ?? 'default';
        if (network !== 'default' && network !== 'none' && network !== 'host') refuse(`invalid network mode ${goQuote(network)}`);
        const security = flagValue(used, 'security') ?? 'sandbox';
        if (security !== 'insecure' && security !== 'sandbox') refuse(`security ${goQuote(security)} is not valid`);
        for (const device of used.get('device') ?? []) parseDevice(device);
      }
      const parsed = mounts.map((mount) => parseMount(mount, frontend, undefined));
      return { kind: 'run', mounts, parsed, empty: node.json && args.length === 0 };
    }
    case 'CMD':
    case 'ENTRYPOINT':
      parseFlags(node.flags, noFlags, modern);
      return { kind: 'other' };
    case 'HEALTHCHECK': {
      if (args.length === 0) refuse('HEALTHCHECK requires at least one argument');
      const type = (args[0] ?? '').toUpperCase();
      if (type === 'NONE') {
        if (args.length !== 1) refuse('HEALTHCHECK NONE takes no arguments');
        return { kind: 'other' };
      }
      const used = parseFlags(node.flags, table[keyword] ?? noFlags, modern);
      if (type !== 'CMD') refuse(`Unknown type ${goQuote(type)} in HEALTHCHECK (try CMD)`);
      if (args.length === 1) refuse('Missing command after HEALTHCHECK CMD');
      for (const name of ['interval', 'timeout', 'start-period', 'start-interval']) {
        const text = flagValue(used, name);
        if (text === undefined || text === '') continue;
        const duration = parseGoDuration(text);
        if (duration === undefined) refuse(`time: invalid duration ${goQuote(text)}`);
        if (duration !== 0 && duration !== undefined && duration < 1e6) refuse(`Interval ${goQuote(name)} cannot be less than 1ms`);
      }
      const retries = flagValue(used, 'retries');
      if (retries !== undefined && retries !== '') {
        const parsed = parseGoInt(retries, 32);
        if (parsed === undefined) refuse(`strconv.ParseInt: parsing ${goQuote(retries)}: invalid syntax`);
        if (modern ? (parsed ?? 0) < 0 : (parsed ?? 0) < 1) refuse(`invalid --retries ${retries}`);
      }
      return { kind: 'other' };
    }
    case 'EXPOSE':
      if (args.length === 0) refuse('EXPOSE requires at least one argument');
      parseFlags(node.flags, noFlags, modern);
      return { kind: 'other' };
    case 'USER':
      if (args.length !== 1) refuse('USER requires exactly one argument');
      parseFlags(node.flags, noFlags, modern);
      return { kind: 'expand', words: args };
    case 'VOLUME':
      if (args.length === 0) refuse('VOLUME requires at least one argument');
      parseFlags(node.flags, noFlags, modern);
      for (const volume of args) if (trimSpace(volume) === '') refuse('VOLUME specified can not be an empty string');
      return { kind: 'expand', words: args };
    case 'STOPSIGNAL':
      // parseStopSignal never looks at flags.
      if (args.length !== 1) refuse('STOPSIGNAL requires exactly one argument');
      return { kind: 'stopsignal', signal: args[0] ?? '' };
    case 'ARG': {
      // parseArg never looks at flags either.
      if (args.length < 1) refuse('ARG requires at least one argument');
      const pairs = args.map((arg) => {
        const equals = arg.indexOf('=');
        if (equals === -1) return { key: arg };
        if (equals === 0) refuse('ARG names can not be blank');
        return { key: arg.slice(0, equals), value: arg.slice(equals + 1) };
      });
      return { kind: 'arg', pairs };
    }
    case 'SHELL':
      parseFlags(node.flags, noFlags, modern);
      if (args.length === 0) refuse('SHELL requires at least one argument');
      if (!node.json) refuse('SHELL requires the arguments to be in JSON form');
      return { kind: 'other' };
    default:
      return refuse(`unknown instruction: ${node.command}`);
  }
}

function isHeredocWord(word: string): boolean {
  return heredocName(word) !== undefined;
}

function countHeredocWords(words: readonly string[]): number {
  let count = 0;
  for (const word of words) if (isHeredocWord(word)) count++;
  return count;
}

function heredocName(word: string): string | undefined {
  // A heredoc word has `<<` in it; most words do not.
  return word.includes('<<') ? heredocWordName(word) : undefined;
}

/** strings.ToUpper of a keyword; most are written in upper case already. */
function upperCase(command: string): string {
  for (let i = 0; i < command.length; i++) {
    const code = command.charCodeAt(i);
    if (code < 65 || code > 90) return command.toUpperCase();
  }
  return command;
}

/** Go's time.ParseDuration, in nanoseconds; undefined when it refuses the text. */
function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const match = /^[-+]?((?:[0-9]*(?:\.[0-9]*)?(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!match) return undefined;
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };
  let total = 0;
  for (const part of (match[1] ?? '').matchAll(/([0-9]*)(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h)/g)) {
    const whole = part[1] ?? '';
    const fraction = part[2] ?? '';
    if (whole === '' && fraction.length <= 1) return undefined;
    total += Number(`${whole || '0'}${fraction === '.' ? '' : fraction}`) * (units[part[3] ?? ''] ?? 0);
  }
  return text.startsWith('-') ? -total : total;
}

/** strconv.ParseInt(text, 10, bits). */
function parseGoInt(text: string, bits: number): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  const limit = 2 ** (bits - 1);
  return value >= -limit && value < limit ? value : undefined;
}

/** strconv.ParseUint(text, base, 32). */
function parseGoUint32(text: string, base: 8 | 10): number | undefined {
  const pattern = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(text)) return undefined;
  const value = parseInt(text, base);
  return value <= 0xffffffff ? value : undefined;
}

/** strconv.ParseBool. */
function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/**
 * The fields of a `--mount` (or `--device`) value: go-csvvalue Fields (v0.34.2) and encoding/csv
 * Reader.Read (v0.8.3) split the same way here: `,` separates, a field that starts with `"` is
 * quoted (`""` inside is one `"`), a `"` anywhere else is an error, and so is empty input.
 */
export function csvFields(value: string, what = 'mounts'): string[] {
  const fail = (): never => refuse(`failed to parse csv ${what}`);
  if (value === '') fail();
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (value.charCodeAt(i) !== 34) {
      const comma = value.indexOf(',', i);
      const field = comma === -1 ? value.slice(i) : value.slice(i, comma);
      if (field.includes('"')) fail();
      fields.push(field);
      if (comma === -1) return fields;
      i = comma + 1;
      continue;
    }
    i++;
    let field = '';
    for (;;) {
      const quote = value.indexOf('"', i);
      if (quote === -1) return fail();
      field += value.slice(i, quote);
      i = quote + 1;
      if (value.charCodeAt(i) === 34) {
        field += '"';
        i++;
        continue;
      }
      if (i === value.length) {
        fields.push(field);
        return fields;
      }
      if (value.charCodeAt(i) === 44) {
        fields.push(field);
        i++;
        break;
      }
      return fail();
    }
  }
}

export interface Mount {
  type: string;
  from: string;
  source: string;
  target: string;
  cacheId: string;
  sharing: string;
}

const mountTypes = new Set(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);
const sharingModes = new Set(['shared', 'private', 'locked']);
const mountKeys = new Set([
  'type', 'from', 'source', 'src', 'target', 'dst', 'destination', 'readonly', 'ro', 'readwrite', 'rw',
  'required', 'id', 'sharing', 'mode', 'uid', 'gid', 'size', 'env',
]);

/**
 * instructions/commands_runmount.go parseMount. v0.34.2 parses twice: while reading the file with
 * no expander (only `from` is looked at: the last one counts, and `$` inside it is refused), and
 * when dispatching the RUN with the stage's variables (`expand`), which checks every field.
 * v0.8.3 checks every field while reading the file, expanding nothing.
 */
export function parseMount(value: string, frontend: DockerfileFrontend, expand: ((word: string) => string) | undefined): Mount {
  const modern = frontend !== 'buildkit-0.8';
  const fields = csvFields(value);
  const mount: Mount = { type: 'bind', from: '', source: '', target: '', cacheId: '', sharing: '' };
  const full = !modern || expand !== undefined;
  if (!full) {
    // Read with the file (v0.34.2, no expander): only `from` is looked at.
    for (const field of fields) {
      if (field.indexOf('=') !== 4 || !isFromKey(field)) continue;
      const text = field.slice(5);
      const dollar = text.indexOf('$');
      if (dollar !== -1 && dollar !== text.length - 1) refuse(`'from' doesn't support variable expansion, define alias stage instead`);
      mount.from = text;
    }
    return mount;
  }
  let mode = false;
  let uid = false;
  let gid = false;
  for (const field of fields) {
    const equals = field.indexOf('=');
    const key = (equals === -1 ? field : field.slice(0, equals)).toLowerCase();
    let text = equals === -1 ? '' : field.slice(equals + 1);
    if (equals === -1) {
      if (!full) continue;
      if (key === 'readonly' || key === 'ro' || key === 'readwrite' || key === 'rw') continue;
      if (key === 'required') {
        if (mount.type === 'secret' || mount.type === 'ssh') continue;
        refuse(`unexpected key '${key}' for mount type '${mount.type}'`);
      }
      refuse(`invalid field '${field}' must be a key=value pair`);
    }
    if (modern) {
      if (expand) text = expand(text);
      else if (key === 'from') {
        const dollar = text.indexOf('$');
        if (dollar !== -1 && dollar !== text.length - 1) refuse(`'${key}' doesn't support variable expansion, define alias stage instead`);
      } else continue;
    }
    if (!full) {
      if (key === 'from') mount.from = text;
      continue;
    }
    switch (key) {
      case 'type':
        if (!mountTypes.has(text.toLowerCase())) refuse(`unsupported mount type ${goQuote(text)}`);
        mount.type = text.toLowerCase();
        break;
      case 'from':
        mount.from = text;
        break;
      case 'source':
      case 'src':
        mount.source = text;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        mount.target = text;
        break;
      case 'readonly':
      case 'ro':
      case 'readwrite':
      case 'rw':
        if (parseGoBool(text) === undefined) refuse(`invalid value for ${key}: ${text}`);
        break;
      case 'required':
        if (mount.type !== 'secret' && mount.type !== 'ssh') refuse(`unexpected key '${key}' for mount type '${mount.type}'`);
        if (parseGoBool(text) === undefined) refuse(`invalid value for ${key}: ${text}`);
        break;
      case 'size':
        if (!modern) refuse(`unexpected key '${key}' in '${field}'`);
        if (mount.type !== 'tmpfs') refuse(`unexpected key '${key}' for mount type '${mount.type}'`);
        if (!/^[0-9]+(\.[0-9]+)?\s*([kKmMgGtTpP]i?[bB]?|[bB])?$/.test(text)) refuse(`invalid value for ${key}: ${text}`);
        break;
      case 'id':
        mount.cacheId = text;
        break;
      case 'sharing':
        if (!sharingModes.has(text.toLowerCase())) refuse(`unsupported sharing value ${goQuote(text)}`);
        mount.sharing = text.toLowerCase();
        break;
      case 'mode':
        if (parseGoUint32(text, 8) === undefined) refuse(`invalid value ${text} for mode`);
        mode = true;
        break;
      case 'uid':
        if (parseGoUint32(text, 10) === undefined) refuse(`invalid value ${text} for uid`);
        uid = true;
        break;
      case 'gid':
        if (parseGoUint32(text, 10) === undefined) refuse(`invalid value ${text} for gid`);
        gid = true;
        break;
      case 'env':
        if (!modern) refuse(`unexpected key '${key}' in '${field}'`);
        break;
      default:
        if (!mountKeys.has(key) || !modern) refuse(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!full) return mount;
  const fileInfoAllowed = mount.type === 'secret' || mount.type === 'ssh' || mount.type === 'cache';
  if (!fileInfoAllowed) {
    if (mode) refuse(`mode not allowed for "${mount.type}" type mounts`);
    if (uid) refuse(`uid not allowed for "${mount.type}" type mounts`);
    if (gid) refuse(`gid not allowed for "${mount.type}" type mounts`);
  }
  if (!modern && mount.sharing !== '' && mount.type !== 'cache') refuse(`invalid cache sharing set for ${mount.type} mount`);
  if (mount.type === 'secret') {
    if (mount.from !== '') refuse('secret mount should not have a from');
    if (mount.sharing !== '') refuse('secret mount should not define sharing');
    if (mount.source === '' && mount.target === '' && mount.cacheId === '') refuse('invalid secret mount. one of source, target required');
    if (mount.source !== '' && mount.cacheId !== '') refuse("both source and id can't be set");
  }
  if (mount.sharing !== '' && mount.type !== 'cache') refuse(`invalid cache sharing set for ${mount.type} mount`);
  return mount;
}

/** Whether a field's first four characters are `from` in any case (only ASCII letters lower-case to these). */
function isFromKey(field: string): boolean {
  return (field.charCodeAt(0) | 0x20) === 102 && (field.charCodeAt(1) | 0x20) === 114 && (field.charCodeAt(2) | 0x20) === 111 && (field.charCodeAt(3) | 0x20) === 109;
}

/** instructions/commands_rundevice.go ParseDevice (v0.34.2). */
function parseDevice(value: string): void {
  let name = '';
  for (const field of csvFields(value, 'devices')) {
    const equals = field.indexOf('=');
    const key = (equals === -1 ? field : field.slice(0, equals)).toLowerCase();
    const text = field.slice(equals + 1);
    if (equals === -1) {
      if (key === 'required') continue;
      if (name === '') {
        name = field;
        continue;
      }
      refuse(`invalid field '${field}' must be a key=value pair`);
    }
    if (key === 'name') {
      if (name !== '') refuse(`device name already set to ${name}`);
      name = text;
    } else if (key === 'required') {
      if (parseGoBool(text) === undefined) refuse(`invalid value for ${key}: ${text}`);
    } else if (name === '') name = field;
    else refuse(`unexpected key '${key}' in '${field}'`);
  }
}

const knownOS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos']);
const knownArch = new Set(['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm']);
const archAliases: Record<string, string> = { i386: '386', x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm' };

/**
 * containerd platforms.Parse: v0.34.2 links github.com/containerd/platforms v1.0.0-rc.5 (an OS
 * may carry `(version+features)`, at most 4 parts, `.` allowed after the OS), v0.8.3 links
 * containerd v1.4 platforms (every part `[A-Za-z0-9_-]+`, at most 3 parts, no `ios`/`loong64`).
 */
export function checkPlatform(specifier: string, frontend: DockerfileFrontend): void {
  const modern = frontend !== 'buildkit-0.8';
  if (specifier.includes('*')) refuse(`${goQuote(specifier)}: wildcards not yet supported`);
  const parts = modern ? splitN(specifier, '/', 4) : specifier.split('/');
  const invalid = (part: string) => refuse(`${goQuote(part)} is an invalid component of ${goQuote(specifier)}`);
  parts.forEach((part, i) => {
    if (i === 0 && modern) {
      if (!/^[A-Za-z0-9_-]+(?:\([A-Za-z0-9_.%-]*(?:\+[A-Za-z0-9_.%-]+)*\))?$/.test(part)) invalid(part);
      if (part.includes('%') && !/^[^%]*(%[0-9A-Fa-f]{2}[^%]*)*$/.test(part)) invalid(part);
    } else if (!(modern ? /^[A-Za-z0-9_.-]+$/ : /^[A-Za-z0-9_-]+$/).test(part)) invalid(part);
  });
  if (parts.length === 1) {
    const os = (parts[0] ?? '').replace(/\(.*$/, '').toLowerCase();
    if ((modern ? knownOS : new Set([...knownOS].filter((name) => name !== 'ios'))).has(os === 'macos' ? 'darwin' : os)) return;
    const lower = (parts[0] ?? '').toLowerCase();
    const arch = archAliases[lower] ?? lower;
    if (knownArch.has(arch) && (modern || arch !== 'loong64')) return;
    refuse(`${goQuote(specifier)}: unknown operating system or architecture`);
  }
  if (parts.length > 3) refuse(`${goQuote(specifier)}: cannot parse platform specifier`);
}

function splitN(text: string, separator: string, n: number): string[] {
  const parts = text.split(separator);
  if (parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(separator)];
}

// moby signal.SignalMap (Linux), which both versions check STOPSIGNAL against.
const signalNames = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL',
  'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'UNUSED', 'URG',
  'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** signal.ParseSignal: a non-zero number or a known name, with or without `SIG`. */
export function isValidSignal(raw: string): boolean {
  if (/^[+-]?[0-9]+$/.test(raw) && Math.abs(Number(raw)) < 2 ** 63) return Number(raw) !== 0;
  const upper = raw.toUpperCase();
  return signalNames.has(upper.startsWith('SIG') ? upper.slice(3) : upper);
}
