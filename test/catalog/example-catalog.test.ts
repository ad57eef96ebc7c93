import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runHadolint } from '../../src/adapters/hadolint/run-hadolint.ts';
import { imageMetadataFile, imageMetadataSchema, type ImageMetadata } from '../../src/config/image-metadata-schema.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';

// The bundled catalog is the seed story every newcomer reads first: it must lint clean, carry its
// metadata, and follow the parent naming convention the app relies on.
const repo = path.resolve('.');
const imageNames = (await readdir(path.join(repo, 'images'), { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function dockerfile(name: string): Promise<string> {
  return readFile(path.join(repo, 'images', name, 'Dockerfile'), 'utf8');
}

async function metadata(name: string): Promise<ImageMetadata> {
  const text = await readFile(path.join(repo, 'images', name, imageMetadataFile), 'utf8');
  const parsed = imageMetadataSchema.safeParse(parse(text));
  if (!parsed.success) throw new Error(`images/${name}/${imageMetadataFile}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

describe('the example catalog', () => {
  it('holds the seed story base → python → boto3', () => {
    expect(imageNames).toEqual(['base', 'boto3', 'python']);
  });

  it("is hadolint-clean with the repository's .hadolint.yaml", async () => {
    const result = await runHadolint({
      cwd: repo,
      files: imageNames.map((name) => `images/${name}/Dockerfile`),
      configFile: '.hadolint.yaml',
      binary: hadolintBinary(),
    });

    expect(result).toEqual({ status: 'ok', findings: [], version: expect.any(String) });
  });

  // The schema makes every field optional; the example shows them all, so each must be there.
  it.each(imageNames)('%s has a valid image.yml with description, label and owners', async (name) => {
    expect(await metadata(name)).toEqual({
      description: expect.stringMatching(/\S/),
      label: name,
      owners: expect.arrayContaining([expect.stringMatching(/^@/)]),
    });
  });

  it('ships a .github/dockyard.yml the app accepts, with the prefix the children use', async () => {
    const file = '.github/dockyard.yml';
    const config = parseConfig(await readFile(path.join(repo, file), 'utf8'), file);

    expect(config).toMatchObject({
      catalog: 'images',
      prefix: 'jenkins-agents',
      parents: { approved: [{ pattern: 'docker.io/jenkins/inbound-agent', requireDigest: true }] },
      lint: { failureThreshold: 'warning' },
    });
  });

  it('pins the upstream parent of base by tag and digest', async () => {
    expect(await dockerfile('base')).toMatch(
      /^FROM docker\.io\/jenkins\/inbound-agent:[\w.-]+@sha256:[0-9a-f]{64}$/m,
    );
  });

  it.each([
    ['python', 'base'],
    ['boto3', 'python'],
  ])('%s names its catalog parent %s through the REGISTRY build arg', async (name, parent) => {
    const froms = (await dockerfile(name)).split('\n').filter((line) => /^(ARG|FROM)\s/.test(line));

    expect(froms).toEqual(['ARG REGISTRY=registry.example.com', `FROM \${REGISTRY}/jenkins-agents/${parent}`]);
  });

  it.each(imageNames)('%s ends as the unprivileged jenkins user', async (name) => {
    const users = (await dockerfile(name)).split('\n').filter((line) => line.startsWith('USER '));

    expect(users.at(-1)).toBe('USER jenkins');
  });
});
