import type { DockerfileFrontend } from '../../domain/dockerfile/frontend.ts';
import { parseImageReference, type ImageReference } from '../../domain/dockerfile/image-reference.ts';
import { readDockerfile, type DockerfileModel, type ImageSource } from '../../domain/dockerfile/read-dockerfile.ts';
import { splitInstructions } from '../../domain/dockerfile/split-instructions.ts';
import {
  applyEdits,
  lineStartsOf,
  locateInstruction,
  replaceText,
  slice,
  type LocatedInstruction,
  type SourceText,
  type TextEdit,
} from './instruction-words.ts';
import type { Mirror } from './types.ts';

/**
 * Rewrites the image references a Dockerfile pulls (`# syntax=`, FROM, `COPY --from`,
 * `RUN --mount=from=`) whose registry a mirror serves to `<to>/<repository>[:tag][@digest]`.
 *
 * The file is read by the domain's reader with the rules of `frontend` (the frontend that builds
 * it, whose reading the policy judged): continuation lines, heredoc bodies, parser directives, the
 * escape character, ARG expansion and which names are stages are all its decisions. A reference
 * that comes from a build arg (how Dockyard names catalog images) is the caller's and is left alone;
 * so are stage names and `scratch`. Only the reference's own characters change, so every line keeps
 * its number. The result is read again and must differ from the original reading in exactly the
 * rewritten references; when it does not, the text is returned unchanged (BuildKit then resolves
 * the upstream names, which the build's check of resolved images refuses).
 */
export function applyMirrors(
  text: string,
  mirrors: readonly Mirror[],
  buildArgs: Readonly<Record<string, string>>,
  frontend: DockerfileFrontend,
): string {
  if (mirrors.length === 0) return text;
  const model = readDockerfile(text, { buildArgs, frontend });
  if (model.problems.some((problem) => problem.rejected)) return text; // BuildKit refuses it: nothing is pulled
  const split = splitInstructions(text, frontend);
  if (split.error) return text;
  const fromBuildArgs = dependsOnBuildArgs(text, buildArgs, frontend, model);
  const lineStarts = lineStartsOf(text);
  const located = new Map<number, LocatedInstruction | undefined>();
  const at = (line: number, keyword: string): LocatedInstruction | undefined => {
    if (!located.has(line)) {
      const instruction = split.instructions.find((each) => each.line === line);
      located.set(line, instruction && locateInstruction(text, lineStarts, instruction, split.escape, frontend));
    }
    const found = located.get(line);
    return found?.instruction.keyword === keyword ? found : undefined;
  };

  const edits: TextEdit[] = [];
  const expected = { syntax: model.directives.syntax?.image, bases: model.stages.map((stage) => stage.base), uses: model.uses.map((use) => use.from) };
  const mirror = (source: SourceText | undefined, reference: string): string | undefined => {
    const mirrored = mirrorReference(reference, mirrors, frontend);
    if (mirrored === undefined || source === undefined) return undefined;
    edits.push(...replaceText(source, mirrored));
    return mirrored;
  };

  const syntax = model.directives.syntax;
  if (syntax) {
    const mirrored = mirror(syntaxImage(text, lineStarts, syntax.line, syntax.image), syntax.image);
    if (mirrored !== undefined) expected.syntax = mirrored;
  }

  model.stages.forEach((stage, index) => {
    if (!isImage(stage.source) || fromBuildArgs.has(index)) return;
    const word = at(stage.line, 'FROM')?.firstArgument;
    if (word?.text !== stage.written) return;
    const mirrored = mirror(word, stage.base);
    if (mirrored !== undefined) expected.bases[index] = mirrored;
  });

  // COPY --from and RUN --mount from= values are never expanded: the use is the text as written.
  const usesByLine = new Map<number, number[]>();
  model.uses.forEach((use, index) => {
    if (use.onbuild) return;
    usesByLine.set(use.line, [...(usesByLine.get(use.line) ?? []), index]);
  });
  for (const [line, indexes] of usesByLine) {
    const first = model.uses[indexes[0] ?? -1];
    const keyword = first?.via === 'COPY --from' ? 'COPY' : 'RUN';
    const instruction = at(line, keyword);
    if (!instruction) continue;
    const values = keyword === 'COPY' ? copyFrom(instruction) : mountFroms(instruction);
    if (values.length !== indexes.length) continue;
    indexes.forEach((useIndex, i) => {
      const use = model.uses[useIndex];
      const value = values[i];
      if (!use || !isImage(use.source) || value?.text !== use.from) return;
      const mirrored = mirror(value, use.from);
      if (mirrored !== undefined) expected.uses[useIndex] = mirrored;
    });
  }

  if (edits.length === 0) return text;
  const result = applyEdits(text, edits);
  return readsAsExpected(result, text, buildArgs, frontend, model, expected) ? result : text;
}

function isImage(source: ImageSource): boolean {
  return source.kind === 'image';
}

/**
 * The stages whose base comes from a build arg: read once more with every build arg set to a mark,
 * a stage whose base changes (or that the second reading never reaches) depends on one.
 */
