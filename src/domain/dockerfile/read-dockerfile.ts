import { expandWord, splitWords, type Variables } from './expand-words.ts';
import { defaultFrontend, type DockerfileFrontend } from './frontend.ts';
import { parseImageReference, type ImageReference } from './image-reference.ts';
import { splitInstructions, type RawInstruction } from './split-instructions.ts';

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
  source: ImageSource;
}

/** An image pulled by something other than FROM: `COPY --from=<image>` or `RUN --mount=from=<image>`. */
export interface ImageUse {
  line: number;
  stage: number;
  via: 'COPY --from' | 'RUN --mount';
  written: string;
  source: ImageSource;
}

/** A problem with the Dockerfile itself, found while reading it. */
export interface ReadProblem {
  rule: string;
  line: number;
  message: string;
}

/** Parser directives at the top of the file, as the frontend reads them. */
export interface Directives {
  escape: string;
  /** `# syntax=<image>`: the frontend image BuildKit would pull and hand the build to. */
  syntax?: { image: string; line: number };
  /** `# check=…` (frontends that have it), as written. */
  check?: string;
}

export interface DockerfileModel {
  /** The frontend whose rules this reading follows. */
  frontend: DockerfileFrontend;
  directives: Directives;
  stages: Stage[];
  uses: ImageUse[];
  problems: ReadProblem[];
}

export const knownInstructions = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

// BuildKit predefines these in the global scope (docs: "Automatic platform ARGs in the global scope").
const platformArgs: [string, string][] = [
  ['BUILDPLATFORM', 'linux/amd64'], ['BUILDOS', 'linux'], ['BUILDARCH', 'amd64'], ['BUILDVARIANT', ''],
  ['TARGETPLATFORM', 'linux/amd64'], ['TARGETOS', 'linux'], ['TARGETARCH', 'amd64'], ['TARGETVARIANT', ''],
];

/** Options for reading: build args Dockyard passes, which override ARG defaults before FROM. */
export interface ReadOptions {
  buildArgs?: Readonly<Record<string, string>>;
  /** Which frontend's rules to read by; `defaultFrontend` when absent. */
  frontend?: DockerfileFrontend;
}

/**
 * Reads a Dockerfile's stages and the images it builds on. Pure: it never throws on bad input;
 * what it cannot make sense of becomes a problem with a line number.
 */
