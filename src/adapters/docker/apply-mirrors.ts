import { expandWord } from '../../domain/dockerfile/expand-words.ts';
import { parseImageReference, type ImageReference } from '../../domain/dockerfile/image-reference.ts';
import {
  applyEdits,
  locateInstructions,
  replaceWord,
  sliceWord,
  type SourceWord,
  type TextEdit,
} from './instruction-words.ts';
import type { Mirror } from './types.ts';

// BuildKit predefines these in the global scope, as `readDockerfile` assumes too.
const platformArgs: [string, string][] = [
  ['BUILDPLATFORM', 'linux/amd64'], ['BUILDOS', 'linux'], ['BUILDARCH', 'amd64'], ['BUILDVARIANT', ''],
  ['TARGETPLATFORM', 'linux/amd64'], ['TARGETOS', 'linux'], ['TARGETARCH', 'amd64'], ['TARGETVARIANT', ''],
];

// Stands in for a build arg's value while tracing whether a reference depends on one.
const buildArgMark = '\u0000';
const syntaxDirective = /^(#\s*syntax\s*=\s*)(\S+?)(\s*)$/i;

/**
 * Rewrites the image references a Dockerfile pulls (`# syntax=`, FROM, `COPY --from`,
 * `RUN --mount=from=`) whose registry a mirror serves to `<to>/<repository>[:tag][@digest]`.
 * Stage names, `scratch` and references built from the given build args (how Dockyard names catalog
 * images) are left alone; every other byte of the file stays as it was, so line numbers still match.
 */
export function applyMirrors(
  text: string,
  mirrors: readonly Mirror[],
  buildArgs: Readonly<Record<string, string>>,
): string {
  if (mirrors.length === 0) return text;
  const { escape, instructions } = locateInstructions(text);
  const state: MirrorState = {
    mirrors,
    escape,
    values: new Map(platformArgs),
    traced: new Map(platformArgs),
    stages: [],
    edits: syntaxEdits(text, mirrors),
  };

  for (const { keyword, words } of instructions) {
    if (keyword === 'ARG' && state.stages.length === 0) {
      declareGlobalArgs(words, buildArgs, state);
    } else if (keyword === 'FROM') {
      const [image, as, name] = words.filter((word) => !word.text.startsWith('--'));
      if (image) mirrorWord(image, state);
      state.stages.push(as?.text.toLowerCase() === 'as' && name ? name.text.toLowerCase() : '');
    } else if ((keyword === 'COPY' || keyword === 'ADD') && state.stages.length > 0) {
      for (const word of leadingFlags(words)) {
        if (!/^--from=/i.test(word.text)) continue;
        const from = sliceWord(word, '--from='.length);
        // `--from=0` names an earlier stage by index.
        if (!/^\d+$/.test(from.text)) mirrorWord(from, state);
      }
    } else if (keyword === 'RUN' && state.stages.length > 0) {
      for (const word of leadingFlags(words)) {
        if (/^--mount=/i.test(word.text)) mirrorMountFrom(sliceWord(word, '--mount='.length), state);
      }
    }
  }
  return applyEdits(text, state.edits);
}

interface MirrorState {
  mirrors: readonly Mirror[];
  escape: string;
  /** Global ARG values, as the engine will see them. */
  values: Map<string, string | undefined>;
  /** The same, with every value that came from a build arg replaced by a mark. */
  traced: Map<string, string | undefined>;
  /** Stage names so far, lower-cased; `''` for an unnamed stage. */
  stages: string[];
  edits: TextEdit[];
}

function declareGlobalArgs(
  words: SourceWord[],
  buildArgs: Readonly<Record<string, string>>,
  state: MirrorState,
): void {
  for (const { text } of words) {
    const equals = text.indexOf('=');
    const name = equals === -1 ? text : text.slice(0, equals);
    const fallback = equals === -1 ? undefined : text.slice(equals + 1);
    if (Object.hasOwn(buildArgs, name)) {
      state.values.set(name, buildArgs[name]);
      state.traced.set(name, buildArgMark);
    } else {
      state.values.set(name, fallback === undefined ? undefined : expandWord(fallback, state.values, state.escape).value);
      state.traced.set(name, fallback === undefined ? undefined : expandWord(fallback, state.traced, state.escape).value);
    }
  }
}

function leadingFlags(words: SourceWord[]): SourceWord[] {
  const end = words.findIndex((word) => !word.text.startsWith('--'));
  return end === -1 ? words : words.slice(0, end);
}

/** `RUN --mount=type=cache,from=<image>,…`: mirrors the `from` value only. */
function mirrorMountFrom(spec: SourceWord, state: MirrorState): void {
  let start = 0;
  for (const part of spec.text.split(',')) {
    const equals = part.indexOf('=');
    if (equals !== -1 && part.slice(0, equals).trim().toLowerCase() === 'from') {
      mirrorWord(sliceWord(spec, start + equals + 1, start + part.length), state);
    }
    start += part.length + 1;
  }
}

function mirrorWord(word: SourceWord, state: MirrorState): void {
  const traced = expandWord(word.text, state.traced, state.escape);
  if (traced.value.includes(buildArgMark)) return;
  const expansion = expandWord(word.text, state.values, state.escape);
  if (expansion.undeclared.length > 0 || expansion.empty.length > 0) return;
  const lower = expansion.value.toLowerCase();
  if (lower === 'scratch' || state.stages.includes(lower)) return;
  const mirrored = mirrorReference(expansion.value, state.mirrors);
  if (mirrored !== undefined) state.edits.push(...replaceWord(word, mirrored));
}

/** The mirrored form of an image reference, or undefined when no mirror serves its registry. */
export function mirrorReference(text: string, mirrors: readonly Mirror[]): string | undefined {
  const reference = parseImageReference(text);
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

/** The `# syntax=<image>` parser directive names the BuildKit frontend image, pulled like a parent. */
function syntaxEdits(text: string, mirrors: readonly Mirror[]): TextEdit[] {
  let start = 0;
  for (const line of text.split('\n')) {
    const content = line.endsWith('\r') ? line.slice(0, -1) : line;
    const match = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=/.exec(content);
    if (!match) return [];
    const syntax = syntaxDirective.exec(content);
    const image = syntax?.[2];
    if (syntax && image) {
      const mirrored = mirrorReference(image, mirrors);
      if (mirrored === undefined) return [];
      const from = start + (syntax[1] ?? '').length;
      return [{ start: from, end: from + image.length, text: mirrored }];
    }
    start += line.length + 1;
  }
  return [];
}
