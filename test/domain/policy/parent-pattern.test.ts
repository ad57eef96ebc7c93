import { describe, expect, it } from 'vitest';
import type { ApprovedParent } from '../../../src/config/schema.ts';
import { parseImageReference } from '../../../src/domain/dockerfile/image-reference.ts';
import { compileParent } from '../../../src/domain/policy/parent-pattern.ts';

const digest = `sha256:${'c5'.repeat(32)}`;
const otherDigest = `sha256:${'0d'.repeat(32)}`;

function entry(pattern: string, extra: Partial<ApprovedParent> = {}): ApprovedParent {
  return { pattern, scope: 'any', ...extra };
}

function matches(pattern: string, text: string): boolean {
  const reference = parseImageReference(text);
  if (!reference) throw new Error(`not a reference: ${text}`);
  return compileParent(entry(pattern), false).matches(reference);
}

describe('compileParent', () => {
  it.each([
    ['debian', 'docker.io/library/debian'],
    ['docker.io/library/debian', 'docker.io/library/debian'],
    ['index.docker.io/library/debian', 'docker.io/library/debian'],
    ['jenkins/inbound-agent', 'docker.io/jenkins/inbound-agent'],
    ['node:20-*', 'docker.io/library/node:20-*'],
    [`debian:bookworm@${digest}`, `docker.io/library/debian:bookworm@${digest}`],
    ['docker.io/library/*', 'docker.io/library/*'],
    ['ghcr.io/acme/**', 'ghcr.io/acme/**'],
    ['localhost:5000/tools', 'localhost:5000/tools'],
    ['  debian  ', 'docker.io/library/debian'],
  ])('normalizes %j to %s', (pattern, normalized) => {
    expect(compileParent(entry(pattern), false).normalized).toBe(normalized);
  });

  it.each([
    ['debian', 'debian', true],
    ['debian', 'debian:bookworm-slim', true],
    ['debian', `docker.io/library/debian@${digest}`, true],
    ['debian', 'debian-tools', false],
    ['debian', 'acme/debian', false],
    ['debian', 'ghcr.io/library/debian', false],
    ['docker.io/library/debian', 'debian:12', true],
    ['docker.io/library/*', 'alpine:3.20', true],
    ['docker.io/library/*', 'jenkins/inbound-agent', false],
    ['jenkins/*', 'jenkins/inbound-agent:latest', true],
    ['jenkins/*', 'jenkinsci/inbound-agent', false],
    ['ghcr.io/acme/**', 'ghcr.io/acme/tools/builder:v2', true],
    ['ghcr.io/acme/**', 'ghcr.io/other/builder', false],
    ['ghcr.io/acme/*', 'ghcr.io/acme/tools/builder', false],
    ['ghcr.io/a.b/c', 'ghcr.io/axb/c', false],
    ['node:20-*', 'node:20-bookworm', true],
    ['node:20-*', 'node:20', false],
    ['node:20-*', 'node:22-bookworm', false],
    ['node:20-*', 'node', false],
    ['node:latest', 'node', true],
    ['node:*', `node@${digest}`, true],
    [`debian@${digest}`, `debian:bookworm@${digest}`, true],
    [`debian@${digest}`, `debian@${otherDigest}`, false],
    [`debian@${digest}`, 'debian:bookworm', false],
  ])('pattern %j matches %s: %s', (pattern, reference, expected) => {
    expect(matches(pattern, reference)).toBe(expected);
  });

  it.each(['debian', 'ghcr.io/acme/tools/builder:v2', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/base/python', 'localhost:5000/x'])(
    'lets `**` match any image, here %s',
    (reference) => {
      expect(matches('**', reference)).toBe(true);
    },
  );

  it('requires a digest when the entry says so, when the config says so everywhere, or when it pins one', () => {
    expect(compileParent(entry('debian'), false).requiresDigest).toBe(false);
    expect(compileParent(entry('debian', { requireDigest: false }), true).requiresDigest).toBe(true);
    expect(compileParent(entry('debian', { requireDigest: true }), false).requiresDigest).toBe(true);
    expect(compileParent(entry(`debian@${digest}`), false).requiresDigest).toBe(true);
  });

  it('keeps the entry it was compiled from', () => {
    const approved = entry('debian', { scope: 'final', requireDigest: true });

    expect(compileParent(approved, false).entry).toBe(approved);
  });

  it.each([
    ['docker.io/library/{debian,ubuntu}:2?.*', 'ubuntu:22.04', true],
    ['docker.io/library/{debian,ubuntu}:2?.*', 'alpine:22.04', false],
    ['docker.io/library/golang:1.2[2-4]', 'golang:1.23', true],
    ['docker.io/library/golang:1.2[2-4]', 'golang:1.21', false],
    ['ghcr.io/acme/**', 'ghcr.io/acme/tools/builder:v2', true],
    ['ghcr.io/acme/*', 'ghcr.io/acme/tools/builder:v2', false],
  ])('matches globs as picomatch documents them: %s against %s is %s', (pattern, reference, expected) => {
    expect(matches(pattern, reference)).toBe(expected);
  });
});
