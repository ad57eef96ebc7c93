import { BuildkitRefusal, isValidSignal, parseMount, type Command } from './buildkit-instructions.ts';
import { sourcesOf } from './dispatch-states.ts';
import { parseGoBool } from './go-value-parsers.ts';
import type { DispatchState, Reading, StageCommand } from './reading.ts';

/** The checks dispatch makes on each reachable stage's commands, in stage order. */
export function dispatchStages(reading: Reading, reachable: Set<DispatchState>): void {
  for (const state of reading.states) {
    if (state.unregistered) state.dispatched = true;
  }
  for (const state of reading.states) {
    if (!reachable.has(state) || state.unregistered || !state.stage) continue;
    const env = new Map(state.base?.env ?? [['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']]);
    const context = { env, workdir: state.base?.workdir ?? '/' };
    let commands = state.commands;
    if (!reading.modern && state.base) {
      // v0.8.3 dispatchOnBuildTriggers: the base's triggers run first, parsed on their own.
      const triggers: StageCommand[] = [];
      for (const entry of state.base.commands) {
        if (entry.command.kind !== 'onbuild') continue;
        let command: Command;
        try {
          command = reading.parseTrigger(entry);
        } catch (error) {
          if (!(error instanceof BuildkitRefusal)) throw error;
          return reading.reject('DY020', state.stage.line, error.message, 'Fix the ONBUILD trigger this stage inherits.');
        }
        const triggered: StageCommand = { command, line: state.stage.line, sources: [] };
        sourcesOf(reading, triggered, false);
        triggers.push(triggered);
      }
      commands = [...triggers, ...commands];
    }
    for (const entry of commands) dispatch(reading, entry, context);
    state.env = env;
    state.workdir = context.workdir;
    state.dispatched = true;
  }
}

function dispatch(reading: Reading, entry: StageCommand, context: { env: Map<string, string>; workdir: string }): void {
  const { command, line } = entry;
  const { env } = context;
  const expand = (word: string) => reading.expand(word, env, line, 'this instruction');
  switch (command.kind) {
    case 'env':
      for (const pair of command.pairs) env.set(expand(pair.key), expand(pair.value));
      return;
    case 'arg':
      if (!reading.modern) {
        // v0.8.3 ArgCommand.Expand expands every name and default first, whatever overrides them,
        // with the variables from before this ARG; dispatchArg then sets them.
        const expanded = command.pairs.map((pair) => ({ key: expand(pair.key), value: pair.value === undefined ? undefined : expand(pair.value) }));
        for (const { key, value: fallback } of expanded) {
          let value = Object.hasOwn(reading.buildArgs, key) ? reading.buildArgs[key] : fallback;
          if (value === undefined && reading.metaKeys.has(key)) value = reading.globals.get(key);
          if (value !== undefined) env.set(key, value);
        }
        return;
      }
      for (const pair of command.pairs) {
        if (!reading.modern) continue;
        // v0.34.2 dispatchArg: a build arg wins, else the default expanded, else the global value.
        let value: string | undefined;
        if (Object.hasOwn(reading.buildArgs, pair.key)) value = reading.buildArgs[pair.key];
        else if (pair.value !== undefined) value = expand(pair.value);
        else value = reading.globals.get(pair.key);
        if (value !== undefined) env.set(pair.key, value);
      }
      return;
    case 'expand':
      for (const word of command.words) expand(word);
      return;
    case 'stopsignal': {
      // dispatchStopSignal (v0.8.3, v0.34.2): signal.ParseSignal on the expanded value.
      const signal = expand(command.signal);
      if (!isValidSignal(signal)) reading.reject('DY020', line, `Invalid signal: ${signal}`, 'Name a signal such as SIGTERM.');
      return;
    }
    case 'workdir': {
      const path = expand(command.path);
      context.workdir = path.startsWith('/') ? normalizePath(path) : normalizePath(`${context.workdir}/${path}`);
      return;
    }
    case 'copy':
      return dispatchCopy(reading, entry, command, expand);
    case 'run':
      return dispatchRun(reading, entry, command, context);
    default:
  }
}

function dispatchCopy(reading: Reading, entry: StageCommand, command: Extract<Command, { kind: 'copy' }>, expand: (word: string) => string): void {
  const { line } = entry;
  const chown = command.chown === undefined ? '' : expand(command.chown);
  const chmod = command.chmod === undefined ? '' : expand(command.chmod);
  const checksum = command.checksum === undefined ? '' : expand(command.checksum);
  const sources = command.sources.map(expand);
  expand(command.dest);
  const source = entry.sources[0];
  if (reading.modern && source && !source.dispatched) {
    reading.reject('DY020', line, `cannot copy from stage "${command.from ?? ''}", it needs to be defined before current stage`, 'Copy only from stages defined above this one.');
  }
  if (reading.modern && chown !== '' && command.link && /[^0-9:]/.test(chown)) {
    reading.reject('DY020', line, `--chown=${chown}: user and group names can't be resolved when used with --link`, 'Use a numeric uid[:gid].');
  }
  if (chmod !== '') {
    if (reading.modern) checkChmod(reading, chmod, line);
    else if (fileOpDisabled(reading)) reading.reject('DY020', line, 'chmod is not supported', 'Remove `--chmod`.');
    // v0.8.3 dispatchCopyFileOp ignores a --chmod that is not octal.
  }
  if (reading.modern && checksum !== '') {
    if (!command.add) reading.reject('DY020', line, "checksum can't be specified for COPY", 'Remove `--checksum`.');
    if (sources.length !== 1) reading.reject('DY020', line, "checksum can't be specified for multiple sources", 'Use one source.');
    if (!isHttpSource(sources[0] ?? '') && !isGitSource(sources[0] ?? '')) reading.reject('DY020', line, 'checksum requires HTTP(S) or Git sources', 'Use `--checksum` with a URL.');
  }
  if (!command.add && !source) {
    for (const path of sources) {
      if (isHttpSource(path)) reading.reject('DY020', line, "source can't be a URL for COPY", 'Use ADD for URLs.');
    }
  }
}

