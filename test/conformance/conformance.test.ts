import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.ts';
import { catalogBuildArgs } from '../../src/domain/catalog/catalog-reference.ts';
import { dockerfileFrontends, type DockerfileFrontend } from '../../src/domain/dockerfile/frontend.ts';
import { buildkitCorpus } from './buildkit-corpus.ts';
import { compareWithBuildkit, describeComparison, type Comparison } from './compare-with-buildkit.ts';
import { generateDockerfiles } from './generate-dockerfiles.ts';
import { oracleSetup, type OracleInput } from './oracle.ts';

// Dockyard's reader decides which parent images the policy sees; BuildKit decides which it pulls.
// Any file they read differently is a way past the policy, so the suite demands zero differences,
// on BuildKit's own corpus, on the catalog and on adversarial files from a fixed seed.
const seed = 20_251_130;
const generatedCount = 20_000;
const frontends = Object.keys(dockerfileFrontends) as DockerfileFrontend[];

let generated: ReturnType<typeof generateDockerfiles> | undefined;
const generatedFiles = () => (generated ??= generateDockerfiles(seed, generatedCount));

function catalogInputs(): OracleInput[] {
  const repo = path.resolve('.');
  const configFile = '.github/dockyard.yml';
  const buildArgs = catalogBuildArgs(parseConfig(readFileSync(path.join(repo, configFile), 'utf8'), configFile));
  return readdirSync(path.join(repo, 'images'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `images/${entry.name}/Dockerfile`)
    .map((file) => ({ id: file, dockerfile: readFileSync(path.join(repo, file), 'utf8'), buildArgs }));
}

function expectAgreement(comparison: Comparison, corpus: string): void {
  expect(comparison.disagreeing.length, describeComparison(comparison, { corpus })).toBe(0);
}

describe.each(frontends)('Dockyard reads Dockerfiles exactly as BuildKit does (%s)', (frontend) => {
  it("on BuildKit's own corpus: parser test files, the module's Dockerfiles, Go test and doc examples", async () => {
    const { binary, moduleDir } = oracleSetup(frontend);
    const corpus = buildkitCorpus(moduleDir);
    const cases = [...corpus.parserTestFiles, ...corpus.others];

    const comparison = await compareWithBuildkit(frontend, binary, cases);

    expect(corpus.parserTestFiles.length).toBeGreaterThanOrEqual(35);
    expect(cases.length - comparison.rejectedByBuildkit).toBeGreaterThanOrEqual(100);
    expectAgreement(comparison, `BuildKit's corpus in ${moduleDir}`);
  });

  it('on the bundled catalog, with the build args Dockyard passes', async () => {
    const { binary } = oracleSetup(frontend);
    const cases = catalogInputs();

    const comparison = await compareWithBuildkit(frontend, binary, cases);

    expect(cases.map((input) => input.id)).toEqual(['images/base/Dockerfile', 'images/boto3/Dockerfile', 'images/python/Dockerfile']);
    expect(comparison.rejectedByBuildkit).toBe(0);
    expectAgreement(comparison, 'images/*/Dockerfile');
  });

  it(`on ${generatedCount.toLocaleString('en-US')} generated adversarial files (seed ${seed})`, { timeout: 60_000 }, async () => {
    const { binary } = oracleSetup(frontend);

    const comparison = await compareWithBuildkit(frontend, binary, generatedFiles());

    // Refused files are compared on the verdict alone; enough must be accepted for the rest to count.
    expect(generatedCount - comparison.rejectedByBuildkit).toBeGreaterThanOrEqual(2_500);
    expectAgreement(comparison, `generated files, seed ${seed} (scripts/conformance-fuzz --seed ${seed} --count ${generatedCount} reruns them)`);
  });
});