export function readDockerfile(text: string, options: ReadOptions = {}): DockerfileModel {
  const { escape, instructions } = splitInstructions(text);
  const model: DockerfileModel = {
    frontend: options.frontend ?? defaultFrontend,
    directives: readDirectives(text, escape),
    stages: [],
    uses: [],
    problems: [],
  };
  const globals = new Map<string, string | undefined>(platformArgs);
  const buildArgs = options.buildArgs ?? {};

  for (const instruction of instructions) {
    const { keyword, line } = instruction;
    if (!knownInstructions.has(keyword)) {
      model.problems.push({
        rule: 'DY012',
        line,
        message: `Unknown instruction \`${keyword}\`: Docker refuses to build this file. Valid instructions are ${[...knownInstructions].join(', ')}.`,
      });
    } else if (keyword === 'FROM') {
      readFrom(instruction, escape, globals, model);
    } else if (model.stages.length === 0 && keyword === 'ARG') {
      declareGlobalArgs(instruction.args, escape, globals, buildArgs);
    } else if (model.stages.length === 0) {
      model.problems.push({
        rule: 'DY013',
        line,
        message: `\`${keyword}\` comes before the first FROM; only ARG may. Move it below a FROM line.`,
      });
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      readCopyFrom(instruction, escape, globals, model);
    } else if (keyword === 'RUN') {
      readRunMounts(instruction, escape, globals, model);
    }
  }
  if (model.stages.length === 0 && model.problems.every((problem) => problem.rule !== 'DY010')) {
    model.problems.push({
      rule: 'DY011',
      line: 1,
      message: 'This Dockerfile has no FROM instruction, so it builds nothing. Start it with `FROM <approved parent>`.',
    });
  }
  return model;
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

function declareGlobalArgs(
  args: string,
  escape: string,
  globals: Map<string, string | undefined>,
  buildArgs: Readonly<Record<string, string>>,
): void {
  for (const word of splitWords(args, escape)) {
    const equals = word.indexOf('=');
    const name = equals === -1 ? word : word.slice(0, equals);
    const given = Object.hasOwn(buildArgs, name) ? buildArgs[name] : undefined;
    const fallback = equals === -1 ? undefined : expandWord(word.slice(equals + 1), globals, escape).value;
    globals.set(name, given ?? fallback);
  }
}

function readFrom(
  instruction: RawInstruction,
  escape: string,
  globals: Variables,
  model: DockerfileModel,
): void {
  const { line } = instruction;
  const words = splitWords(instruction.args, escape).filter((word) => !word.startsWith('--'));
  const written = words[0];
  if (written === undefined) {
    model.problems.push({ rule: 'DY011', line, message: 'FROM names no image. Write `FROM <image>`.' });
    return;
  }
  let name: string | undefined;
  if (words.length === 3 && words[1]?.toLowerCase() === 'as') {
    name = words[2]?.toLowerCase();
  } else if (words.length !== 1) {
    model.problems.push({
      rule: 'DY011',
      line,
      message: `FROM takes one image and an optional \`AS <name>\`; found \`${instruction.args}\`.`,
    });
  }
  const source = resolveSource(written, line, escape, globals, model, model.stages.length);
  const stage: Stage = { index: model.stages.length, line, written, source };
  if (name !== undefined) stage.name = name;
  model.stages.push(stage);
}

function readCopyFrom(instruction: RawInstruction, escape: string, globals: Variables, model: DockerfileModel): void {
  // Only leading `--flags` matter; most COPY lines have none, so skip splitting their arguments.
  if (!instruction.args.startsWith('--')) return;
  for (const word of splitWords(instruction.args, escape)) {
    if (!word.startsWith('--')) break;
    const match = /^--from=(.+)$/i.exec(word);
    if (match?.[1]) addUse(match[1], 'COPY --from', instruction.line, escape, globals, model);
  }
}

function readRunMounts(instruction: RawInstruction, escape: string, globals: Variables, model: DockerfileModel): void {
  if (!instruction.args.startsWith('--')) return;
  for (const word of splitWords(instruction.args, escape)) {
    if (!word.startsWith('--')) break;
    const mount = /^--mount=(.+)$/i.exec(word)?.[1];
    if (!mount) continue;
    const option = mount
      .split(',')
      .map((part) => part.split('='))
      .find(([key]) => key?.trim().toLowerCase() === 'from');
    const from = option?.slice(1).join('=').trim();
    if (from) addUse(from, 'RUN --mount', instruction.line, escape, globals, model);
  }
}

function addUse(
  written: string,
  via: ImageUse['via'],
  line: number,
  escape: string,
  globals: Variables,
  model: DockerfileModel,
): void {
  const stage = model.stages.length - 1;
  // `--from=0` names a stage by index.
  const byIndex = /^\d+$/.test(written) ? Number(written) : undefined;
  const source: ImageSource =
    byIndex !== undefined && byIndex < stage
      ? { kind: 'stage', stage: byIndex }
      : resolveSource(written, line, escape, globals, model, stage);
  model.uses.push({ line, stage, via, written, source });
}

function resolveSource(
  written: string,
  line: number,
  escape: string,
  globals: Variables,
  model: DockerfileModel,
  before: number,
): ImageSource {
  const expansion = expandWord(written, globals, escape);
  for (const name of expansion.undeclared) {
    model.problems.push({
      rule: 'DY014',
      line,
      message: `\`${written}\` uses \`${name}\`, which is not declared: Docker would expand it to nothing. Declare \`ARG ${name}=<default>\` above the first FROM.`,
    });
  }
  for (const name of expansion.empty) {
    model.problems.push({
      rule: 'DY014',
      line,
      message: `\`${written}\` uses \`ARG ${name}\`, which has no default and is not a build arg Dockyard passes, so it expands to nothing. Give it a default: \`ARG ${name}=<value>\`.`,
    });
  }
  const text = expansion.value;
  const lower = text.toLowerCase();
  const stage = model.stages.findIndex((candidate, index) => index < before && candidate.name === lower);
  if (stage !== -1) return { kind: 'stage', stage };
  if (lower === 'scratch') return { kind: 'scratch' };
  const reference = parseImageReference(text);
  if (reference) return { kind: 'image', reference, text };
  if (expansion.undeclared.length === 0 && expansion.empty.length === 0) {
    model.problems.push({
      rule: 'DY015',
      line,
      message: `\`${text}\` is not a valid image reference. Write \`[registry/]name[:tag][@sha256:digest]\` in lower case.`,
    });
  }
  return { kind: 'invalid', text };
}

/** `# syntax=` as the frontend detects it: among the leading directive lines, the first word of its value. */
function readDirectives(text: string, escape: string): Directives {
  const directives: Directives = { escape };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const match = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(lines[index] ?? '');
    if (!match) break;
    const name = match[1]?.toLowerCase();
    const value = match[2] ?? '';
    if (name === 'syntax') directives.syntax = { image: value.split(' ')[0] ?? value, line: index + 1 };
    else if (name === 'check') directives.check = value;
  }
  return directives;
}
