import type { Readable } from 'node:stream';
import { decodeBuildkitStatus } from './buildkit-status.ts';
import type { BuilderKind } from './types.ts';

/** How many lines of build output a result keeps. */
const logTailLength = 20;

/** What a build's progress stream said, read to its end. */
export interface BuildOutcome {
  imageId?: string;
  /** Set when any event reported an error, even if the stream then ended normally. */
  failure?: { step?: string; message: string };
  logTail: string[];
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

/** Reads a build's whole progress stream and says how the build ended. */
export async function followBuild(stream: Readable, builder: BuilderKind): Promise<BuildOutcome> {
  const tracker = builder === 'buildkit' ? new BuildkitTracker() : new ClassicTracker();
  for await (const event of readEvents(stream)) tracker.handle(event);
  return tracker.outcome();
}

async function* readEvents(stream: Readable): AsyncGenerator<BuildEvent> {
  let pending = '';
  for await (const chunk of stream) {
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

/** The classic builder: `Step n/m : …` lines, `{aux: {ID}}`, `{error, errorDetail}`. */
class ClassicTracker {
  private readonly log = new LogTail();
  private step: string | undefined;
  private imageId: string | undefined;
  private failure: BuildOutcome['failure'];

  handle(event: BuildEvent): void {
    if (typeof event.stream === 'string') {
      this.log.add(event.stream);
      for (const line of event.stream.split('\n')) {
        const match = /^Step (\d+\/\d+) : (.*)$/.exec(line.trim());
        if (match) this.step = `[${match[1]}] ${match[2]}`;
      }
    }
    if (typeof event.status === 'string' && event.progressDetail === undefined) {
      this.log.add(event.id ? `${event.id}: ${event.status}` : event.status);
    }
    const id = (event.aux as { ID?: unknown } | undefined)?.ID;
    if (typeof id === 'string') this.imageId = id;
    const message = errorMessage(event);
    if (message !== undefined && !this.failure) {
      this.failure = this.step === undefined ? { message } : { step: this.step, message };
      this.log.add(`ERROR: ${message}`);
    }
  }

  outcome(): BuildOutcome {
    const outcome: BuildOutcome = { logTail: this.log.lines };
    if (this.imageId !== undefined) outcome.imageId = this.imageId;
    if (this.failure) outcome.failure = this.failure;
    return outcome;
  }
}

/** BuildKit: `moby.buildkit.trace` status protobufs, `moby.image.id`, and `{errorDetail}`. */
class BuildkitTracker {
  private readonly log = new LogTail();
  private readonly announced = new Set<string>();
  private readonly names = new Map<string, string>();
  /** Output not yet ended by a newline, per step. */
  private readonly partial = new Map<string, string>();
  private imageId: string | undefined;
  private stepError: { step: string; message: string } | undefined;
  private streamError: string | undefined;

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
    const outcome: BuildOutcome = { logTail: this.log.lines };
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

  private prefix(vertex: string): string {
    const name = this.names.get(vertex);
    const step = name === undefined ? undefined : /^\[[^\]]+\]/.exec(name)?.[0];
    return step === undefined ? '' : `${step} `;
  }
}
