import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { buildCatalog } from '../../../src/domain/catalog/build-catalog.ts';
import type { ImageFolder } from '../../../src/domain/catalog/types.ts';
import type { Finding } from '../../../src/domain/findings.ts';
import { buildGraph } from '../../../src/domain/graph/inheritance-graph.ts';
import { checkParents, type PolicyResult } from '../../../src/domain/policy/check-parents.ts';
import { catalogConfig, childOf, folder, fromUpstream, registry } from '../catalog/catalog-fixtures.ts';

const digest = `sha256:${'c5'.repeat(32)}`;
const agent = 'docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21';

const policy = catalogConfig(
  'parents:',
  '  requireDigest: false',
  '  approved:',
  '    - pattern: docker.io/jenkins/inbound-agent',
  '      requireDigest: true',
  '    - pattern: debian',
  '    - pattern: golang:1.*',
  '      scope: stage',
  '    - pattern: docker.io/library/alpine',
  '      scope: final',
);

const catalogPart = (images: string) =>
  `a catalog image as \`FROM \${REGISTRY}/jenkins-agents/<name>\` (${registry}/jenkins-agents/<name>; images: ${images})`;
const allowedWith = (images: string) =>
  `Allowed: ${catalogPart(images)}, or an approved upstream: \`docker.io/jenkins/inbound-agent\` (digest pin required), \`docker.io/library/debian\`, \`docker.io/library/golang:1.*\` (build stages only), \`docker.io/library/alpine\` (final stage only).`;

interface Scope {
  affected?: string[];
  removed?: string[];
}

function check(folders: ImageFolder[], config: Config = policy, scope: Scope = {}): PolicyResult {
  const catalog = buildCatalog(folders, config);
  const graph = buildGraph(catalog);
  return checkParents(catalog, graph, config, {
    affected: new Set(scope.affected ?? catalog.images.keys()),
    removed: new Set(scope.removed ?? []),
  });
}

function error(image: string, line: number, rule: string, message: string): Finding {
  return { file: `images/${image}/Dockerfile`, line, severity: 'error', source: 'dockyard', rule, message, image };
}

const base = folder('base', fromUpstream(`${agent}@${digest}`));