/** v0.8.3 useFileOp: the BUILDKIT_DISABLE_FILEOP build arg turns file operations off. */
function fileOpDisabled(reading: Reading): boolean {
  const value = reading.buildArgs['BUILDKIT_DISABLE_FILEOP'];
  return value !== undefined && parseGoBool(value) === true;
}

/** convert_copy.go (v0.34.2): octal up to 07777 or a symbolic mode; v0.8.3: octal only. */
function checkChmod(reading: Reading, chmod: string, line: number): void {
  const fail = () => reading.reject('DY020', line, `invalid chmod parameter: '${chmod}'. it should be octal string and between 0 and 07777`, 'Write an octal mode such as 0755.');
  if (/^[0-7]+$/.test(chmod)) {
    if (parseInt(chmod, 8) > 0o7777) fail();
    return;
  }
  if (!reading.modern || /^[+-]?[0-9]/.test(chmod) || !/^[ugoa]*[-+=][rwxXst]*(,[ugoa]*[-+=][rwxXst]*)*$/.test(chmod)) fail();
}

function dispatchRun(reading: Reading, entry: StageCommand, command: Extract<Command, { kind: 'run' }>, context: { env: Map<string, string>; workdir: string }): void {
  const { line } = entry;
  // `RUN []` runs nothing: llb.ExecOp refuses to marshal it (both versions).
  if (command.empty) reading.reject('DY020', line, 'arguments are required', 'Give RUN a command.');
  command.mounts.forEach((value, i) => {
    let mount;
    try {
      mount = reading.modern ? parseMount(value, reading.frontend, (word) => reading.expand(word, context.env, line, '`--mount`')) : (command.parsed[i] ?? parseMount(value, reading.frontend, undefined));
    } catch (error) {
      if (!(error instanceof BuildkitRefusal)) throw error;
      return reading.reject('DY020', line, error.message, 'Fix the `--mount` value.');
    }
    const from = mount.from === '' && mount.type === 'cache' ? 'scratch' : mount.from;
    const source = entry.sources[i];
    if (from !== '') {
      if (reading.modern && source && !source.dispatched) {
        reading.reject('DY020', line, `cannot mount from stage "${mount.from}" to "${mount.target}", stage needs to be defined before current command`, 'Mount only from stages defined above this one.');
      }
      if (!reading.modern && (!source || (source.stage && !source.dispatched))) {
        // v0.8.3 reads the state of a source it never set up: a nil-pointer panic.
        reading.reject('DY020', line, `--mount from=${mount.from} has no state to mount`, 'Mount only from stages defined above this one.');
      }
    }
    if (mount.type === 'secret') return;
    if (mount.type === 'ssh') {
      if (mount.source !== '') reading.reject('DY020', line, 'ssh does not support source', 'Remove `source` from the ssh mount.');
      return;
    }
    let target = mount.target;
    if (!normalizePath(mount.target).startsWith('/')) target = normalizePath(`/${context.workdir}/${mount.target}`);
    if (target === '/') reading.reject('DY020', line, `invalid mount target "${target}"`, 'Give the mount a `target` other than `/`.');
  });
}

/** path.Clean, for absolute and relative slash paths. */
function normalizePath(path: string): string {
  // Most paths are clean already: absolute, no empty, `.` or `..` parts, no trailing slash.
  if (isCleanAbsolutePath(path)) return path;
  const absolute = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts.at(-1) !== '..') parts.pop();
      else if (!absolute) parts.push('..');
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join('/');
  if (absolute) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Whether path.Clean leaves `path` as it is: absolute, and no part empty, `.` or `..` (nor a trailing slash). */
function isCleanAbsolutePath(path: string): boolean {
  const length = path.length;
  if (length < 2 || path.charCodeAt(0) !== 47) return false;
  let start = 1;
  for (;;) {
    let end = path.indexOf('/', start);
    if (end === -1) end = length;
    const part = end - start;
    if (part === 0) return false;
    if (path.charCodeAt(start) === 46 && (part === 1 || (part === 2 && path.charCodeAt(start + 1) === 46))) return false;
    if (end === length) return true;
    start = end + 1;
  }
}

export function isHttpSource(path: string): boolean {
  return path.startsWith('http://') || path.startsWith('https://');
}

export function isGitSource(path: string): boolean {
  return path.startsWith('git@') || path.startsWith('git://') || /^[a-z]+:\/\/.*\.git(#.*)?$/.test(path);
}
