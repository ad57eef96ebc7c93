import { describe, expect, it } from 'vitest';
import { featureClasses, generateDockerfile, generateDockerfiles } from './generate-dockerfiles.ts';

describe('generateDockerfiles', () => {
  it('writes the same files for the same seed, and other files for another seed', () => {
    const first = generateDockerfiles(7, 200);

    expect(generateDockerfiles(7, 200)).toEqual(first);
    expect(generateDockerfiles(8, 200).map((file) => file.dockerfile)).not.toEqual(first.map((file) => file.dockerfile));
  });

  it('regenerates any one file from the seed and its index', () => {
    expect(generateDockerfile(7, 123)).toEqual(generateDockerfiles(7, 124)[123]);
    expect(generateDockerfile(7, 123).id).toBe('gen-7-123');
  });

  it('covers every feature class many times in 20,000 files', () => {
    const counts = new Map<string, number>();
    for (const file of generateDockerfiles(1, 20_000)) {
      for (const feature of file.features) counts.set(feature, (counts.get(feature) ?? 0) + 1);
    }
    const rare = featureClasses.filter((feature) => (counts.get(feature) ?? 0) < 100);

    expect(rare).toEqual([]);
  });

  it('passes the catalog registry as a build arg and names the attacker image', () => {
    const files = generateDockerfiles(1, 1_000);

    expect(files.filter((file) => file.buildArgs['REGISTRY'] === '123456789012.dkr.ecr.eu-west-1.amazonaws.com').length).toBeGreaterThan(800);
    expect(files.filter((file) => file.dockerfile.includes('ghcr.io/attacker/evil')).length).toBeGreaterThan(300);
    expect(files.filter((file) => file.dockerfile.includes('${REGISTRY}/jenkins-agents/')).length).toBeGreaterThan(300);
  });
});
