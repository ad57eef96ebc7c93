import { readFileSync } from 'node:fs';

/** A stream the CLI writes to; `isTTY` when it is a terminal. */
export type OutputStream = Pick<NodeJS.WritableStream, 'write'> & { isTTY?: boolean };

/**
 * Whether to colour what goes to `stream`, by the conventions terminals share: `FORCE_COLOR` (any value
 * but `0` or `false`) turns colour on, else `NO_COLOR` (any non-empty value, https://no-color.org) turns it
 * off, else colour only on a terminal that is not `TERM=dumb`.
 */
export function wantsColor(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (force === '0' || force === 'false') return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

/**
 * Progress for long runs, on stderr and only on a terminal, so piped output and CI logs stay clean:
 * each step replaces the previous one on the same line, and `done` clears it.
 */
export function progress(stream: OutputStream): { step(text: string): void; done(): void } {
  if (stream.isTTY !== true) return { step: () => undefined, done: () => undefined };
  let shown = false;
  return {
    step(text) {
      stream.write(`\r\u001b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}

/** Dockyard's version, from its package.json. */
export function dockyardVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}
