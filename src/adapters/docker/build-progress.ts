import type { Readable } from 'node:stream';
import { classifyAddSource, refuseAddSource, type AddHostPattern } from '../../domain/policy/check-add-sources.ts';
import { decodeBuildkitStatus } from './buildkit-status.ts';
import { addSourcesOfVertex, imageOfVertex } from './vertex-images.ts';

/** How many lines of build output a result keeps. */
const logTailLength = 20;

/** What a build's progress stream said, read to its end or to the first unexpected image. */
export interface BuildOutcome {
  imageId?: string;
  /** Set when any event reported an error, even if the stream then ended normally. */
  failure?: { step?: string; message: string };
  /** Every image BuildKit resolved or pulled, as it names them, in the order it named them. */
  resolvedImages: string[];
  /** The first resolved image that was not expected; reading stopped right there. */
  unexpectedImage?: string;
  /** The first ADD source on a host not approved, and why; reading stopped right there. */
  unapprovedSource?: { source: string; reason: string };
  /** Set when the build printed more than allowed; reading stopped there. */
  outputExceeded?: number;
  /** Set when the stream broke off because `signal` aborted; the rest is what was read until then. */
  interrupted?: true;
  logTail: string[];
}

export interface FollowOptions {
  /** Judge every ADD source BuildKit fetches against these hosts (none: not judged). */
  addHosts?: readonly AddHostPattern[];
  /** Stop reading (and so cancel the build) after this many bytes of progress. */
  maxOutputBytes?: number;
  /** The build's signal: a stream broken by its abort ends the reading with `interrupted`. */
  signal?: AbortSignal;
}

/** One JSON object of the build API's progress stream (`application/json`, one per line). */
interface BuildEvent {
  id?: string;
  stream?: string;
  status?: string;
  progressDetail?: unknown;
  aux?: unknown;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reads a BuildKit build's progress stream to its end and says how the build ended, or stops at the
 * first image BuildKit resolves that is not in `expectedImages` (names as `buildkitImageName` gives
 * them), at the first ADD source on a host `options.addHosts` does not approve, or past
 * `options.maxOutputBytes`. The caller then destroys the stream, which makes the engine cancel the build.
 */
export async function followBuild(stream: Readable, expectedImages: ReadonlySet<string>, options: FollowOptions = {}): Promise<BuildOutcome> {
  const tracker = new BuildkitTracker(expectedImages, options.addHosts);
  const counter = { bytes: 0 };
  const limit = options.maxOutputBytes ?? Number.POSITIVE_INFINITY;
  try {
    for await (const event of readEvents(stream, counter)) {
      tracker.handle(event);
      if (tracker.unexpectedImage !== undefined || tracker.unapprovedSource !== undefined) break;
      if (counter.bytes > limit) {
        tracker.outputExceeded = counter.bytes;
        break;
      }
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error;
    tracker.interrupted = true;
  }
  return tracker.outcome();
}

async function* readEvents(stream: Readable, counter: { bytes: number }): AsyncGenerator<BuildEvent> {
  let pending = '';
  for await (const chunk of stream) {
    counter.bytes += (chunk as Buffer | string).length;
    pending += String(chunk);
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    yield* parseLines(lines);
  }
  yield* parseLines([pending]);
}

function* parseLines(lines: string[]): Generator<BuildEvent> {
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as BuildEvent;
    } catch {
      // The engine only writes JSON here; keep anything else as output rather than lose it.
      yield { stream: `${line}\n` };
    }
  }
}

class LogTail {
  readonly lines: string[] = [];

  add(text: string, prefix = ''): void {
    for (const line of text.split('\n')) {
      const trimmed = line.replace(/\r$/, '').trimEnd();
      if (trimmed === '') continue;
      this.lines.push(prefix + trimmed);
      if (this.lines.length > logTailLength) this.lines.shift();
    }
  }
}

function errorMessage(event: BuildEvent): string | undefined {
  const message = event.errorDetail?.message ?? event.error;
  return event.errorDetail !== undefined || event.error !== undefined ? (message ?? 'the build failed') : undefined;
}

/** BuildKit: `moby.buildkit.trace` status protobufs, `moby.image.id`, and `{errorDetail}`. */
class BuildkitTracker {
  private readonly log = new LogTail();
  private readonly resolved = new Set<string>();
  unexpectedImage: string | undefined;
  unapprovedSource: { source: string; reason: string } | undefined;
  outputExceeded: number | undefined;
  interrupted = false;
  private readonly judgedSources = new Set<string>();
  private readonly announced = new Set<string>();
  private readonly names = new Map<string, string>();
  /** Output not yet ended by a newline, per step. */
  private readonly partial = new Map<string, string>();
  private imageId: string | undefined;
  private stepError: { step: string; message: string } | undefined;
  private streamError: string | undefined;

