import { processWord } from './shell-lexer.ts';
import { parseImageReference, parseNormalizedNamed, type ImageReference } from './image-reference.ts';
import { checkPlatform, BuildkitRefusal } from './buildkit-instructions.ts';
import { goAtoi } from './go-value-parsers.ts';
import type { ImageSource } from './dockerfile-model.ts';
import { Stop, type DispatchState, type Reading, type StageCommand } from './reading.ts';

const noVariables: ReadonlyMap<string, string> = new Map();

/** buildDispatchStates (v0.34.2) / the stage loop of Dockerfile2LLB (v0.8.3): bases, platforms, names. */
export function buildStates(reading: Reading): void {
  const env = reading.globals;
  for (const stage of reading.model.stages) {
    const written = stage.written;
    const base = processWord(written, env, reading.lex);
    if (!base.ok) reading.reject('DY020', stage.line, base.error, 'Fix the variable expansion in this FROM line.');
    const value = base.value === written ? written : reading.strings.keep(base.value);
    stage.base = value;
    if (base.value === '') {
      reading.model.problems.push({
        rule: 'DY014',
        line: stage.line,
        message: `\`${written}\` expands to nothing, so BuildKit refuses it (base name should not be blank). Declare \`ARG\`s it uses with defaults above the first FROM.`,
        rejected: true,
      });
      throw new Stop();
    }
    for (const name of base.unset) {
      reading.model.problems.push({
        rule: 'DY014',
        line: stage.line,
        message: `\`${written}\` uses \`${name}\`, which is not declared or has no value: Docker expands it to nothing. Declare \`ARG ${name}=<default>\` above the first FROM.`,
        rejected: false,
      });
    }
    const platform = reading.platforms[stage.index];
    if (platform !== undefined) {
      const expanded = reading.expand(platform, env, stage.line, '`--platform`');
      // v0.34.2 refuses an empty platform by name; v0.8.3's platforms.Parse("") refuses it too.
      if (expanded === '' && reading.modern) reading.reject('DY020', stage.line, `empty platform value from expression ${platform}`, 'Give `--platform` a value.');
      try {
        checkPlatform(expanded, reading.frontend);
      } catch (error) {
        if (!(error instanceof BuildkitRefusal)) throw error;
        reading.reject('DY020', stage.line, `failed to parse platform ${platform}: ${error.message}`, 'Write `--platform=<os>/<arch>[/<variant>]`.');
      }
      stage.platform = reading.strings.keep(expanded);
    }
    const state = addState(reading, { stage, baseName: value, deps: new Set(), commands: reading.stageCommands[stage.index] ?? [], unregistered: false, dispatched: false, onBuildInit: false });
    if (state.base?.stage) stage.source = { kind: 'stage', stage: state.base.stage.index };
    else if (value === 'scratch') stage.source = { kind: 'scratch' };
    else {
      const reference = parseNormalizedNamed(value, reading.frontend);
      if (!reference.ok) {
        stage.source = { kind: 'invalid', text: value };
        reading.model.problems.push({
          rule: 'DY015',
          line: stage.line,
          message: `\`${base.value}\` is not a valid image reference (${reference.error}), so BuildKit refuses it. Write \`[registry/]name[:tag][@sha256:digest]\` in lower case.`,
          rejected: true,
        });
        throw new Stop();
      }
      stage.source = { kind: 'image', reference: keepParts(reading, reference.reference), text: value };
    }
  }
}

/** dispatchStates.addState: a base naming an earlier stage exactly makes that stage its base. */
function addState(reading: Reading, state: DispatchState): DispatchState {
  reading.states.push(state);
  const base = reading.statesByName.get(state.baseName);
  if (base) state.base = base;
  if (state.stage?.name !== undefined) reading.statesByName.set(state.stage.name, state);
  return state;
}

function findByName(reading: Reading, name: string): DispatchState | undefined {
  return reading.statesByName.get(name.toLowerCase());
}

function unregistered(reading: Reading, baseName: string): DispatchState {
  return { baseName: reading.strings.keep(baseName), deps: new Set(), commands: [], unregistered: true, dispatched: false, onBuildInit: false };
}

