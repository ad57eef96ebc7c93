import { describe, expect, it } from 'vitest';
import {
  formatImageReference,
  imageName,
  parseImageReference,
  type ImageReference,
} from '../../../src/domain/dockerfile/image-reference.ts';

const digest = 'sha256:c551fe2693f4c393d81fcacac290df32b2137223dd5b777d1370fa18a4fc18c4';

describe('parseImageReference', () => {
  it.each<[string, ImageReference]>([
    ['debian', { registry: 'docker.io', repository: 'library/debian' }],
    ['debian:bookworm-slim', { registry: 'docker.io', repository: 'library/debian', tag: 'bookworm-slim' }],
    ['docker.io/debian', { registry: 'docker.io', repository: 'library/debian' }],
    ['index.docker.io/library/debian:12', { registry: 'docker.io', repository: 'library/debian', tag: '12' }],
    ['jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21', { registry: 'docker.io', repository: 'jenkins/inbound-agent', tag: '3327.v868139a_d00e0-1-jdk21' }],
    [`debian@${digest}`, { registry: 'docker.io', repository: 'library/debian', digest }],
    [`debian:bookworm@${digest}`, { registry: 'docker.io', repository: 'library/debian', tag: 'bookworm', digest }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/team/app:1.0', { registry: 'localhost:5000', repository: 'team/app', tag: '1.0' }],
    ['ghcr.io/acme/tools/builder:v2', { registry: 'ghcr.io', repository: 'acme/tools/builder', tag: 'v2' }],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/jenkins-agents/base',
      { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', repository: 'jenkins-agents/base' },
    ],
    ['my__image', { registry: 'docker.io', repository: 'library/my__image' }],
    ['my--image', { registry: 'docker.io', repository: 'library/my--image' }],
  ])('parses %s', (text, reference) => {
    expect(parseImageReference(text)).toEqual(reference);
  });

  it.each([
    'Debian',
    'debian:',
    'debian:-bad',
    ':tag',
    '',
    'debian@sha256:abc',
    'debian@sha256',
    'library/Debian',
    'ghcr.io/',
    'a//b',
    '-debian',
    'debian_',
    'my___image',
    `debian:${'t'.repeat(129)}`,
  ])('refuses %j', (text) => {
    expect(parseImageReference(text)).toBeNull();
  });

  it('treats a first component without a dot, colon or localhost as part of a Docker Hub path', () => {
    expect(parseImageReference('myregistry/app')).toEqual({ registry: 'docker.io', repository: 'myregistry/app' });
  });
});

describe('imageName and formatImageReference', () => {
  it('give the normalized name and the full reference', () => {
    const reference = parseImageReference(`debian:bookworm@${digest}`) as ImageReference;

    expect(imageName(reference)).toBe('docker.io/library/debian');
    expect(formatImageReference(reference)).toBe(`docker.io/library/debian:bookworm@${digest}`);
    expect(formatImageReference({ registry: 'ghcr.io', repository: 'a/b' })).toBe('ghcr.io/a/b');
  });
});
