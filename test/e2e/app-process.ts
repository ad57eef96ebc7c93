import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** A log record of the app (LOG_FORMAT=json: pino's lines). */
export type LogRecord = Record<string, unknown> & { level?: number; msg?: string };

/** The app as a process: `node src/start.ts`, as README "Running the app" starts it. */
export interface AppProcess {
  /** Where the app listens, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Where GitHub delivers webhooks. */
  webhookUrl: string;
  readonly pid: number;
  /** The environment it runs with (PATH and HOME added). */
  env: Record<string, string>;
  /** Every line the app printed, all its runs. */
  lines: string[];
  logs(): LogRecord[];
  /** Resident memory of the process now, from /proc/<pid>/status (VmRSS), in KiB. */
  residentKiB(): number;
  /** SIGKILL, no goodbye: what a crash or an OOM kill does. */
  kill(): Promise<void>;
  /** Starts the app again with the same environment and state. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * Starts the app with exactly `env` (plus PATH and HOME) and waits until it answers `GET /ping`. Fails
 * with its output when it exits or does not answer within `timeoutMs`.
 */
export async function startApp(env: Record<string, string>, timeoutMs = 60_000): Promise<AppProcess> {
  const port = Number(env['PORT'] ?? (await freePort()));
  const url = `http://127.0.0.1:${port}`;
  const fullEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/root',
    ...(process.env['DOCKER_HOST'] ? { DOCKER_HOST: process.env['DOCKER_HOST'] } : {}),
    HOST: '127.0.0.1',
    PORT: String(port),
    ...env,
  };
  const lines: string[] = [];
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    const started = spawn(process.execPath, [path.resolve('src/start.ts')], { cwd: process.cwd(), env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let pending = '';
    const collect = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
    };
    started.stdout?.on('data', collect);
    started.stderr?.on('data', collect);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (started.exitCode !== null || started.signalCode !== null) break;
      const ok = await fetch(`${url}/ping`).then((response) => response.ok, () => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    started.kill('SIGKILL');
    throw new Error(`the app did not answer ${url}/ping (exit ${started.exitCode ?? started.signalCode ?? 'none'}):\n${lines.slice(-30).join('\n')}`);
  }

  async function end(signal: NodeJS.Signals): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    await exited;
  }

  await launch();
  return {
    url,
    webhookUrl: `${url}${env['WEBHOOK_PATH'] ?? '/api/github/webhooks'}`,
    get pid() {
      return child?.pid ?? -1;
    },
    env: fullEnv,
    lines,
    logs: () =>
      lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as LogRecord];
        } catch {
          return [];
        }
      }),
    residentKiB() {
      const status = readFileSync(`/proc/${child?.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
    },
    kill: () => end('SIGKILL'),
    restart: launch,
    stop: () => end('SIGTERM').then(() => end('SIGKILL')),
  };
}