function dependsOnBuildArgs(
  text: string,
  buildArgs: Readonly<Record<string, string>>,
  frontend: DockerfileFrontend,
  model: DockerfileModel,
): Set<number> {
  const names = Object.keys(buildArgs);
  if (names.length === 0) return new Set();
  const marked = Object.fromEntries(names.map((name, index) => [name, `dockyard-build-arg-${index}-mark`]));
  const other = readDockerfile(text, { buildArgs: marked, frontend });
  const depending = new Set<number>();
  model.stages.forEach((stage, index) => {
    if (other.stages[index]?.base !== stage.base) depending.add(index);
  });
  return depending;
}

/** `--from=<value>` of a COPY or ADD, as located; empty when it has none. */
function copyFrom(instruction: LocatedInstruction): SourceText[] {
  const flag = instruction.flags.filter((each) => each.text.startsWith('--from=')).at(-1);
  return flag ? [slice(flag, '--from='.length)] : [];
}

/**
 * The `from=` of each `--mount` that has one, in order. Only unquoted CSV is located (a quoted
 * field is rare and left as written); for a field given twice the last counts (parseMount).
 */
function mountFroms(instruction: LocatedInstruction): SourceText[] {
  const values: SourceText[] = [];
  for (const flag of instruction.flags) {
    if (!flag.text.startsWith('--mount=')) continue;
    const spec = slice(flag, '--mount='.length);
    let from: SourceText | undefined;
    let start = 0;
    for (const field of spec.text.split(',')) {
      const equals = field.indexOf('=');
      if (equals !== -1 && field.slice(0, equals).toLowerCase() === 'from') from = slice(spec, start + equals + 1, start + field.length);
      start += field.length + 1;
    }
    if (spec.text.includes('"')) {
      if (from) return []; // not located: the caller leaves the instruction alone
      continue;
    }
    if (from && from.text !== '') values.push(from);
  }
  return values;
}

/** The image of a `# syntax=` directive on `line` (1-based), where the frontend found it. */
function syntaxImage(text: string, lineStarts: readonly number[], line: number, image: string): SourceText | undefined {
  const start = lineStarts[line - 1];
  if (start === undefined || image === '') return undefined;
  const next = lineStarts[line];
  const content = text.slice(start, next === undefined ? text.length : next - 1);
  const equals = content.indexOf('=');
  if (equals === -1) return undefined;
  let at = equals + 1;
  while (at < content.length && /[\t\n\f\r ]/.test(content[at] ?? '')) at++;
  if (!content.startsWith(image, at)) return undefined;
  return { text: image, offsets: Array.from({ length: image.length }, (_, i) => start + at + i) };
}

/** Whether the rewritten file reads as the original with exactly the expected references changed. */
function readsAsExpected(
  result: string,
  original: string,
  buildArgs: Readonly<Record<string, string>>,
  frontend: DockerfileFrontend,
  before: DockerfileModel,
  expected: { syntax: string | undefined; bases: string[]; uses: string[] },
): boolean {
  if (result.split('\n').length !== original.split('\n').length) return false;
  const after = readDockerfile(result, { buildArgs, frontend });
  const same = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((value, i) => value === b[i]);
  const splitBefore = splitInstructions(original, frontend);
  const splitAfter = splitInstructions(result, frontend);
  return (
    after.directives.escape === before.directives.escape &&
    after.directives.syntax?.image === expected.syntax &&
    // A warning about a variable in a reference goes when the reference is written out; a refusal may not appear.
    !after.problems.some((problem) => problem.rejected) &&
    same(after.stages.map((stage) => stage.base), expected.bases) &&
    same(after.stages.map((stage) => `${stage.line}:${stage.name ?? ''}:${stage.platform ?? ''}:${stage.source.kind}`),
      before.stages.map((stage) => `${stage.line}:${stage.name ?? ''}:${stage.platform ?? ''}:${stage.source.kind}`)) &&
    same(after.uses.map((use) => use.from), expected.uses) &&
    same(after.uses.map((use) => `${use.line}:${use.via}:${use.stage}:${use.source.kind}`), before.uses.map((use) => `${use.line}:${use.via}:${use.stage}:${use.source.kind}`)) &&
    same(splitAfter.instructions.map((each) => `${each.keyword}:${each.line}:${each.endLine}`), splitBefore.instructions.map((each) => `${each.keyword}:${each.line}:${each.endLine}`)) &&
    same(splitAfter.instructions.map((each) => JSON.stringify(each.heredocs ?? [])), splitBefore.instructions.map((each) => JSON.stringify(each.heredocs ?? [])))
  );
}

/** The mirrored form of an image reference, or undefined when no mirror serves its registry. */
export function mirrorReference(text: string, mirrors: readonly Mirror[], frontend?: DockerfileFrontend): string | undefined {
  const reference = parseImageReference(text, frontend);
  if (!reference) return undefined;
  const mirror = mirrors.find((candidate) => normalizeRegistry(candidate.from) === reference.registry);
  return mirror ? formatMirrored(reference, mirror) : undefined;
}

function normalizeRegistry(registry: string): string {
  return registry === 'index.docker.io' ? 'docker.io' : registry;
}

function formatMirrored(reference: ImageReference, mirror: Mirror): string {
  return (
    `${mirror.to.replace(/\/+$/, '')}/${reference.repository}` +
    (reference.tag === undefined ? '' : `:${reference.tag}`) +
    (reference.digest === undefined ? '' : `@${reference.digest}`)
  );
}
