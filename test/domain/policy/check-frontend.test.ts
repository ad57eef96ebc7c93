import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { buildCatalog } from '../../../src/domain/catalog/build-catalog.ts';
import { catalogBuildArgs } from '../../../src/domain/catalog/catalog-reference.ts';
import type { ImageFolder } from '../../../src/domain/catalog/types.ts';
import { analyzeCatalog } from '../../../src/domain/check/analyze-catalog.ts';
import { readDockerfile } from '../../../src/domain/dockerfile/read-dockerfile.ts';
import type { Finding } from '../../../src/domain/findings.ts';
import { buildGraph } from '../../../src/domain/graph/inheritance-graph.ts';
import { checkParents } from '../../../src/domain/policy/check-parents.ts';
import { catalogConfig, folder, fromUpstream } from '../catalog/catalog-fixtures.ts';

const digest = `sha256:${'c5'.repeat(32)}`;
const otherDigest = `sha256:${'0d'.repeat(32)}`;

const policy = catalogConfig(
  'parents:',
  '  requireDigest: false',
  '  approved:',
  '    - pattern: debian',
  '  frontends:',
  `    - pattern: docker.io/docker/dockerfile@${digest}`,
  '      readsAs: buildkit-0.34',
  '    - pattern: ghcr.io/acme/dockerfile:1.*',
  '      readsAs: buildkit-0.8',
);

const allowed = `Allowed: \`docker.io/docker/dockerfile@${digest}\` (reads as buildkit-0.34), \`ghcr.io/acme/dockerfile:1.*\` (reads as buildkit-0.8), each pinned by digest. Approve another under \`parents.frontends\` in .github/dockyard.yml, or remove the \`# syntax\` line to build with the engine's built-in frontend.`;

function findings(folders: ImageFolder[], config: Config = policy, affected?: string[]): Finding[] {
  const catalog = buildCatalog(folders, config);
  return checkParents(catalog, buildGraph(catalog), config, {
    affected: new Set(affected ?? catalog.images.keys()),
    removed: new Set(),
  }).findings;
}

function error(line: number, message: string): Finding {
  return { file: 'images/tools/Dockerfile', line, severity: 'error', source: 'dockyard', rule: 'DY007', message, image: 'tools' };
}

const tools = (...lines: string[]) => folder('tools', `${lines.join('\n')}\n`);

describe('the frontend policy (DY007)', () => {
  it('finds nothing without a # syntax directive: the engine builds with its built-in frontend', () => {
    expect(findings([tools('FROM debian:bookworm')])).toEqual([]);
  });

  it('refuses a frontend no entry approves, at the directive, saying what is allowed', () => {
    expect(findings([tools('# syntax=docker/dockerfile:1', 'FROM debian:bookworm')])).toEqual([
      error(
        1,
        `\`# syntax=docker/dockerfile:1\` hands the build, with its registry credentials, to \`docker.io/docker/dockerfile:1\`, which is not an approved frontend. ${allowed}`,
      ),
    ]);
  });

  it('says that no frontend is approved when the config approves none', () => {
    const bare = catalogConfig('parents:', '  requireDigest: false', '  approved:', '    - pattern: debian');

    expect(findings([tools('# syntax=docker/dockerfile:1', 'FROM debian:bookworm')], bare)).toEqual([
      error(
        1,
        "`# syntax=docker/dockerfile:1` hands the build, with its registry credentials, to `docker.io/docker/dockerfile:1`, which is not an approved frontend. No frontends are approved (`parents.frontends` in .github/dockyard.yml): remove the `# syntax` line to build with the engine's built-in frontend.",
      ),
    ]);
  });

  it('approves a frontend pinned by the digest its entry names', () => {
    expect(findings([tools(`# syntax=docker/dockerfile@${digest}`, 'FROM debian:bookworm')])).toEqual([]);
    expect(findings([tools(`# syntax=docker.io/docker/dockerfile:1.7@${digest}`, 'FROM debian:bookworm')])).toEqual([]);
  });

  it('refuses the approved name with another digest', () => {
    const result = findings([tools(`# syntax=docker/dockerfile@${otherDigest}`, 'FROM debian:bookworm')]);

    expect(result.map(({ rule, line }) => [rule, line])).toEqual([['DY007', 1]]);
    expect(result[0]?.message).toContain('which is not an approved frontend');
  });

  it('requires a digest on an approved frontend whose entry names none, with the exact fix', () => {
    expect(findings([tools('# syntax=ghcr.io/acme/dockerfile:1.4', 'FROM debian:bookworm')])).toEqual([
      error(
        1,
        '`ghcr.io/acme/dockerfile:1.4` must be pinned by digest: a frontend runs code over the whole build, and a tag can move (approved as `ghcr.io/acme/dockerfile:1.*`). Write `# syntax=ghcr.io/acme/dockerfile:1.4@sha256:<digest>`; `docker buildx imagetools inspect ghcr.io/acme/dockerfile:1.4` prints it.',
      ),
    ]);
    expect(findings([tools(`# syntax=ghcr.io/acme/dockerfile:1.4@${digest}`, 'FROM debian:bookworm')])).toEqual([]);
  });

  it('reports the directive at its own line', () => {
    const result = findings([tools('# escape=`', '# syntax=docker/dockerfile:1', 'FROM debian:bookworm')]);

    expect(result.map(({ rule, line }) => [rule, line])).toEqual([['DY007', 2]]);
  });

  it('refuses a # syntax that is not an image reference', () => {
    expect(findings([tools('# syntax=Docker/Dockerfile:1', 'FROM debian:bookworm')])).toEqual([
      error(1, `\`# syntax=Docker/Dockerfile:1\` does not name a valid image reference, so the build would fail. ${allowed}`),
    ]);
  });

  it('judges what the reader detects as a directive: a # syntax after a blank line is a comment', () => {
    const text = '\n# syntax=docker/dockerfile:1\nFROM debian:bookworm\n';
    const detected = readDockerfile(text).directives.syntax;

    const result = findings([folder('tools', text)]);

    expect(result.map(({ rule, line }) => [rule, line])).toEqual(detected ? [['DY007', detected.line]] : []);
  });

  it('judges frontends only for the affected images', () => {
    const folders = [tools('# syntax=docker/dockerfile:1', 'FROM debian:bookworm'), folder('base', fromUpstream('debian:bookworm'))];

    expect(findings(folders, policy, ['base'])).toEqual([]);
  });
});

