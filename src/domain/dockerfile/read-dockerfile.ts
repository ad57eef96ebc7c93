import { readDirectives } from './directives.ts';
import { splitInstructions, trimSpace, type RawInstruction } from './split-instructions.ts';
import { processWord, type LexOptions } from './shell-lexer.ts';
import { defaultFrontend, type DockerfileFrontend } from './frontend.ts';
import { parseImageReference, parseNormalizedNamed, type ImageReference } from './image-reference.ts';
import { KeptStrings, ownString } from './own-string.ts';
import { recordPulls } from './resolved-images.ts';
import {
  BuildkitRefusal,
  checkPlatform,
  instructionNode,
  isValidSignal,
  parseCommand,
  parseMount,
  parseWords,
  type Command,
} from './buildkit-instructions.ts';

export { parseWords };

/** What a stage or a `COPY --from` builds on. */
export type ImageSource =
  | { kind: 'stage'; stage: number }
  | { kind: 'scratch' }
  | { kind: 'image'; reference: ImageReference; text: string }
  | { kind: 'invalid'; text: string };

export interface Stage {
  index: number;
  /** Stage name from `AS name`, lower-cased (stage names are case-insensitive). */
  name?: string;
  line: number;
  /** The image text as written, before ARG expansion. */
  written: string;
  /** The base after ARG expansion, exactly as the frontend computes it. */
  base: string;
  /** `--platform` after ARG expansion. */
  platform?: string;
  source: ImageSource;
}

/** An image pulled by something other than FROM: `COPY --from=<image>` or `RUN --mount=from=<image>`. */
export interface ImageUse {
  line: number;
  stage: number;
  via: 'COPY --from' | 'RUN --mount';
  written: string;
  /** The value as the frontend uses it (v0.8 and v0.34 expand neither form). */
  from: string;
  source: ImageSource;
  /**
   * Set when the use is an `ONBUILD` trigger's: it runs in every stage (or image) built FROM this
   * stage, so the policy judges it even when nothing in this file inherits it.
   */
  onbuild?: true;
}

/** A problem with the Dockerfile itself, found while reading it. */
export interface ReadProblem {
  rule: string;
  line: number;
  message: string;
  /** True when BuildKit itself refuses the file for this reason; false for Dockyard's stricter rules. */
  rejected: boolean;
}

/** Parser directives at the top of the file, as the frontend reads them. */
export interface Directives {
  escape: string;
  /** `# syntax=<image>`: the frontend image BuildKit would pull and hand the build to. */
  syntax?: { image: string; line: number };
  /** `# check=…` (frontends that have it), as written. */
  check?: string;
}

/** An `ADD` or `ONBUILD` line as the parser split it: what the ADD-source policy reads. */
export interface AddLine {
  keyword: 'ADD' | 'ONBUILD';
  args: string;
  line: number;
}

export interface DockerfileModel {
  /** The frontend whose rules this reading follows. */
  frontend: DockerfileFrontend;
  directives: Directives;
  stages: Stage[];
  uses: ImageUse[];
  problems: ReadProblem[];
  /** The file's `ADD` and `ONBUILD` lines (ADD may fetch from the network); most files have none. */
  addLines: AddLine[];
}

export const knownInstructions = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

/** Options for reading: build args Dockyard passes, which override ARG defaults before FROM. */
export interface ReadOptions {
  buildArgs?: Readonly<Record<string, string>>;
  /** Which frontend's rules to read by; `defaultFrontend` when absent. */
  frontend?: DockerfileFrontend;
  /**
   * Where readings that are kept together (the files of one catalog) keep their strings, so that a
   * text many files repeat is in memory once. Each reading keeps its own when absent.
   */
  strings?: KeptStrings;
}

export { KeptStrings };

/**
 * Reads a Dockerfile's stages and the images it builds on, by the rules of the chosen frontend:
 * the parser (split-instructions.ts), instructions.Parse (buildkit-instructions.ts), then the
 * checks dockerfile2llb makes while converting the default target (convert.go of v0.8.3 and
 * v0.34.2). Pure: it never throws on bad input; what it cannot make sense of becomes a problem.
 */
