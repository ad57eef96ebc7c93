import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { copyOfCatalog, removeTempDirs, repoRoot, run } from './cli-fixtures.ts';

// ajv-draft-04 is CommonJS whose module.exports is the class itself.
const Ajv4 = createRequire(import.meta.url)('ajv-draft-04') as typeof Ajv;

beforeAll(() => {
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
});

afterEach(removeTempDirs);

/** A stream that says it is a terminal, as a developer's shell gives the CLI. */
function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream & { isTTY: boolean };
  stream.isTTY = true;
  return { stream, text: () => text };
}

/** A catalog whose python image has a bad parent (DY001) and a hadolint warning that fails (DL3008). */
async function failingCatalog(): Promise<string> {
  const dir = await copyOfCatalog();
  const file = path.join(dir, 'images/python/Dockerfile');
  await writeFile(file, `${(await readFile(file, 'utf8')).replace(/^FROM .*$/m, 'FROM ubuntu:22.04')}RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n`);
  return dir;
}

describe('dockyard --version', () => {
  it('prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

    expect(await run('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('colour and progress', () => {
  it('colours the outcome on a terminal, and not with NO_COLOR; FORCE_COLOR colours even a pipe', async () => {
    const dir = await failingCatalog();
    const coloured = terminal();
    const plain = terminal();

    expect(await main(['-C', dir, 'check'], coloured.stream, terminal().stream, {})).toBe(1);
    expect(await main(['-C', dir, 'check'], plain.stream, terminal().stream, { NO_COLOR: '1' })).toBe(1);
    const piped = await run('-C', dir, 'check');
    const forced = terminal();
    expect(await main(['-C', dir, 'check'], Object.assign(forced.stream, { isTTY: false }), terminal().stream, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(1);

    expect(coloured.text()).toContain('images/python/Dockerfile:6: \u001b[31mfails\u001b[0m DY001 (Dockyard error): ');
    expect(plain.text()).not.toContain('\u001b[');
    expect(plain.text()).toContain('images/python/Dockerfile:6: fails DY001 (Dockyard error): ');
    expect(piped.stdout).not.toContain('\u001b[');
    expect(forced.text()).toContain('\u001b[31mfails\u001b[0m');
  });

  it('shows progress on a terminal’s stderr and clears it, and none when stderr is a pipe', async () => {
    const dir = await copyOfCatalog();
    const err = terminal();

    expect(await main(['-C', dir, 'check'], terminal().stream, err.stream, {})).toBe(0);
    expect(err.text()).toContain('dockyard: reading the catalog in ');
    expect(err.text()).toContain('dockyard: checking 3 image folders (policy, then hadolint)…');
    expect(err.text().endsWith('\r\u001b[2K')).toBe(true);
    expect((await run('-C', dir, 'check')).stderr).toBe('');
  });
});

describe('dockyard check --format sarif', () => {
  beforeAll(() => {
    process.env['DOCKYARD_DOCS_URL'] = 'https://dockyard.example.com/docs';
  });
  const schema = JSON.parse(readFileSync(path.join(import.meta.dirname, 'sarif/sarif-schema-2.1.0.json'), 'utf8')) as object;

  it('is a SARIF 2.1.0 log the official schema accepts, with rules linking their pages and stable fingerprints', async () => {
    const dir = await failingCatalog();
    const result = await run('-C', dir, 'check', '--format', 'sarif');
    const log = JSON.parse(result.stdout) as {
      version: string;
      runs: { tool: { driver: { name: string; rules: { id: string; helpUri?: string }[] } }; results: { ruleId: string; level: string; partialFingerprints: Record<string, string>; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
    };
    const validate = new Ajv4({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

    expect(result.code).toBe(1);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const [sarifRun] = log.runs;
    expect(sarifRun?.tool.driver.name).toBe('Dockyard');
    expect(sarifRun?.tool.driver.rules.find((rule) => rule.id === 'DY001')?.helpUri).toBe('https://dockyard.example.com/docs/rules/DY001.md');
    expect(sarifRun?.tool.driver.rules.filter((rule) => /^DL\d{4}$/.test(rule.id)).every((rule) => rule.helpUri?.startsWith('https://github.com/hadolint/hadolint/wiki/DL'))).toBe(true);
    const dy001 = sarifRun?.results.find((each) => each.ruleId === 'DY001');
    expect(dy001).toMatchObject({ level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: 'images/python/Dockerfile' }, region: { startLine: 6 } } }] });

    // The same finding on another line keeps its fingerprint.
    const file = path.join(dir, 'images/python/Dockerfile');
    await writeFile(file, `# a comment that moves every line down\n${await readFile(file, 'utf8')}`);
    const moved = JSON.parse((await run('-C', dir, 'check', '--format', 'sarif')).stdout) as typeof log;
    const movedDy001 = moved.runs[0]?.results.find((each) => each.ruleId === 'DY001');
    expect(movedDy001?.locations[0]?.physicalLocation.region.startLine).toBe(7);
    expect(movedDy001?.partialFingerprints).toEqual(dy001?.partialFingerprints);
  });

  it('is an empty but valid log for a passing catalog', async () => {
    const result = await run('-C', await copyOfCatalog(), 'check', '--format', 'sarif');
    const validate = new Ajv4({ strict: false, validateFormats: false }).compile(schema);

    expect(result.code).toBe(0);
    expect(validate(JSON.parse(result.stdout))).toBe(true);
    expect((JSON.parse(result.stdout) as { runs: { results: unknown[] }[] }).runs[0]?.results).toEqual([]);
  });
});

describe('dockyard plan --format json', () => {
  it('gives the changed and affected images and the build order', async () => {
    const result = await run('-C', await copyOfCatalog(), 'plan', '--format', 'json');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      changed: ['base', 'boto3', 'python'],
      removed: [],
      affected: ['base', 'boto3', 'python'],
      plan: [['base'], ['python'], ['boto3']],
      cycles: [],
    });
  });
});
