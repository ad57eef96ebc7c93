import type { DockerfileFrontend } from './frontend.ts';
import { heredocWordName } from './heredocs.ts';
import { trimSpace } from './split-instructions.ts';
import { goQuote, refuse } from './buildkit-refusal.ts';
import type { InstructionNode } from './instruction-node.ts';
import { parseMount, parseDevice, type Mount } from './run-mounts.ts';
import { parseGoDuration, parseGoInt } from './go-value-parsers.ts';

export { BuildkitRefusal } from './buildkit-refusal.ts';
export { instructionNode, parseWords, type InstructionNode } from './instruction-node.ts';
export { csvFields, parseMount, type Mount } from './run-mounts.ts';
export { checkPlatform, isValidSignal } from './go-value-parsers.ts';

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