export function readDockerfile(text: string, options: ReadOptions = {}): DockerfileModel {
  const frontend = options.frontend ?? defaultFrontend;
  const split = splitInstructions(text, frontend);
  const model: DockerfileModel = {
    frontend,
    directives: { escape: split.escape, ...readDirectives(text, frontend) },
    stages: [],
    uses: [],
    problems: [],
    addLines: addLinesOf(split.instructions),
  };
  if (split.error) {
    if (split.error.message === 'file with no instructions') noStages(model);
    else rejectWith(model, 'DY020', Math.max(split.error.line, 1), split.error.message, 'Fix the line BuildKit names.');
    return model;
  }
  const check = model.directives.check;
  if (frontend !== 'buildkit-0.8' && check !== undefined) {
    const error = lintOptionsError(check);
    if (error) {
      rejectWith(model, 'DY020', 1, `failed to parse check options: ${error}`, 'Write `# check=skip=<rules>;error=<bool>`.');
      return model;
    }
  }
  const reading = new Reading(model, split.escape, options.buildArgs ?? {}, options.strings ?? new KeptStrings());
  try {
    reading.read(split.instructions);
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  recordPulls(model, reading.pulls);
  // The lists grew one push at a time and have room to spare: the model keeps them at their size.
  if (model.stages.length > 0) model.stages = model.stages.slice();
  if (model.uses.length > 0) model.uses = model.uses.slice();
  return model;
}

const noAddLines: AddLine[] = [];

/** The ADD and ONBUILD lines, as strings of their own so the model does not keep the whole file alive. */
function addLinesOf(instructions: readonly RawInstruction[]): AddLine[] {
  let lines: AddLine[] | undefined;
  for (const { keyword, args, line } of instructions) {
    if (keyword === 'ADD' || keyword === 'ONBUILD') (lines ??= []).push({ keyword, args: ownString(args), line });
  }
  return lines ?? noAddLines;
}

function noStages(model: DockerfileModel): void {
  model.problems.push({
    rule: 'DY011',
    line: 1,
    message: 'This Dockerfile has no FROM instruction, so it builds nothing. Start it with `FROM <approved parent>`.',
    rejected: true,
  });
}

function rejectWith(model: DockerfileModel, rule: string, line: number, reason: string, advice: string): void {
  model.problems.push({ rule, line, message: `BuildKit rejects this Dockerfile: ${reason}. ${advice}`, rejected: true });
}

/** Follows `FROM <earlier stage>` links back to the image a stage really starts from. */
export function rootSource(model: DockerfileModel, stageIndex: number): { source: ImageSource; line: number } {
  let stage = model.stages[stageIndex];
  const seen = new Set<number>();
  while (stage && stage.source.kind === 'stage' && !seen.has(stage.index)) {
    seen.add(stage.index);
    stage = model.stages[stage.source.stage];
  }
  if (!stage) return { source: { kind: 'invalid', text: '' }, line: 1 };
  return { source: stage.source, line: stage.line };
}

const platformArgs: readonly (readonly [string, string])[] = [
  ['BUILDPLATFORM', 'linux/amd64'], ['BUILDOS', 'linux'], ['BUILDARCH', 'amd64'], ['BUILDVARIANT', ''],
  ['TARGETPLATFORM', 'linux/amd64'], ['TARGETOS', 'linux'], ['TARGETARCH', 'amd64'], ['TARGETVARIANT', ''],
];
const platformArgsV034: readonly (readonly [string, string])[] = [...platformArgs, ['BUILDOSVERSION', ''], ['TARGETOSVERSION', '']];

/** Platform args BuildKit predefines (dockerfile2llb platform.go), build and target linux/amd64; v0.34 adds TARGETSTAGE. */
function predefinedArgs(frontend: DockerfileFrontend): readonly (readonly [string, string])[] {
  return frontend === 'buildkit-0.8' ? platformArgs : platformArgsV034;
}

const noVariables: ReadonlyMap<string, string> = new Map();
// What a command reads from until toCommand looks: nothing (most commands never read from a state).
const noSources: readonly (DispatchState | undefined)[] = Object.freeze([]);

/** Thrown to end a reading once BuildKit has refused the file. */
class Stop extends Error {}

/** A command of a stage with the states it reads from (dockerfile2llb `command`). */
interface StageCommand {
  command: Command;
  line: number;
  /** COPY --from: one state; RUN: one per mount (undefined where v0.8.3 has none). */
  sources: readonly (DispatchState | undefined)[];
  /** The stage's ONBUILD triggers' instruction text (only for `onbuild` commands). */
  trigger?: { text: string; heredocs?: { name: string; content: string }[] };
}

/** dockerfile2llb dispatchState: a stage, or an image only COPY --from / RUN --mount names. */
interface DispatchState {
  stage?: Stage;
  baseName: string;
  base?: DispatchState;
  deps: Set<DispatchState>;
  commands: StageCommand[];
  unregistered: boolean;
  dispatched: boolean;
  onBuildInit: boolean;
  /** After dispatch: the variables and working directory the stage ends with. */
  env?: Map<string, string>;
  workdir?: string;
}

/** One pass over the instructions, as instructions.Parse and then dockerfile2llb see them. */
class Reading {
  /** The images the default target pulls, as parsed references (formatted only when asked for). */
  readonly pulls: ImageReference[] = [];
  private readonly args: { key: string; value: string | undefined; line: number }[] = [];
  private readonly stageCommands: StageCommand[][] = [];
  private readonly platforms: (string | undefined)[] = [];
  private readonly frontend: DockerfileFrontend;
  private readonly modern: boolean;
  private readonly model: DockerfileModel;
  private readonly escape: string;
  private readonly lex: LexOptions;
  /** What the model keeps is copied out of the file's text (shared with other readings), so the text itself is not kept alive. */
  private readonly strings: KeptStrings;
  private readonly buildArgs: Readonly<Record<string, string>>;
  private states: DispatchState[] = [];
  private readonly statesByName = new Map<string, DispatchState>();
  private globals = new Map<string, string>();
  /** Names declared by ARG before the first FROM. */
  private readonly metaKeys = new Set<string>();

  constructor(model: DockerfileModel, escape: string, buildArgs: Readonly<Record<string, string>>, strings: KeptStrings) {
    this.strings = strings;
    this.model = model;
    this.escape = escape;
    this.lex = { escape, frontend: model.frontend };
    this.buildArgs = buildArgs;
    this.frontend = model.frontend;
    this.modern = model.frontend !== 'buildkit-0.8';
  }

  private reject(rule: string, line: number, reason: string, advice: string): never {
    rejectWith(this.model, rule, line, reason, advice);
    throw new Stop();
  }

  read(instructions: readonly RawInstruction[]): void {
    for (const instruction of instructions) this.readInstruction(instruction);
    if (this.model.stages.length === 0) {
      noStages(this.model);
      throw new Stop();
    }
    this.globals = this.globalArgs();
    if (this.modern) this.checkSourceDateEpoch();
    this.buildStates();
    this.buildDependencies();
    this.checkCycles();
    const target = this.states[this.model.stages.length - 1] as DispatchState;
    if (!this.modern) this.checkEndlessReachability(target);
    this.checkReferences();
    let reachable = this.reachable(target);
    if (this.modern) reachable = this.initOnBuildTriggers(target, reachable);
    this.dispatchStages(reachable);
    for (const state of this.states) {
      if (!reachable.has(state) || state.base || state.baseName === 'scratch') continue;
      // A stage's base was parsed from the same text already.
      const source = state.stage?.source;
      if (source?.kind === 'image' && source.text === state.baseName) {
        this.pulls.push(source.reference);
        continue;
      }
      const parsed = parseNormalizedNamed(state.baseName, this.frontend);
      if (parsed.ok) this.pulls.push(parsed.reference);
    }
  }

  /** instructions.Parse: one instruction, typed and checked; FROM starts a stage. */
  private readInstruction(raw: RawInstruction): void {
    const { line } = raw;
    let command: Command;
    try {
      const node = instructionNode(raw.keyword, raw.flags, raw.args, this.escape, this.frontend);
      command = parseCommand(node, this.frontend);
    } catch (error) {
      if (!(error instanceof BuildkitRefusal)) throw error;
      if (!knownInstructions.has(raw.keyword)) {
        this.model.problems.push({
          rule: 'DY012',
          line,
          message: `Unknown instruction \`${raw.keyword}\`: Docker refuses to build this file. Valid instructions are ${[...knownInstructions].join(', ')}.`,
          rejected: true,
        });
        throw new Stop();
      }
      return this.reject('DY020', line, error.message, 'Fix this instruction.');
    }
    if (command.kind === 'from') {
      const written = this.strings.keep(command.base);
      const index = this.model.stages.length;
      const source: ImageSource = { kind: 'invalid', text: written };
      // One literal per shape: a property added later would take an extra allocation per stage.
      const stage: Stage = command.name === undefined
        ? { index, line, written, base: written, source }
        : { index, line, written, base: written, source, name: this.strings.keep(command.name) };
      this.model.stages.push(stage);
      this.stageCommands.push([]);
      this.platforms.push(command.platform);
      return;
    }
    const commands = this.stageCommands.at(-1);
    if (!commands) {
      if (command.kind === 'arg') {
        for (const pair of command.pairs) {
          this.args.push({ key: pair.key, value: pair.value, line });
          this.metaKeys.add(pair.key);
        }
        return;
      }
      this.model.problems.push({
        rule: 'DY013',
        line,
        message: `\`${raw.keyword}\` comes before the first FROM; only ARG may. Move it below a FROM line.`,
        rejected: true,
      });
      throw new Stop();
    }
    const entry: StageCommand = { command, line, sources: noSources };
    if (command.kind === 'onbuild') {
      entry.trigger = { text: raw.text.replace(/^[\t\n\v\f\r ]*onbuild[\t\n\v\f\r ]*/i, '') };
      if (raw.heredocs) entry.trigger.heredocs = raw.heredocs;
      this.recordTriggerUses(entry, line);
    }
    commands.push(entry);
    this.recordUses(command, line, this.model.stages.length - 1, false);
  }

  private recordUses(command: Command, line: number, stage: number, onbuild: boolean): void {
    if (command.kind === 'copy' && command.from !== undefined) this.addUse(command.from, 'COPY --from', line, stage, onbuild);
    if (command.kind === 'run') {
      for (const { from } of command.parsed) {
        if (from !== '') this.addUse(from, 'RUN --mount', line, stage, onbuild);
      }
    }
  }

  /** The images an ONBUILD trigger names, for the policy: they are pulled by whatever builds on this stage. */
  private recordTriggerUses(entry: StageCommand, line: number): void {
    const command = this.triggerCommand(entry);
    if (command) this.recordUses(command, line, this.model.stages.length - 1, true);
  }

  /** An ONBUILD trigger parsed again on its own, as initOnBuildTriggers does; undefined when BuildKit would refuse it. */
  private triggerCommand(entry: StageCommand): Command | undefined {
    try {
      return this.parseTrigger(entry);
    } catch (error) {
      if (error instanceof BuildkitRefusal) return undefined;
      throw error;
    }
  }

  private parseTrigger(entry: StageCommand): Command {
    const trigger = entry.trigger;
    let text = trigger?.text ?? '';
    for (const heredoc of trigger?.heredocs ?? []) text += `\n${heredoc.content}${heredoc.name}`;
    const split = splitInstructions(text, this.frontend);
    if (split.error) throw new BuildkitRefusal(split.error.message);
    const [only] = split.instructions;
    if (!only || split.instructions.length !== 1) throw new BuildkitRefusal('onbuild trigger should be a single expression');
    const node = instructionNode(only.keyword, only.flags, only.args, split.escape, this.frontend);
    const command = parseCommand(node, this.frontend);
    if (command.kind === 'from') throw new BuildkitRefusal('*instructions.Stage is not a command type');
    return command;
  }

  private addUse(written: string, via: ImageUse['via'], line: number, stage: number, onbuild: boolean): void {
    const kept = this.strings.keep(written);
    const use: ImageUse = { line, stage, via, written: kept, from: kept, source: { kind: 'invalid', text: kept } };
    if (onbuild) use.onbuild = true;
    this.model.uses.push(use);
  }

  private expand(word: string, env: ReadonlyMap<string, string>, line: number, what: string): string {
    const processed = processWord(word, env, this.lex);
    if (!processed.ok) return this.reject('DY020', line, processed.error, `Fix the variable expansion in ${what}.`);
    return processed.value;
  }

  /** buildDispatchStates (v0.34.2) / the stage loop of Dockerfile2LLB (v0.8.3): bases, platforms, names. */
  private buildStates(): void {
    const env = this.globals;
    for (const stage of this.model.stages) {
      const written = stage.written;
      const base = processWord(written, env, this.lex);
      if (!base.ok) this.reject('DY020', stage.line, base.error, 'Fix the variable expansion in this FROM line.');
      const value = base.value === written ? written : this.strings.keep(base.value);
      stage.base = value;
      if (base.value === '') {
        this.model.problems.push({
          rule: 'DY014',
          line: stage.line,
          message: `\`${written}\` expands to nothing, so BuildKit refuses it (base name should not be blank). Declare \`ARG\`s it uses with defaults above the first FROM.`,
          rejected: true,
        });
        throw new Stop();
      }
      for (const name of base.unset) {
        this.model.problems.push({
          rule: 'DY014',
          line: stage.line,
          message: `\`${written}\` uses \`${name}\`, which is not declared or has no value: Docker expands it to nothing. Declare \`ARG ${name}=<default>\` above the first FROM.`,
          rejected: false,
        });
      }
      const platform = this.platforms[stage.index];
      if (platform !== undefined) {
        const expanded = this.expand(platform, env, stage.line, '`--platform`');
        // v0.34.2 refuses an empty platform by name; v0.8.3's platforms.Parse("") refuses it too.
        if (expanded === '' && this.modern) this.reject('DY020', stage.line, `empty platform value from expression ${platform}`, 'Give `--platform` a value.');
        try {
          checkPlatform(expanded, this.frontend);
        } catch (error) {
          if (!(error instanceof BuildkitRefusal)) throw error;
          this.reject('DY020', stage.line, `failed to parse platform ${platform}: ${error.message}`, 'Write `--platform=<os>/<arch>[/<variant>]`.');
        }
        stage.platform = this.strings.keep(expanded);
      }
      const state = this.addState({ stage, baseName: value, deps: new Set(), commands: this.stageCommands[stage.index] ?? [], unregistered: false, dispatched: false, onBuildInit: false });
      if (state.base?.stage) stage.source = { kind: 'stage', stage: state.base.stage.index };
      else if (value === 'scratch') stage.source = { kind: 'scratch' };
      else {
        const reference = parseNormalizedNamed(value, this.frontend);
        if (!reference.ok) {
          stage.source = { kind: 'invalid', text: value };
          this.model.problems.push({
            rule: 'DY015',
            line: stage.line,
            message: `\`${base.value}\` is not a valid image reference (${reference.error}), so BuildKit refuses it. Write \`[registry/]name[:tag][@sha256:digest]\` in lower case.`,
            rejected: true,
          });
          throw new Stop();
        }
        stage.source = { kind: 'image', reference: this.keepParts(reference.reference), text: value };
      }
    }
  }

  /** dispatchStates.addState: a base naming an earlier stage exactly makes that stage its base. */
  private addState(state: DispatchState): DispatchState {
    this.states.push(state);
    const base = this.statesByName.get(state.baseName);
    if (base) state.base = base;
    if (state.stage?.name !== undefined) this.statesByName.set(state.stage.name, state);
    return state;
  }

  private findByName(name: string): DispatchState | undefined {
    return this.statesByName.get(name.toLowerCase());
  }

  private unregistered(baseName: string): DispatchState {
    return { baseName: this.strings.keep(baseName), deps: new Set(), commands: [], unregistered: true, dispatched: false, onBuildInit: false };
  }

  /** toCommand: the states a command reads from; images not named by a stage become states of their own. */
  private sourcesOf(entry: StageCommand, register: boolean): void {
    const { command, line } = entry;
    const add = (state: DispatchState) => {
      if (state.unregistered && register) this.addState(state);
      return state;
    };
    if (command.kind === 'copy' && command.from !== undefined) {
      const from = command.from;
      if (this.modern) {
        const processed = processWord(from, noVariables, this.lex);
        if (!processed.ok) this.reject('DY020', line, processed.error, 'Fix the `--from` value.');
        if (processed.value !== from) {
          this.reject('DY020', line, 'variable expansion is not supported for --from', 'Define a stage with `FROM` using an ARG from the global scope and copy from it.');
        }
      }
      const index = goAtoi(from);
      if (index !== undefined) {
        const state = this.states[index];
        if (index < 0 || !state) this.reject('DY020', line, `invalid stage index ${index}`, 'Name an earlier stage.');
        entry.sources = [state];
      } else {
        entry.sources = [this.findByName(from) ?? add(this.unregistered(from))];
      }
    } else if (command.kind === 'run') {
      entry.sources = command.parsed.map((mount) => {
        let from = mount.from;
        if (this.modern) {
          // v0.34.2 detectRunMount: a mount without `from` reads from scratch (whatever its type).
          if (from === '') from = 'scratch';
        } else {
          // v0.8.3 detectRunMount: only cache mounts default to scratch; tmpfs mounts have no source.
          if (from === '' && mount.type === 'cache') from = 'scratch';
          if (from === '' || mount.type === 'tmpfs') return undefined;
        }
        return this.findByName(from) ?? add(this.unregistered(from));
      });
    }
  }

  /** buildStageDependencyGraph / the toCommand loop: every stage's commands and what they depend on. */
  private buildDependencies(): void {
    const stages = this.states.length;
    for (let i = 0; i < stages; i++) {
      const state = this.states[i] as DispatchState;
      for (const entry of state.commands) {
        this.sourcesOf(entry, true);
        for (const source of entry.sources) if (source) state.deps.add(source);
      }
    }
    // The uses name the states their commands read from.
    let use = 0;
    const uses = this.model.uses;
    for (let i = 0; i < stages; i++) {
      const state = this.states[i] as DispatchState;
      for (const entry of state.commands) {
        if (entry.command.kind === 'copy' && entry.command.from !== undefined) {
          while (uses[use]?.onbuild) use++;
          const target = uses[use++];
          if (target) target.source = this.sourceOf(entry.sources[0]);
        } else if (entry.command.kind === 'run') {
          entry.command.parsed.forEach((mount, m) => {
            if (mount.from === '') return;
            while (uses[use]?.onbuild) use++;
            const target = uses[use++];
            const source = entry.sources[m];
            if (target) target.source = source ? this.sourceOf(source) : this.imageSource(target.from);
          });
        }
      }
    }
    // ONBUILD uses name stages as a trigger would find them (every stage is known by then).
    for (const target of uses) {
      if (!target.onbuild) continue;
      const named = target.via === 'COPY --from' && goAtoi(target.from) !== undefined
        ? this.states[goAtoi(target.from) ?? -1]
        : this.findByName(target.from);
      target.source = named ? this.sourceOf(named) : this.imageSource(target.from);
    }
  }

  private sourceOf(state: DispatchState | undefined): ImageSource {
    if (!state) return { kind: 'invalid', text: '' };
    if (state.stage) return { kind: 'stage', stage: state.stage.index };
    return this.imageSource(state.baseName);
  }

  private imageSource(text: string): ImageSource {
    if (text === 'scratch') return { kind: 'scratch' };
    const reference = parseImageReference(text, this.frontend);
    return reference ? { kind: 'image', reference: this.keepParts(reference), text } : { kind: 'invalid', text };
  }

  /** A reference just parsed, its parts kept with the other strings (equal parts are shared). */
  private keepParts(reference: ImageReference): ImageReference {
    reference.registry = this.strings.keep(reference.registry);
    reference.repository = this.strings.keep(reference.repository);
    if (reference.tag !== undefined) reference.tag = this.strings.keep(reference.tag);
    if (reference.digest !== undefined) reference.digest = this.strings.keep(reference.digest);
    return reference;
  }

  /** validateCircularDependency (v0.34.2) / hasCircularDependency (v0.8.3): a cycle through COPY --from or mounts. */
  private checkCycles(): void {
    const visited = new Set<DispatchState>();
    const path = new Set<DispatchState>();
    const visit = (state: DispatchState): boolean => {
      if (visited.has(state)) return false;
      visited.add(state);
      path.add(state);
      for (const dep of state.deps) {
        if (path.has(dep) || visit(dep)) return true;
      }
      path.delete(state);
      return false;
    };
    for (const state of this.states) {
      if (visit(state)) {
        const name = state.stage ? (state.stage.name ?? `stage-${state.stage.index}`) : state.baseName;
        this.reject('DY020', state.stage?.line ?? 1, `circular dependency detected on stage: ${name}`, 'A stage cannot copy or mount from itself or from a stage that copies from it.');
      }
    }
  }

  /**
   * v0.8.3 Dockerfile2LLB asks isReachable(target, d) for every state d, walking `base` first and
   * then `deps` with no visited set (convert.go:1220). A cycle that goes through FROM <stage> passes
   * hasCircularDependency, and the walk can then recurse until the stack overflows: a fatal error
   * that stops dockerd 20.10. BuildKit never converts such a file, so it counts as refused. The walk
   * tries deps in Go's random map order, so a file is refused when any order can recurse forever.
   */
  private checkEndlessReachability(target: DispatchState): void {
    const states = this.states;
    const index = new Map(states.map((state, i) => [state, i]));
    const edges = states.map((state) => [
      ...(state.base ? [index.get(state.base) ?? -1] : []),
      ...[...state.deps].map((dep) => index.get(dep) ?? -1),
    ]);
    const base = states.map((state) => (state.base ? (index.get(state.base) ?? -1) : -1));
    const deps = states.map((state) => [...state.deps].map((dep) => index.get(dep) ?? -1));
    const reach = states.map((_, n) => {
      const seen = new Array<boolean>(states.length).fill(false);
      const stack = [...(edges[n] ?? [])];
      while (stack.length > 0) {
        const m = stack.pop() as number;
        if (seen[m]) continue;
        seen[m] = true;
        stack.push(...(edges[m] ?? []));
      }
      return seen;
    });
    const onCycle = (n: number) => reach[n]?.[n] === true;
    if (!states.some((_, n) => onCycle(n))) return;
    const reachesCycle = states.map((_, n) => states.some((__, m) => (m === n || reach[n]?.[m] === true) && onCycle(m)));
    const to = index.get(target) ?? 0;
    for (let d = 0; d < states.length; d++) {
      if (this.mayRecurseForever(reach, reachesCycle, base, deps, to, d)) {
        this.reject('DY020', target.stage?.line ?? 1, 'BuildKit v0.8.3 walks a cycle through FROM <stage> and COPY --from or RUN --mount, and recurses until the stack overflows (stopping dockerd 20.10)', 'Break the cycle between these stages.');
      }
    }
  }

  /** Whether isReachable(from, to) (v0.8.3 convert.go:1220) can recurse without end for some order of deps. */
  private mayRecurseForever(reach: boolean[][], reachesCycle: boolean[], base: number[], deps: number[][], from: number, to: number): boolean {
    const canReach = (n: number) => n === to || reach[n]?.[to] === true;
    if (!canReach(from)) return reachesCycle[from] === true;
    const endsFalse = (n: number) => !canReach(n) && !reachesCycle[n];
    const steps = (n: number): number[] => {
      if (n === to) return [];
      const b = base[n] ?? -1;
      if (b >= 0 && !endsFalse(b)) return [b];
      return (deps[n] ?? []).filter((d) => !endsFalse(d));
    };
    const visited = new Set<number>();
    const walk: number[] = [];
    const stack = [from];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      if (visited.has(n)) continue;
      visited.add(n);
      walk.push(n);
      for (const m of steps(n)) {
        if (!canReach(m)) return true;
        stack.push(m);
      }
    }
    const leads = new Set<number>([to]);
    for (let changed = true; changed; ) {
      changed = false;
      for (const n of walk) {
        if (leads.has(n)) continue;
        if (steps(n).some((m) => leads.has(m))) {
          leads.add(n);
          changed = true;
        }
      }
    }
    return walk.some((n) => !leads.has(n));
  }

  /** Every state that is not another stage is parsed as an image reference, reachable or not. */
  private checkReferences(): void {
    for (const state of this.states) {
      if (state.base || state.stage || state.baseName === 'scratch') continue;
      const parsed = parseNormalizedNamed(state.baseName, this.frontend);
      if (!parsed.ok) {
        this.model.problems.push({
          rule: 'DY015',
          line: this.lineOfUse(state.baseName),
          message: `\`${state.baseName}\` is not a valid image reference or stage name (${parsed.error}), so BuildKit refuses it. Name an earlier stage or write \`[registry/]name[:tag][@sha256:digest]\` in lower case.`,
          rejected: true,
        });
        throw new Stop();
      }
    }
  }

  private lineOfUse(from: string): number {
    return this.model.uses.find((use) => use.from === from)?.line ?? 1;
  }

  /** allReachableStages: the target, its bases and what they copy or mount from. */
  private reachable(target: DispatchState): Set<DispatchState> {
    const seen = new Set<DispatchState>();
    const queue = [target];
    while (queue.length > 0) {
      const state = queue.pop() as DispatchState;
      if (seen.has(state)) continue;
      seen.add(state);
      if (state.base) queue.push(state.base);
      for (const dep of state.deps) queue.push(dep);
    }
    return seen;
  }

  /**
   * resolveStages (v0.34.2): each reachable stage built on another stage runs that stage's ONBUILD
   * triggers first; what the triggers copy or mount from becomes reachable too, so repeat.
   */
  private initOnBuildTriggers(target: DispatchState, reachable: Set<DispatchState>): Set<DispatchState> {
    for (;;) {
      let newDeps = false;
      for (const state of reachable) {
        if (!state.base || state.onBuildInit) continue;
        state.onBuildInit = true;
        const triggers: StageCommand[] = [];
        for (const entry of state.base.commands) {
          if (entry.command.kind !== 'onbuild') continue;
          const line = state.stage?.line ?? entry.line;
          let command: Command;
          try {
            command = this.parseTrigger(entry);
          } catch (error) {
            if (!(error instanceof BuildkitRefusal)) throw error;
            return this.reject('DY020', line, error.message, 'Fix the ONBUILD trigger this stage inherits.');
          }
          const triggered: StageCommand = { command, line, sources: [] };
          this.sourcesOf(triggered, true);
          if (triggered.sources.some((source) => source !== undefined)) newDeps = true;
          for (const source of triggered.sources) if (source) state.deps.add(source);
          triggers.push(triggered);
        }
        state.commands = [...triggers, ...state.commands];
      }
      if (!newDeps) return reachable;
      reachable = this.reachable(target);
      this.checkReferences();
    }
  }

  /** The checks dispatch makes on each reachable stage's commands, in stage order. */
  private dispatchStages(reachable: Set<DispatchState>): void {
    for (const state of this.states) {
      if (state.unregistered) state.dispatched = true;
    }
    for (const state of this.states) {
      if (!reachable.has(state) || state.unregistered || !state.stage) continue;
      const env = new Map(state.base?.env ?? [['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']]);
      const context = { env, workdir: state.base?.workdir ?? '/' };
      let commands = state.commands;
      if (!this.modern && state.base) {
        // v0.8.3 dispatchOnBuildTriggers: the base's triggers run first, parsed on their own.
        const triggers: StageCommand[] = [];
        for (const entry of state.base.commands) {
          if (entry.command.kind !== 'onbuild') continue;
          let command: Command;
          try {
            command = this.parseTrigger(entry);
          } catch (error) {
            if (!(error instanceof BuildkitRefusal)) throw error;
            return this.reject('DY020', state.stage.line, error.message, 'Fix the ONBUILD trigger this stage inherits.');
          }
          const triggered: StageCommand = { command, line: state.stage.line, sources: [] };
          this.sourcesOf(triggered, false);
          triggers.push(triggered);
        }
        commands = [...triggers, ...commands];
      }
      for (const entry of commands) this.dispatch(state, entry, context);
      state.env = env;
      state.workdir = context.workdir;
      state.dispatched = true;
    }
  }

  private dispatch(state: DispatchState, entry: StageCommand, context: { env: Map<string, string>; workdir: string }): void {
    const { command, line } = entry;
    const { env } = context;
    const expand = (word: string) => this.expand(word, env, line, 'this instruction');
    switch (command.kind) {
      case 'env':
        for (const pair of command.pairs) env.set(expand(pair.key), expand(pair.value));
        return;
      case 'arg':
        if (!this.modern) {
          // v0.8.3 ArgCommand.Expand expands every name and default first, whatever overrides them,
          // with the variables from before this ARG; dispatchArg then sets them.
          const expanded = command.pairs.map((pair) => ({ key: expand(pair.key), value: pair.value === undefined ? undefined : expand(pair.value) }));
          for (const { key, value: fallback } of expanded) {
            let value = Object.hasOwn(this.buildArgs, key) ? this.buildArgs[key] : fallback;
            if (value === undefined && this.metaKeys.has(key)) value = this.globals.get(key);
            if (value !== undefined) env.set(key, value);
          }
          return;
        }
        for (const pair of command.pairs) {
          if (!this.modern) continue;
          // v0.34.2 dispatchArg: a build arg wins, else the default expanded, else the global value.
          let value: string | undefined;
          if (Object.hasOwn(this.buildArgs, pair.key)) value = this.buildArgs[pair.key];
          else if (pair.value !== undefined) value = expand(pair.value);
          else value = this.globals.get(pair.key);
          if (value !== undefined) env.set(pair.key, value);
        }
        return;
      case 'expand':
        for (const word of command.words) expand(word);
        return;
      case 'stopsignal': {
        // dispatchStopSignal (v0.8.3, v0.34.2): signal.ParseSignal on the expanded value.
        const signal = expand(command.signal);
        if (!isValidSignal(signal)) this.reject('DY020', line, `Invalid signal: ${signal}`, 'Name a signal such as SIGTERM.');
        return;
      }
      case 'workdir': {
        const path = expand(command.path);
        context.workdir = path.startsWith('/') ? normalizePath(path) : normalizePath(`${context.workdir}/${path}`);
        return;
      }
      case 'copy':
        return this.dispatchCopy(state, entry, command, expand);
      case 'run':
        return this.dispatchRun(state, entry, command, context);
      default:
    }
  }

  private dispatchCopy(state: DispatchState, entry: StageCommand, command: Extract<Command, { kind: 'copy' }>, expand: (word: string) => string): void {
    const { line } = entry;
    const chown = command.chown === undefined ? '' : expand(command.chown);
    const chmod = command.chmod === undefined ? '' : expand(command.chmod);
    const checksum = command.checksum === undefined ? '' : expand(command.checksum);
    const sources = command.sources.map(expand);
    expand(command.dest);
    const source = entry.sources[0];
    if (this.modern && source && !source.dispatched) {
      this.reject('DY020', line, `cannot copy from stage "${command.from ?? ''}", it needs to be defined before current stage`, 'Copy only from stages defined above this one.');
    }
    if (this.modern && chown !== '' && command.link && /[^0-9:]/.test(chown)) {
      this.reject('DY020', line, `--chown=${chown}: user and group names can't be resolved when used with --link`, 'Use a numeric uid[:gid].');
    }
    if (chmod !== '') {
      if (this.modern) this.checkChmod(chmod, line);
      else if (this.fileOpDisabled()) this.reject('DY020', line, 'chmod is not supported', 'Remove `--chmod`.');
      // v0.8.3 dispatchCopyFileOp ignores a --chmod that is not octal.
    }
    if (this.modern && checksum !== '') {
      if (!command.add) this.reject('DY020', line, "checksum can't be specified for COPY", 'Remove `--checksum`.');
      if (sources.length !== 1) this.reject('DY020', line, "checksum can't be specified for multiple sources", 'Use one source.');
      if (!isHttpSource(sources[0] ?? '') && !isGitSource(sources[0] ?? '')) this.reject('DY020', line, 'checksum requires HTTP(S) or Git sources', 'Use `--checksum` with a URL.');
    }
    if (!command.add && !source) {
      for (const path of sources) {
        if (isHttpSource(path)) this.reject('DY020', line, "source can't be a URL for COPY", 'Use ADD for URLs.');
      }
    }
    void state;
  }

  /** v0.8.3 useFileOp: the BUILDKIT_DISABLE_FILEOP build arg turns file operations off. */
  private fileOpDisabled(): boolean {
    const value = this.buildArgs['BUILDKIT_DISABLE_FILEOP'];
    return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
  }

  /** convert_copy.go (v0.34.2): octal up to 07777 or a symbolic mode; v0.8.3: octal only. */
  private checkChmod(chmod: string, line: number): void {
    const fail = () => this.reject('DY020', line, `invalid chmod parameter: '${chmod}'. it should be octal string and between 0 and 07777`, 'Write an octal mode such as 0755.');
    if (/^[0-7]+$/.test(chmod)) {
      if (parseInt(chmod, 8) > 0o7777) fail();
      return;
    }
    if (!this.modern || /^[+-]?[0-9]/.test(chmod) || !/^[ugoa]*[-+=][rwxXst]*(,[ugoa]*[-+=][rwxXst]*)*$/.test(chmod)) fail();
  }

  private dispatchRun(state: DispatchState, entry: StageCommand, command: Extract<Command, { kind: 'run' }>, context: { env: Map<string, string>; workdir: string }): void {
    const { line } = entry;
    // `RUN []` runs nothing: llb.ExecOp refuses to marshal it (both versions).
    if (command.empty) this.reject('DY020', line, 'arguments are required', 'Give RUN a command.');
    command.mounts.forEach((value, i) => {
      let mount;
      try {
        mount = this.modern ? parseMount(value, this.frontend, (word) => this.expand(word, context.env, line, '`--mount`')) : (command.parsed[i] ?? parseMount(value, this.frontend, undefined));
      } catch (error) {
        if (!(error instanceof BuildkitRefusal)) throw error;
        return this.reject('DY020', line, error.message, 'Fix the `--mount` value.');
      }
      const from = mount.from === '' && mount.type === 'cache' ? 'scratch' : mount.from;
      const source = entry.sources[i];
      if (from !== '') {
        if (this.modern && source && !source.dispatched) {
          this.reject('DY020', line, `cannot mount from stage "${mount.from}" to "${mount.target}", stage needs to be defined before current command`, 'Mount only from stages defined above this one.');
        }
        if (!this.modern && (!source || (source.stage && !source.dispatched))) {
          // v0.8.3 reads the state of a source it never set up: a nil-pointer panic.
          this.reject('DY020', line, `--mount from=${mount.from} has no state to mount`, 'Mount only from stages defined above this one.');
        }
      }
      if (mount.type === 'secret') return;
      if (mount.type === 'ssh') {
        if (mount.source !== '') this.reject('DY020', line, 'ssh does not support source', 'Remove `source` from the ssh mount.');
        return;
      }
      let target = mount.target;
      if (!normalizePath(mount.target).startsWith('/')) target = normalizePath(`/${context.workdir}/${mount.target}`);
      if (target === '/') this.reject('DY020', line, `invalid mount target "${target}"`, 'Give the mount a `target` other than `/`.');
    });
    void state;
  }

  /**
   * epoch.go resolveSourceDateEpochValue (v0.34.2): a SOURCE_DATE_EPOCH that is not a Unix time
   * must name a stage that is only `FROM scratch`, ARGs and one remote ADD.
   */
  private checkSourceDateEpoch(): void {
    const key = 'SOURCE_DATE_EPOCH';
    const value = Object.hasOwn(this.buildArgs, key) ? (this.buildArgs[key] ?? '') : (this.globals.get(key) ?? '');
    if (value === '' || /^[+-]?[0-9]+$/.test(value) && Math.abs(Number(value)) < 2 ** 63 || value === 'context') return;
    const fail = (reason: string, line = 1): never => this.reject('DY020', line, reason, 'Set SOURCE_DATE_EPOCH to a Unix time or to a stage that only ADDs one remote source.');
    const stage = this.model.stages.find((candidate) => candidate.name !== undefined && candidate.name.toLowerCase() === value.toLowerCase());
    if (!stage) return fail(`invalid SOURCE_DATE_EPOCH: ${value}`);
    let env = new Map(this.globals);
    env.delete(key);
    const base = processWord(stage.written, env, this.lex);
    if (!base.ok) return fail(`failed to process source stage base name ${JSON.stringify(stage.written)}: ${base.error}`, stage.line);
    if (base.value !== 'scratch') return fail('SOURCE_DATE_EPOCH stage must use FROM scratch', stage.line);
    let added = false;
    for (const { command } of this.stageCommands[stage.index] ?? []) {
      if (command.kind === 'arg') {
        env = new Map(env);
        for (const pair of command.pairs) {
          if (Object.hasOwn(this.buildArgs, pair.key)) env.set(pair.key, this.buildArgs[pair.key] ?? '');
          else if (pair.value !== undefined) env.set(pair.key, this.expand(pair.value, env, stage.line, 'this ARG'));
        }
      } else if (command.kind === 'copy' && command.add) {
        if (added) fail('SOURCE_DATE_EPOCH stage must contain exactly one remote ADD', stage.line);
        added = true;
        if (command.contents !== 0 || command.sources.length !== 1) fail('SOURCE_DATE_EPOCH stage must contain exactly one remote ADD source', stage.line);
        const source = this.expand(command.sources[0] ?? '', env, stage.line, 'this ADD');
        if (isHttpSource(source)) {
          if (command.checksum !== undefined && command.checksum !== '') {
            const checksum = this.expand(command.checksum, env, stage.line, '`--checksum`');
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
  private globalArgs(): Map<string, string> {
    const target = this.model.stages.at(-1)?.name ?? '';
    const env = new Map<string, string>();
    const has = (key: string) => Object.hasOwn(this.buildArgs, key);
    for (const [key, value] of predefinedArgs(this.frontend)) env.set(key, has(key) ? (this.buildArgs[key] ?? '') : value);
    if (this.frontend !== 'buildkit-0.8') env.set('TARGETSTAGE', has('TARGETSTAGE') ? (this.buildArgs['TARGETSTAGE'] ?? '') : target || 'default');
    for (const arg of this.args) {
      if (has(arg.key)) {
        env.set(arg.key, this.buildArgs[arg.key] ?? '');
        continue;
      }
      if (arg.value === undefined) {
        // v0.8.3 metaArgsToMap: a global ARG without a value is set, to the empty string.
        if (this.frontend === 'buildkit-0.8') env.set(arg.key, '');
        continue;
      }
      const processed = processWord(arg.value, env, this.lex);
      if (!processed.ok) {
        // v0.8.3 ignores the error and keeps what ProcessWordWithMap returns then: nothing. v0.34.2 refuses the file.
        if (this.frontend === 'buildkit-0.8') env.set(arg.key, '');
        else this.reject('DY020', arg.line, processed.error, 'Fix the variable expansion in this ARG.');
        continue;
      }
      env.set(arg.key, processed.value);
    }
    return env;
  }
}

/** linter.ParseLintOptions (v0.34.2): why BuildKit refuses a `# check=` value, if it does. */
function lintOptionsError(value: string): string | undefined {
  const text = trimSpace(value);
  if (text === '') return undefined;
  const parts = text.split(';');
  const limited = parts.length > 3 ? [...parts.slice(0, 2), parts.slice(2).join(';')] : parts;
  for (const part of limited) {
    const equals = part.indexOf('=');
    if (equals === -1) return `invalid check option ${JSON.stringify(part)}`;
    const key = trimSpace(part.slice(0, equals));
    if (key === 'skip' || key === 'experimental') continue;
    if (key !== 'error') return `invalid check option ${JSON.stringify(key)}`;
    const flag = trimSpace(part.slice(equals + 1));
    if (!['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(flag)) {
      return `failed to parse check option ${JSON.stringify(part)}`;
    }
  }
  return undefined;
}

/** strconv.Atoi: an optionally signed decimal that fits in 64 bits. */
function goAtoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return Math.abs(value) < 2 ** 63 ? value : undefined;
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

function isHttpSource(path: string): boolean {
  return path.startsWith('http://') || path.startsWith('https://');
}

function isGitSource(path: string): boolean {
  return path.startsWith('git@') || path.startsWith('git://') || /^[a-z]+:\/\/.*\.git(#.*)?$/.test(path);
}
