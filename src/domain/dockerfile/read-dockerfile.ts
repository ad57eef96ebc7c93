import { readDirectives } from './directives.ts';
import { splitInstructions, trimSpace, type RawInstruction } from './split-instructions.ts';
import { defaultFrontend, type DockerfileFrontend } from './frontend.ts';
import { parseNormalizedNamed } from './image-reference.ts';
import { KeptStrings, ownString } from './own-string.ts';
import { recordPulls } from './resolved-images.ts';
import { parseWords } from './buildkit-instructions.ts';
import type { AddLine, DockerfileModel, ImageSource } from './dockerfile-model.ts';
import { noStages, Reading, rejectWith, Stop, type DispatchState } from './reading.ts';
import { buildDependencies, buildStates } from './dispatch-states.ts';
import { allReachableStages, checkCycles, checkEndlessReachability, checkReferences, initOnBuildTriggers } from './stage-graph.ts';
import { dispatchStages } from './dispatch-commands.ts';
import { checkSourceDateEpoch, globalArgs } from './global-args.ts';
import { parseGoBool } from './go-value-parsers.ts';

export { parseWords };
export type { AddLine, Directives, DockerfileModel, ImageSource, ImageUse, ReadProblem, Stage } from './dockerfile-model.ts';
export { knownInstructions } from './reading.ts';

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
    read(reading, split.instructions);
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

/** instructions.Parse over every instruction, then the checks dockerfile2llb makes while converting, in its order. */
function read(reading: Reading, instructions: readonly RawInstruction[]): void {
  for (const instruction of instructions) reading.readInstruction(instruction);
  if (reading.model.stages.length === 0) {
    noStages(reading.model);
    throw new Stop();
  }
  reading.globals = globalArgs(reading);
  if (reading.modern) checkSourceDateEpoch(reading);
  buildStates(reading);
  buildDependencies(reading);
  checkCycles(reading);
  const target = reading.states[reading.model.stages.length - 1] as DispatchState;
  if (!reading.modern) checkEndlessReachability(reading, target);
  checkReferences(reading);
  let reachable = allReachableStages(target);
  if (reading.modern) reachable = initOnBuildTriggers(reading, target, reachable);
  dispatchStages(reading, reachable);
  for (const state of reading.states) {
    if (!reachable.has(state) || state.base || state.baseName === 'scratch') continue;
    // A stage's base was parsed from the same text already.
    const source = state.stage?.source;
    if (source?.kind === 'image' && source.text === state.baseName) {
      reading.pulls.push(source.reference);
      continue;
    }
    const parsed = parseNormalizedNamed(state.baseName, reading.frontend);
    if (parsed.ok) reading.pulls.push(parsed.reference);
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
    if (parseGoBool(flag) === undefined) {
      return `failed to parse check option ${JSON.stringify(part)}`;
    }
  }
  return undefined;
}