/** toCommand: the states a command reads from; images not named by a stage become states of their own. */
export function sourcesOf(reading: Reading, entry: StageCommand, register: boolean): void {
  const { command, line } = entry;
  const add = (state: DispatchState) => {
    if (state.unregistered && register) addState(reading, state);
    return state;
  };
  if (command.kind === 'copy' && command.from !== undefined) {
    const from = command.from;
    if (reading.modern) {
      const processed = processWord(from, noVariables, reading.lex);
      if (!processed.ok) reading.reject('DY020', line, processed.error, 'Fix the `--from` value.');
      if (processed.value !== from) {
        reading.reject('DY020', line, 'variable expansion is not supported for --from', 'Define a stage with `FROM` using an ARG from the global scope and copy from it.');
      }
    }
    const index = goAtoi(from);
    if (index !== undefined) {
      const state = reading.states[index];
      if (index < 0 || !state) reading.reject('DY020', line, `invalid stage index ${index}`, 'Name an earlier stage.');
      entry.sources = [state];
    } else {
      entry.sources = [findByName(reading, from) ?? add(unregistered(reading, from))];
    }
  } else if (command.kind === 'run') {
    entry.sources = command.parsed.map((mount) => {
      let from = mount.from;
      if (reading.modern) {
        // v0.34.2 detectRunMount: a mount without `from` reads from scratch (whatever its type).
        if (from === '') from = 'scratch';
      } else {
        // v0.8.3 detectRunMount: only cache mounts default to scratch; tmpfs mounts have no source.
        if (from === '' && mount.type === 'cache') from = 'scratch';
        if (from === '' || mount.type === 'tmpfs') return undefined;
      }
      return findByName(reading, from) ?? add(unregistered(reading, from));
    });
  }
}

/** buildStageDependencyGraph / the toCommand loop: every stage's commands and what they depend on. */
export function buildDependencies(reading: Reading): void {
  const stages = reading.states.length;
  for (let i = 0; i < stages; i++) {
    const state = reading.states[i] as DispatchState;
    for (const entry of state.commands) {
      sourcesOf(reading, entry, true);
      for (const source of entry.sources) if (source) state.deps.add(source);
    }
  }
  // The uses name the states their commands read from.
  let use = 0;
  const uses = reading.model.uses;
  for (let i = 0; i < stages; i++) {
    const state = reading.states[i] as DispatchState;
    for (const entry of state.commands) {
      if (entry.command.kind === 'copy' && entry.command.from !== undefined) {
        while (uses[use]?.onbuild) use++;
        const target = uses[use++];
        if (target) target.source = sourceOf(reading, entry.sources[0]);
      } else if (entry.command.kind === 'run') {
        entry.command.parsed.forEach((mount, m) => {
          if (mount.from === '') return;
          while (uses[use]?.onbuild) use++;
          const target = uses[use++];
          const source = entry.sources[m];
          if (target) target.source = source ? sourceOf(reading, source) : imageSource(reading, target.from);
        });
      }
    }
  }
  // ONBUILD uses name stages as a trigger would find them (every stage is known by then).
  for (const target of uses) {
    if (!target.onbuild) continue;
    const named = target.via === 'COPY --from' && goAtoi(target.from) !== undefined
      ? reading.states[goAtoi(target.from) ?? -1]
      : findByName(reading, target.from);
    target.source = named ? sourceOf(reading, named) : imageSource(reading, target.from);
  }
}

function sourceOf(reading: Reading, state: DispatchState | undefined): ImageSource {
  if (!state) return { kind: 'invalid', text: '' };
  if (state.stage) return { kind: 'stage', stage: state.stage.index };
  return imageSource(reading, state.baseName);
}

function imageSource(reading: Reading, text: string): ImageSource {
  if (text === 'scratch') return { kind: 'scratch' };
  const reference = parseImageReference(text, reading.frontend);
  return reference ? { kind: 'image', reference: keepParts(reading, reference), text } : { kind: 'invalid', text };
}

/** A reference just parsed, its parts kept with the other strings (equal parts are shared). */
function keepParts(reading: Reading, reference: ImageReference): ImageReference {
  reference.registry = reading.strings.keep(reference.registry);
  reference.repository = reading.strings.keep(reference.repository);
  if (reference.tag !== undefined) reference.tag = reading.strings.keep(reference.tag);
  if (reference.digest !== undefined) reference.digest = reading.strings.keep(reference.digest);
  return reference;
}
