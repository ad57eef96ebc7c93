import { describe, expect, it } from 'vitest';
import { catalogBuildArgs, catalogNameOf, catalogRepository } from '../../../src/domain/catalog/catalog-reference.ts';
import { parseImageReference, type ImageReference } from '../../../src/domain/dockerfile/image-reference.ts';
import { catalogConfig, registry } from './catalog-fixtures.ts';

const config = catalogConfig();

function reference(text: string): ImageReference {
  const parsed = parseImageReference(text);
  if (!parsed) throw new Error(`not a reference: ${text}`);
  return parsed;
}

describe('catalog references', () => {
  it('pass the registry under the configured build arg', () => {
    expect(catalogBuildArgs(config)).toEqual({ REGISTRY: registry });
    expect(catalogBuildArgs({ registry: 'r.example.com', registryArg: 'ECR' })).toEqual({ ECR: 'r.example.com' });
  });

  it('publish an image to <registry>/<prefix>/<name>', () => {
    expect(catalogRepository(config, 'python')).toBe(`${registry}/jenkins-agents/python`);
  });

  it.each([
    [`${registry}/jenkins-agents/python`, 'python'],
    [`${registry}/jenkins-agents/python:3.12`, 'python'],
    [`${registry}/jenkins-agents/python@sha256:${'a'.repeat(64)}`, 'python'],
    [`${registry}/jenkins-agents/team/python`, undefined],
    [`${registry}/jenkins-agents-old/python`, undefined],
    [`${registry}/other/python`, undefined],
    ['docker.io/jenkins-agents/python', undefined],
    ['python', undefined],
  ])('name %s as catalog image %s', (text, name) => {
    expect(catalogNameOf(reference(text), config)).toBe(name);
  });

  it('work with a prefix of several path components', () => {
    expect(catalogNameOf(reference(`${registry}/ci/agents/python`), { registry, prefix: 'ci/agents' })).toBe('python');
  });
});
