import { processWord } from './shell-lexer.ts';
import type { DockerfileFrontend } from './frontend.ts';
import { isGitSource, isHttpSource } from './dispatch-commands.ts';
import type { Reading } from './reading.ts';

const platformArgs: readonly (readonly [string, string])[] = [
  ['BUILDPLATFORM', 'linux/amd64'], ['BUILDOS', 'linux'], ['BUILDARCH', 'amd64'], ['BUILDVARIANT', ''],
  ['TARGETPLATFORM', 'linux/amd64'], ['TARGETOS', 'linux'], ['TARGETARCH', 'amd64'], ['TARGETVARIANT', ''],
];
const platformArgsV034: readonly (readonly [string, string])[] = [...platformArgs, ['BUILDOSVERSION', ''], ['TARGETOSVERSION', '']];

/** Platform args BuildKit predefines (dockerfile2llb platform.go), build and target linux/amd64; v0.34 adds TARGETSTAGE. */
function predefinedArgs(frontend: DockerfileFrontend): readonly (readonly [string, string])[] {
  return frontend === 'buildkit-0.8' ? platformArgs : platformArgsV034;
}

/**
 * epoch.go resolveSourceDateEpochValue (v0.34.2): a SOURCE_DATE_EPOCH that is not a Unix time
 * must name a stage that is only `FROM scratch`, ARGs and one remote ADD.
 */
export function checkSourceDateEpoch(reading: Reading): void {
  const key = 'SOURCE_DATE_EPOCH';
  const value = Object.hasOwn(reading.buildArgs, key) ? (reading.buildArgs[key] ?? '') : (reading.globals.get(key) ?? '');
  if (value === '' || /^[+-]?[0-9]+$/.test(value) && Math.abs(Number(value)) < 2 ** 63 || value === 'context') return;
  const fail = (reason: string, line = 1): never => reading.reject('DY020', line, reason, 'Set SOURCE_DATE_EPOCH to a Unix time or to a stage that only ADDs one remote source.');
  const stage = reading.model.stages.find((candidate) => candidate.name !== undefined && candidate.name.toLowerCase() === value.toLowerCase());
  if (!stage) return fail(`invalid SOURCE_DATE_EPOCH: ${value}`);
  let env = new Map(reading.globals);
  env.delete(key);
  const base = processWord(stage.written, env, reading.lex);
  if (!base.ok) return fail(`failed to process source stage base name ${JSON.stringify(stage.written)}: ${base.error}`, stage.line);
  if (base.value !== 'scratch') return fail('SOURCE_DATE_EPOCH stage must use FROM scratch', stage.line);
  let added = false;
  for (const { command } of reading.stageCommands[stage.index] ?? []) {
    if (command.kind === 'arg') {
      env = new Map(env);
      for (const pair of command.pairs) {
        if (Object.hasOwn(reading.buildArgs, pair.key)) env.set(pair.key, reading.buildArgs[pair.key] ?? '');
        else if (pair.value !== undefined) env.set(pair.key, reading.expand(pair.value, env, stage.line, 'this ARG'));
      }
    } else if (command.kind === 'copy' && command.add) {
      if (added) fail('SOURCE_DATE_EPOCH stage must contain exactly one remote ADD', stage.line);
      added = true;
      if (command.contents !== 0 || command.sources.length !== 1) fail('SOURCE_DATE_EPOCH stage must contain exactly one remote ADD source', stage.line);
      const source = reading.expand(command.sources[0] ?? '', env, stage.line, 'this ADD');
      if (isHttpSource(source)) {
        if (command.checksum !== undefined && command.checksum !== '') {
          const checksum = reading.expand(command.checksum, env, stage.line, '`--checksum`');
          if (!/^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/.test(checksum)) fail('invalid checksum digest format', stage.line);
        }
      } else if (!isGitSource(source)) fail('SOURCE_DATE_EPOCH stage source must be a single HTTP(S) or Git ADD', stage.line);
    } else {
      const name = command.kind === 'copy' ? 'COPY' : command.kind.toUpperCase();
      fail(`SOURCE_DATE_EPOCH stage does not meet source-only requirements: unsupported ${name} instruction`, stage.line);
    }
  }
  if (!added) fail('SOURCE_DATE_EPOCH stage must contain exactly one remote ADD', stage.line);
}

/** The global ARG values FROM lines see, per version (dockerfile2llb convert.go). */
export function globalArgs(reading: Reading): Map<string, string> {
  const target = reading.model.stages.at(-1)?.name ?? '';
  const env = new Map<string, string>();
  const has = (key: string) => Object.hasOwn(reading.buildArgs, key);
  for (const [key, value] of predefinedArgs(reading.frontend)) env.set(key, has(key) ? (reading.buildArgs[key] ?? '') : value);
  if (reading.frontend !== 'buildkit-0.8') env.set('TARGETSTAGE', has('TARGETSTAGE') ? (reading.buildArgs['TARGETSTAGE'] ?? '') : target || 'default');
  for (const arg of reading.args) {
    if (has(arg.key)) {
      env.set(arg.key, reading.buildArgs[arg.key] ?? '');
      continue;
    }
    if (arg.value === undefined) {
      // v0.8.3 metaArgsToMap: a global ARG without a value is set, to the empty string.
      if (reading.frontend === 'buildkit-0.8') env.set(arg.key, '');
      continue;
    }
    const processed = processWord(arg.value, env, reading.lex);
    if (!processed.ok) {
      // v0.8.3 ignores the error and keeps what ProcessWordWithMap returns then: nothing. v0.34.2 refuses the file.
      if (reading.frontend === 'buildkit-0.8') env.set(arg.key, '');
      else reading.reject('DY020', arg.line, processed.error, 'Fix the variable expansion in this ARG.');
      continue;
    }
    env.set(arg.key, processed.value);
  }
  return env;
}