describe('checkParents', () => {
  describe('final parents', () => {
    it('approves an upstream parent that matches a pattern, and a catalog parent', () => {
      const result = check([base, folder('python', childOf('base')), folder('tools', fromUpstream('debian:bookworm-slim'))]);

      expect(result.findings).toEqual([]);
      expect(Object.fromEntries(result.verdicts)).toEqual({ base: 'approved', python: 'catalog', tools: 'approved' });
    });

    it('requires the digest an entry asks for (DY002), with the exact fix', () => {
      const result = check([folder('base', ['# parent', '', `FROM ${agent}`].join('\n'))]);

      expect(result.findings).toEqual([
        error(
          'base',
          3,
          'DY002',
          `\`${agent}\` must be pinned by digest (approved as \`docker.io/jenkins/inbound-agent\`, digest required). Write \`${agent}@sha256:<digest>\`; \`docker buildx imagetools inspect ${agent}\` prints it.`,
        ),
      ]);
      expect(result.verdicts.get('base')).toBe('unpinned');
    });

    it('shows the reference as written after ARG expansion in the DY002 fix', () => {
      const result = check([folder('base', 'ARG TAG=3327\nFROM jenkins/inbound-agent:${TAG}\n')]);

      expect(result.findings).toEqual([
        error(
          'base',
          2,
          'DY002',
          '`docker.io/jenkins/inbound-agent:3327` must be pinned by digest (approved as `docker.io/jenkins/inbound-agent`, digest required). Write `jenkins/inbound-agent:3327@sha256:<digest>`; `docker buildx imagetools inspect jenkins/inbound-agent:3327` prints it.',
        ),
      ]);
    });

    it('requires a digest on every upstream parent when parents.requireDigest is set', () => {
      const config = catalogConfig('parents:', '  requireDigest: true', '  approved:', '    - pattern: debian');
      const result = check([folder('tools', fromUpstream('debian:bookworm')), folder('pinned', fromUpstream(`debian:bookworm@${digest}`))], config);

      expect(result.findings).toEqual([
        error(
          'tools',
          1,
          'DY002',
          '`docker.io/library/debian:bookworm` must be pinned by digest (approved as `docker.io/library/debian`, digest required). Write `debian:bookworm@sha256:<digest>`; `docker buildx imagetools inspect debian:bookworm` prints it.',
        ),
      ]);
      expect(Object.fromEntries(result.verdicts)).toEqual({ tools: 'unpinned', pinned: 'approved' });
    });

    it('refuses an unapproved parent (DY001), listing what is allowed', () => {
      const result = check([base, folder('web', '# web agent\nFROM node:20-bookworm\n')]);

      expect(result.findings).toEqual([
        error('web', 2, 'DY001', `\`docker.io/library/node:20-bookworm\` is not an approved parent. ${allowedWith('`base`, `web`')}`),
      ]);
      expect(result.verdicts.get('web')).toBe('not-approved');
    });

    it('says that no upstream parents are approved when the config approves none', () => {
      const result = check([folder('web', fromUpstream('node:20'))], catalogConfig());

      expect(result.findings).toEqual([
        error(
          'web',
          1,
          'DY001',
          `\`docker.io/library/node:20\` is not an approved parent. Allowed: ${catalogPart('`web`')}. No upstream parents are approved in .github/dockyard.yml.`,
        ),
      ]);
    });

    it('names at most eight catalog images in the allowed list', () => {
      const names = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'b1'];
      const result = check(names.map((name) => folder(name, fromUpstream('node:20'))), catalogConfig(), { affected: ['b1'] });

      expect(result.findings).toEqual([
        error(
          'b1',
          1,
          'DY001',
          `\`docker.io/library/node:20\` is not an approved parent. Allowed: ${catalogPart('`a1`, `a2`, `a3`, `a4`, `a5`, `a6`, `a7`, `a8` and 2 more')}. No upstream parents are approved in .github/dockyard.yml.`,
        ),
      ]);
    });

    it('refuses a final parent approved for build stages only (DY001)', () => {
      const result = check([folder('go', fromUpstream('golang:1.22'))]);

      expect(result.findings).toEqual([
        error('go', 1, 'DY001', `\`docker.io/library/golang:1.22\` is not an approved parent. ${allowedWith('`go`')}`),
      ]);
    });

    it('follows a final stage built FROM an earlier stage to its real parent', () => {
      const result = check([folder('tool', 'FROM node:20 AS build\nRUN make\nFROM build\n')]);

      expect(result.findings).toEqual([
        error('tool', 1, 'DY001', `\`docker.io/library/node:20\` is not an approved parent. ${allowedWith('`tool`')}`),
      ]);
    });

    it('judges the stages a final stage is built from as its parent, not again as build stages', () => {
      // alpine is approved for final stages only; building the final stage on it through a stage is fine.
      const result = check([folder('tool', ['FROM alpine:3.20 AS base', 'RUN apk add git', 'FROM base AS final', 'FROM final'].join('\n'))]);

      expect(result.findings).toEqual([]);
      expect(result.verdicts.get('tool')).toBe('approved');
    });

    it('refuses scratch unless a `scratch` pattern approves it', () => {
      const refused = check([folder('empty', fromUpstream('scratch'))], catalogConfig());
      const approved = check(
        [folder('empty', fromUpstream('scratch'))],
        catalogConfig('parents:', '  requireDigest: false', '  approved:', '    - pattern: scratch'),
      );

      expect(refused.findings).toEqual([
        error(
          'empty',
          1,
          'DY001',
          `\`scratch\` is not an approved parent. Allowed: ${catalogPart('`empty`')}. No upstream parents are approved in .github/dockyard.yml.`,
        ),
      ]);
      expect(approved.findings).toEqual([]);
      expect(approved.verdicts.get('empty')).toBe('approved');
    });

    it('gives an image whose parent cannot be read the verdict unreadable, without a policy finding', () => {
      const result = check([folder('broken', 'FROM ${UNDECLARED}\n'), folder('ghost', { kind: 'missing' })]);

      expect(result.findings).toEqual([]);
      expect(Object.fromEntries(result.verdicts)).toEqual({ broken: 'unreadable', ghost: 'unreadable' });
    });

    it('judges approved parents only for the affected images', () => {
      const result = check([base, folder('web', fromUpstream('node:20'))], policy, { affected: ['base'] });

      expect(result.findings).toEqual([]);
      expect(Object.fromEntries(result.verdicts)).toEqual({ base: 'approved' });
    });
  });

  describe('build stages and images pulled in', () => {
    it('refuses an intermediate stage from an unapproved image (DY006)', () => {
      const result = check([folder('tool', ['FROM node:20 AS assets', 'RUN npm ci', 'FROM debian:bookworm'].join('\n'))]);

      expect(result.findings).toEqual([
        error('tool', 1, 'DY006', `\`docker.io/library/node:20\` is not an approved build-stage image. ${allowedWith('`tool`')}`),
      ]);
      expect(result.verdicts.get('tool')).toBe('approved');
    });

    it('approves a build stage by a stage-scoped pattern and refuses a final-only one there', () => {
      const result = check([folder('tool', ['FROM golang:1.22 AS build', 'FROM alpine:3.20 AS compress', 'FROM alpine:3.20'].join('\n'))]);

      expect(result.findings).toEqual([
        error('tool', 2, 'DY006', `\`docker.io/library/alpine:3.20\` is not an approved build-stage image. ${allowedWith('`tool`')}`),
      ]);
    });

    it('checks an intermediate stage built from another stage by its root image, once', () => {
      const result = check([folder('tool', ['FROM node:20 AS a', 'FROM a AS b', 'FROM debian'].join('\n'))]);

      expect(result.findings.map((finding) => [finding.rule, finding.line])).toEqual([['DY006', 1]]);
    });

    it('refuses COPY --from=<unapproved image> (DY006) at its line', () => {
      const result = check([folder('tool', ['FROM debian', 'COPY --from=golang:1.22 /usr/local/go /go', 'COPY --from=node:20 /usr/local/bin/node /n'].join('\n'))]);

      expect(result.findings).toEqual([
        error('tool', 3, 'DY006', `\`docker.io/library/node:20\` is not an approved \`COPY --from\` image. ${allowedWith('`tool`')}`),
      ]);
    });

    it('refuses RUN --mount from=<unapproved image> (DY006)', () => {
      const result = check([folder('tool', ['FROM debian', 'RUN --mount=type=bind,from=node:20,target=/n true'].join('\n'))]);

      expect(result.findings).toEqual([
        error('tool', 2, 'DY006', `\`docker.io/library/node:20\` is not an approved \`RUN --mount\` image. ${allowedWith('`tool`')}`),
      ]);
    });

    it('accepts COPY --from a stage and from a catalog image', () => {
      const result = check([
        base,
        folder('tool', ['ARG REGISTRY', 'FROM golang:1.22 AS build', 'FROM debian', 'COPY --from=build / /', 'COPY --from=${REGISTRY}/jenkins-agents/base / /'].join('\n')),
      ]);

      expect(result.findings).toEqual([]);
    });
  });

  describe('catalog structure', () => {
    it('reports a parent the change removes (DY003), explaining the removal', () => {
      const result = check([folder('python', childOf('base'))], policy, { affected: ['python'], removed: ['base'] });

      expect(result.findings).toEqual([
        error(
          'python',
          2,
          'DY003',
          '`base` is not in the catalog: this change removes `images/base`, but `python` still builds on it. Move `python` to another parent first, or keep `base`.',
        ),
      ]);
      expect(result.verdicts.get('python')).toBe('missing');
    });

    it('reports a parent that does not exist (DY003), even for an image the change does not affect', () => {
      const result = check([base, folder('python', childOf('bsae'))], policy, { affected: ['base'] });

      expect(result.findings).toEqual([
        error(
          'python',
          2,
          'DY003',
          '`bsae` is not in the catalog: there is no `images/bsae/Dockerfile`. Catalog images are named by their folder under `images/`.',
        ),
      ]);
      expect(Object.fromEntries(result.verdicts)).toEqual({ base: 'approved', python: 'missing' });
    });

    it('reports a missing catalog image a build stage pulls at its line', () => {
      const result = check([base, folder('tool', ['ARG REGISTRY', 'FROM ${REGISTRY}/jenkins-agents/go AS go', 'FROM ${REGISTRY}/jenkins-agents/base', 'COPY --from=go / /'].join('\n'))]);

      expect(result.findings).toEqual([error('tool', 2, 'DY003', expect.stringMatching(/^`go` is not in the catalog: there is no `images\/go\/Dockerfile`/))]);
    });

    it('reports each image on a cycle (DY004) at its FROM line, with the cycle in order', () => {
      const result = check([folder('a', childOf('b')), folder('b', childOf('c')), folder('c', childOf('a'))]);
      const cycle = 'Inheritance cycle: `a` → `b` → `c` → `a`. Break it by making one of them inherit from an approved upstream or another catalog image.';

      expect(result.findings).toEqual([error('a', 2, 'DY004', cycle), error('b', 2, 'DY004', cycle), error('c', 2, 'DY004', cycle)]);
      expect(Object.fromEntries(result.verdicts)).toEqual({ a: 'cycle', b: 'cycle', c: 'cycle' });
    });

    it('reports an image that inherits from itself (DY004)', () => {
      const result = check([folder('self', childOf('self'))], policy, { affected: [] });

      expect(result.findings).toEqual([
        error('self', 2, 'DY004', '`self` inherits from itself. An image must build on a parent, not on its own published tag.'),
      ]);
      expect(result.verdicts.get('self')).toBe('cycle');
    });
  });
});