describe('reading with the approved frontend', () => {
  const heredoc = ['FROM debian:bookworm', 'RUN <<EOF', 'FROM evil.example.com/miner', 'EOF'];

  it('reads a Dockerfile without # syntax with the default frontend, or the one the caller names', () => {
    const folders = [tools(...heredoc)];

    expect(buildCatalog(folders, policy).images.get('tools')?.model?.frontend).toBe('buildkit-0.34');
    expect(buildCatalog(folders, policy, { frontend: 'buildkit-0.8' }).images.get('tools')?.model?.frontend).toBe('buildkit-0.8');
  });

  it('reads a Dockerfile whose # syntax names an approved frontend by that frontend’s rules', () => {
    const text = `${[`# syntax=ghcr.io/acme/dockerfile:1.4@${digest}`, ...heredoc].join('\n')}\n`;

    const model = buildCatalog([folder('tools', text)], policy).images.get('tools')?.model;

    expect(model?.frontend).toBe('buildkit-0.8');
    expect(model).toEqual(readDockerfile(text, { frontend: 'buildkit-0.8', buildArgs: catalogBuildArgs(policy) }));
  });

  it('reads by the approved frontend whatever the caller’s default', () => {
    const text = `${[`# syntax=docker/dockerfile@${digest}`, ...heredoc].join('\n')}\n`;

    const model = buildCatalog([folder('tools', text)], policy, { frontend: 'buildkit-0.8' }).images.get('tools')?.model;

    expect(model?.frontend).toBe('buildkit-0.34');
    expect(model).toEqual(readDockerfile(text, { frontend: 'buildkit-0.34', buildArgs: catalogBuildArgs(policy) }));
  });

  it('reads a Dockerfile whose # syntax is not approved with the default frontend', () => {
    const text = `${['# syntax=docker/dockerfile:1', ...heredoc].join('\n')}\n`;

    expect(buildCatalog([folder('tools', text)], policy, { frontend: 'buildkit-0.8' }).images.get('tools')?.model?.frontend).toBe(
      'buildkit-0.8',
    );
  });

  it('passes the caller’s frontend through analyzeCatalog', () => {
    const analysis = analyzeCatalog([tools(...heredoc)], 'all', policy, { frontend: 'buildkit-0.8' });

    expect(analysis.catalog.images.get('tools')?.model?.frontend).toBe('buildkit-0.8');
  });
});
