/**
 * The BuildKit oracle: a binary built from BuildKit's own `frontend/dockerfile` packages
 * (test/tools/buildkit-oracle) that reads Dockerfiles exactly as that BuildKit release does. One
 * process per frontend reads JSON lines on stdin and answers one JSON line per file, in order.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { DockerfileFrontend } from '../../src/domain/dockerfile/frontend.ts';

export interface OracleInput {
  id: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
}

/** What BuildKit makes of one file. When `rejected`, only `error` is meaningful. */
export interface OracleReading {
  directives: { escape: string; syntax: string | null; check: string | null };
  stages: { name: string | null; base: string; platform: string | null }[];
  sources: { stage: number; via: 'copy' | 'mount'; from: string }[];
  /** Normalized references the default target pulls, sorted, unique. */
  resolved: string[];
  rejected: boolean;
}

export interface OracleResult extends OracleReading {
  id: string;
  error?: string;
}

export interface OracleSetup {
  frontend: DockerfileFrontend;
  /** The oracle binary. */
  binary: string;
  /** The BuildKit Go module it is built from, whose test files the suite reads. */
  moduleDir: string;
}

const state = process.env['DOCKYARD_CI_STATE'] || '/tmp/dockyard-ci';
const envFile = path.join(state, 'oracle.env');
const howTo =
  `Build the oracles with "bash scripts/ci/make-buildkit-oracle.sh" (needs Go); it writes ${envFile}.`;

const variables: Record<DockerfileFrontend, { binary: string; module: string }> = {
  'buildkit-0.8': { binary: 'DOCKYARD_ORACLE_BUILDKIT_0_8', module: 'DOCKYARD_BUILDKIT_MODULE_0_8' },
  'buildkit-0.34': { binary: 'DOCKYARD_ORACLE_BUILDKIT_0_34', module: 'DOCKYARD_BUILDKIT_MODULE_0_34' },
};

/**
 * Where the oracle for a frontend is: the process environment first, then oracle.env. Throws with
 * how to build it when it is missing: the suite never passes without BuildKit's answer.
 */
export function oracleSetup(frontend: DockerfileFrontend): OracleSetup {
  const names = variables[frontend];
  const file = existsSync(envFile) ? readEnvFile(envFile) : {};
  const value = (name: string) => process.env[name] || file[name] || '';
  const binary = value(names.binary);
  const moduleDir = value(names.module);
  const where = existsSync(envFile) ? `in ${envFile} or the environment` : `(${envFile} is missing)`;
  if (!binary) throw new Error(`No BuildKit oracle for ${frontend}: ${names.binary} is not set ${where}. ${howTo}`);
  if (!isExecutableFile(binary)) throw new Error(`The ${frontend} oracle ${binary} (${names.binary}) is not an executable file. ${howTo}`);
  if (!moduleDir) throw new Error(`${names.module} is not set ${where}. ${howTo}`);
  if (!existsSync(path.join(moduleDir, 'frontend', 'dockerfile', 'parser'))) {
    throw new Error(`${moduleDir} (${names.module}) is not a BuildKit module: it has no frontend/dockerfile/parser. ${howTo}`);
  }
  return { frontend, binary, moduleDir };
}

/** Reads every input with one oracle process and returns its answers in input order. */
export async function runOracle(binary: string, inputs: readonly OracleInput[]): Promise<OracleResult[]> {
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  // The head of stderr says why a Go program died; a goroutine dump after it can run to megabytes.
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 4096) stderr = (stderr + chunk).slice(0, 4096);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const results: OracleResult[] = [];
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  const collected = (async () => {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      try {
        results.push(JSON.parse(line) as OracleResult);
      } catch {
        throw new Error(`The BuildKit oracle ${binary} printed a line that is not JSON: ${line.slice(0, 200)}`);
      }
    }
  })();
  let closed = false;
  child.once('close', () => {
    closed = true;
    child.stdin.emit('drain');
  });
  const written = (async () => {
    for (const input of inputs) {
      if (closed) break;
      if (!child.stdin.write(`${JSON.stringify(input)}\n`)) await new Promise((resolve) => child.stdin.once('drain', resolve));
    }
    child.stdin.end();
  })();
  child.stdin.on('error', () => undefined); // a dead oracle is reported below, with its stderr
  let outcome: { code: number | null; signal: NodeJS.Signals | null };
  try {
    [outcome] = await Promise.all([exited, written, collected]);
  } catch (error) {
    child.kill();
    throw error;
  }
  const { code, signal } = outcome;
  const tail = stderr.trim() ? `; its stderr begins:\n${stderr.trim()}` : '';
  if (code !== 0) {
    const input = inputs[results.length];
    const culprit = input ? `; the first file it did not answer is ${input.id} (buildArgs ${JSON.stringify(input.buildArgs)}): ${JSON.stringify(input.dockerfile)}` : '';
    throw new Error(`The BuildKit oracle ${binary} exited with ${signal ?? `code ${code}`} after ${results.length} of ${inputs.length} answers${culprit}${tail}`);
  }
  if (results.length !== inputs.length) throw new Error(`The BuildKit oracle ${binary} answered ${results.length} of ${inputs.length} files${tail}`);
  results.forEach((result, index) => {
    const expected = inputs[index]?.id;
    if (result.id !== expected) throw new Error(`The BuildKit oracle ${binary} answered ${result.id} where ${expected} was due: answers are out of order`);
  });
  return results;
}

function readEnvFile(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] === undefined) continue;
    values[match[1]] = (match[2] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return values;
}

function isExecutableFile(file: string): boolean {
  try {
    return statSync(file).isFile() && (statSync(file).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
