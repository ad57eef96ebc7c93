import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { toolProcess } from '../process/tool-process.ts';
import { readTrivyDatabase, type DatabaseCheck } from './trivy-database.ts';
import { describeTrivyFailure, installTrivy } from './trivy-failure.ts';
import { parseTrivyReport } from './trivy-report.ts';
import type { ScanRequest, ScanResult } from './types.ts';

export interface TrivyOptions {
  /** trivy executable; defaults to env DOCKYARD_TRIVY, then `trivy` on PATH. */
  binary?: string;
  /** Trivy's cache dir, writable; holds the vulnerability DB in `db/`. */
  cacheDir: string;
  /** OCI repository mirroring the vulnerability DB (e.g. `<registry>/trivy-db:2`), for online updates. */
  dbRepository?: string;
  /** OCI repository mirroring the Java DB (`<registry>/trivy-java-db:1`), for images with Java archives. */
  javaDbRepository?: string;
  /** Use the pre-seeded DBs as they are: no downloads, no lookups on the network. */
  offline: boolean;
  /** Limit for the whole scan. */
  timeoutMs: number;
  /** Docker engine holding the image, as in DOCKER_HOST (`unix:///var/run/docker.sock`, `tcp://…`); a socket path works too. */
  dockerHost?: string;
}

// Trivy's own deadline comes after Dockyard's, so a slow scan always ends with Dockyard's clearer message.
const trivyDeadlineMarginMs = 10_000;

// Only what reaching the Docker engine and a DB mirror needs. Everything else stays out: TRIVY_* variables
// would change flags, and HOME holds Docker CLI config; each scan must depend on its options alone.
const forwardedEnv = [
  'PATH',
  'DOCKER_HOST',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/**
 * Scans an image in the Docker engine with the Trivy binary. Every way the scan can fail (no binary, no
 * or unusable DB, timeout, crash, unreadable report) comes back as `unavailable` with what to do; only
 * an aborted `request.signal` rejects, with the signal's reason.
 */
export async function scanImage(request: ScanRequest, options: TrivyOptions): Promise<ScanResult> {
  request.signal?.throwIfAborted();
  const binary = resolveBinary(options.binary ?? (process.env['DOCKYARD_TRIVY'] || 'trivy'));
  const cacheDir = path.resolve(options.cacheDir);
  const timeoutMs = Math.max(1, Math.round(options.timeoutMs));

  // Offline, Trivy runs with whatever DB it finds and says nothing when it is stale; check it first.
  let database: DatabaseCheck | undefined;
  if (options.offline) {
    database = await readTrivyDatabase(cacheDir, new Date());
    if (database.status === 'unavailable') return database;
  }

  let workDir: string;
  try {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'dockyard-trivy-'));
  } catch (error) {
    return { status: 'unavailable', reason: `Dockyard could not make a temporary directory for Trivy: ${String(error)}` };
  }
  try {
    const dockerHost = options.dockerHost === undefined ? undefined : dockerHostUrl(options.dockerHost);
    const args = [
      'image',
      '--format', 'json',
      '--scanners', 'vuln',
      '--quiet',
      '--list-all-pkgs=false',
      '--cache-dir', cacheDir,
      // No layer cache next to the DB: it would grow without bound and be shared by concurrent scans.
      '--cache-backend', 'memory',
      '--image-src', 'docker',
      '--skip-version-check',
      '--disable-telemetry',
      '--timeout', `${timeoutMs + trivyDeadlineMarginMs}ms`,
    ];
    if (dockerHost !== undefined) args.push('--docker-host', dockerHost);
    if (options.offline) {
      args.push('--skip-db-update', '--skip-java-db-update', '--offline-scan');
    } else {
      if (options.dbRepository !== undefined) args.push('--db-repository', options.dbRepository);
      if (options.javaDbRepository !== undefined) args.push('--java-db-repository', options.javaDbRepository);
    }
    if (request.ignoreUnfixed) args.push('--ignore-unfixed');
    if (request.ignoreFile === undefined) {
      // An empty name turns off Trivy's default of reading .trivyignore from the working directory.
      args.push('--ignorefile', '');
    } else {
      // Not named *.yaml: Trivy picks the ignore-file format by extension, and this is the line format.
      const ignoreFile = path.join(workDir, '.trivyignore');
      try {
        await writeFile(ignoreFile, request.ignoreFile, { mode: 0o600 });
      } catch (error) {
        return { status: 'unavailable', reason: `Dockyard could not write the ignore file for Trivy: ${String(error)}` };
      }
      // Waived findings stay in the report, marked, so that the comment can list them as waived.
      args.push('--ignorefile', ignoreFile, '--show-suppressed');
    }
    // `--` so that an image name can never be read as a flag.
    args.push('--', request.image);

    const result = await execa(binary, args, {
      cwd: workDir,
      extendEnv: false,
      env: cleanEnv(workDir, dockerHost !== undefined),
      timeout: timeoutMs,
      ...(request.signal === undefined ? {} : { cancelSignal: request.signal }),
      forceKillAfterDelay: 5_000,
      reject: false,
      stdin: 'ignore',
    });
    if (result.isCanceled && request.signal?.aborted) throw request.signal.reason;

    const failure = describeTrivyFailure(
      toolProcess(result),
      { binary, image: request.image, timeoutMs, cacheDir, offline: options.offline, dockerHost },
    );
    if (failure !== undefined) return { status: 'unavailable', reason: failure };
    const report = parseTrivyReport(result.stdout);
    if (!report.ok) {
      return { status: 'unavailable', reason: `Trivy (${binary}) printed a report Dockyard cannot read (${report.error}); ${installTrivy}` };
    }
    // Online, Trivy may just have replaced the DB: describe the one it used.
    database ??= await readTrivyDatabase(cacheDir, new Date());
    if (database.status === 'unavailable') return database;
    return { status: 'ok', vulnerabilities: report.vulnerabilities, database: database.database };
  } finally {
    // A leftover temp dir must not turn a finished scan into an error.
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

// HOME and TMPDIR point into the scan's own directory: Trivy finds no user config there, and whatever it
// leaves behind (the exported image, if killed mid-scan) is removed with the directory.
function cleanEnv(workDir: string, dockerHostGiven: boolean): Record<string, string> {
  const env: Record<string, string> = { HOME: workDir, TMPDIR: workDir, XDG_CONFIG_HOME: workDir, XDG_CACHE_HOME: workDir };
  for (const name of forwardedEnv) {
    if (dockerHostGiven && name === 'DOCKER_HOST') continue;
    const value = process.env[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return env;
}

// Trivy's --docker-host wants a URL; a bare path fails with "unable to parse docker host".
function dockerHostUrl(host: string): string {
  return host.startsWith('/') ? `unix://${host}` : host;
}

// A relative binary means relative to where Dockyard was started, not to the scan's working directory.
function resolveBinary(binary: string): string {
  return binary.includes('/') || binary.includes('\\') ? path.resolve(binary) : binary;
}