  private readonly expectedImages: ReadonlySet<string>;
  private readonly addHosts: readonly AddHostPattern[] | undefined;

  constructor(expectedImages: ReadonlySet<string>, addHosts?: readonly AddHostPattern[]) {
    this.expectedImages = expectedImages;
    this.addHosts = addHosts;
  }

  handle(event: BuildEvent): void {
    if (event.id === 'moby.buildkit.trace' && typeof event.aux === 'string') {
      this.handleStatus(event.aux);
    } else if (event.id === 'moby.image.id') {
      const id = (event.aux as { ID?: unknown } | undefined)?.ID;
      if (typeof id === 'string') this.imageId = id;
    } else if (typeof event.stream === 'string') {
      this.log.add(event.stream);
    }
    const message = errorMessage(event);
    if (message !== undefined && this.streamError === undefined) {
      this.streamError = message;
      this.log.add(`ERROR: ${message}`);
    }
  }

  outcome(): BuildOutcome {
    for (const [vertex, text] of this.partial) this.log.add(text, this.prefix(vertex));
    this.partial.clear();
    const outcome: BuildOutcome = { resolvedImages: [...this.resolved], logTail: this.log.lines };
    if (this.unexpectedImage !== undefined) outcome.unexpectedImage = this.unexpectedImage;
    if (this.unapprovedSource !== undefined) outcome.unapprovedSource = this.unapprovedSource;
    if (this.outputExceeded !== undefined) outcome.outputExceeded = this.outputExceeded;
    if (this.interrupted) outcome.interrupted = true;
    if (this.imageId !== undefined) outcome.imageId = this.imageId;
    if (this.streamError !== undefined || this.stepError) {
      const message = this.streamError ?? this.stepError?.message ?? 'the build failed';
      outcome.failure = this.stepError ? { step: this.stepError.step, message } : { message };
    }
    return outcome;
  }

  private handleStatus(aux: string): void {
    const status = decodeBuildkitStatus(aux);
    for (const vertex of status.vertexes) {
      if (vertex.name !== '') this.names.set(vertex.digest, vertex.name);
      const image = imageOfVertex(vertex.name);
      if (image !== undefined && !this.resolved.has(image)) {
        this.resolved.add(image);
        // Checked the first time BuildKit names the image: it lists a stage's source ops before any
        // of them starts, and resolves a base image's config before the steps that build on it.
        if (!this.expectedImages.has(image)) {
          this.unexpectedImage = image;
          this.log.add(`ERROR: ${vertex.name}: not an image the policy approved`);
          return;
        }
      }
      if (this.judgeSources(vertex.name)) return;
      if (vertex.started && !this.announced.has(vertex.digest)) {
        this.announced.add(vertex.digest);
        this.log.add(vertex.name);
      }
      // Steps cancelled because another one failed report `context canceled`; the first real error counts.
      if (vertex.error !== '' && !this.stepError && !/context canceled/i.test(vertex.error)) {
        this.stepError = { step: vertex.name, message: vertex.error };
        this.log.add(`ERROR: ${vertex.name}: ${vertex.error}`);
      }
    }
    for (const log of status.logs) {
      const text = (this.partial.get(log.vertex) ?? '') + log.msg.toString('utf8');
      const end = text.lastIndexOf('\n');
      this.partial.set(log.vertex, text.slice(end + 1));
      if (end !== -1) this.log.add(text.slice(0, end), this.prefix(log.vertex));
    }
  }

  /** True when the vertex fetches an ADD source from a host not approved (then recorded and logged). */
  private judgeSources(name: string): boolean {
    if (this.addHosts === undefined || this.judgedSources.has(name)) return false;
    this.judgedSources.add(name);
    for (const source of addSourcesOfVertex(name)) {
      const reason = refuseAddSource(classifyAddSource(source), this.addHosts);
      if (reason !== undefined) {
        this.unapprovedSource = { source, reason };
        this.log.add(`ERROR: ${name}: not a source the policy approved`);
        return true;
      }
    }
    return false;
  }

  private prefix(vertex: string): string {
    const name = this.names.get(vertex);
    const step = name === undefined ? undefined : /^\[[^\]]+\]/.exec(name)?.[0];
    return step === undefined ? '' : `${step} `;
  }
}
