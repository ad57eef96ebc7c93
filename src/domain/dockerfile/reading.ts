import { splitInstructions, type RawInstruction } from './split-instructions.ts';
import { processWord, type LexOptions } from './shell-lexer.ts';
import type { DockerfileFrontend } from './frontend.ts';
import type { ImageReference } from './image-reference.ts';
import type { KeptStrings } from './own-string.ts';
import { BuildkitRefusal, instructionNode, parseCommand, type Command } from './buildkit-instructions.ts';
import type { DockerfileModel, ImageSource, ImageUse, Stage } from './dockerfile-model.ts';

export const knownInstructions = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

// What a command reads from until toCommand looks: nothing (most commands never read from a state).
const noSources: readonly (DispatchState | undefined)[] = Object.freeze([]);

/** Thrown to end a reading once BuildKit has refused the file. */
export class Stop extends Error {}

/** A command of a stage with the states it reads from (dockerfile2llb `command`). */
export interface StageCommand {
  command: Command;
  line: number;
  /** COPY --from: one state; RUN: one per mount (undefined where v0.8.3 has none). */
  sources: readonly (DispatchState | undefined)[];
  /** The stage's ONBUILD triggers' instruction text (only for `onbuild` commands). */
  trigger?: { text: string; heredocs?: { name: string; content: string }[] };
}

/** dockerfile2llb dispatchState: a stage, or an image only COPY --from / RUN --mount names. */
export interface DispatchState {
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

export function noStages(model: DockerfileModel): void {
  model.problems.push({
    rule: 'DY011',
    line: 1,
    message: 'This Dockerfile has no FROM instruction, so it builds nothing. Start it with `FROM <approved parent>`.',
    rejected: true,
  });
}

export function rejectWith(model: DockerfileModel, rule: string, line: number, reason: string, advice: string): void {
  model.problems.push({ rule, line, message: `BuildKit rejects this Dockerfile: ${reason}. ${advice}`, rejected: true });
}

/**
 * One pass over the instructions, as instructions.Parse and then dockerfile2llb see them. The
 * dockerfile2llb steps are functions of it (dispatch-states.ts, stage-graph.ts, dispatch-commands.ts,
 * global-args.ts); read-dockerfile.ts runs them in order.
 */
export class Reading {
  /** The images the default target pulls, as parsed references (formatted only when asked for). */
  readonly pulls: ImageReference[] = [];
  readonly args: { key: string; value: string | undefined; line: number }[] = [];
  readonly stageCommands: StageCommand[][] = [];
  readonly platforms: (string | undefined)[] = [];
  readonly frontend: DockerfileFrontend;
  readonly modern: boolean;
  readonly model: DockerfileModel;
  private readonly escape: string;
  readonly lex: LexOptions;
  /** What the model keeps is copied out of the file's text (shared with other readings), so the text itself is not kept alive. */
  readonly strings: KeptStrings;
  readonly buildArgs: Readonly<Record<string, string>>;
  states: DispatchState[] = [];
  readonly statesByName = new Map<string, DispatchState>();
  globals = new Map<string, string>();
  /** Names declared by ARG before the first FROM. */
  readonly metaKeys = new Set<string>();

  constructor(model: DockerfileModel, escape: string, buildArgs: Readonly<Record<string, string>>, strings: KeptStrings) {
    this.strings = strings;
    this.model = model;
    this.escape = escape;
    this.lex = { escape, frontend: model.frontend };
    this.buildArgs = buildArgs;
    this.frontend = model.frontend;
    this.modern = model.frontend !== 'buildkit-0.8';
  }

  reject(rule: string, line: number, reason: string, advice: string): never {
    rejectWith(this.model, rule, line, reason, advice);
    throw new Stop();
  }

  /** instructions.Parse: one instruction, typed and checked; FROM starts a stage. */
  readInstruction(raw: RawInstruction): void {
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

  parseTrigger(entry: StageCommand): Command {
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

  expand(word: string, env: ReadonlyMap<string, string>, line: number, what: string): string {
    const processed = processWord(word, env, this.lex);
    if (!processed.ok) return this.reject('DY020', line, processed.error, `Fix the variable expansion in ${what}.`);
    return processed.value;
  }
}
