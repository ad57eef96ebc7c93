import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../../src/domain/catalog/build-catalog.ts';
import type { Finding } from '../../../src/domain/findings.ts';
import { catalogConfig, childOf, folder, fromUpstream, registry } from './catalog-fixtures.ts';

const config = catalogConfig();
const agentParent = 'docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21';

function error(image: string, file: string, line: number, rule: string, message: string): Finding {
  return { file, line, severity: 'error', source: 'dockyard', rule, message, image };
}

describe('buildCatalog', () => {
  it('resolves a catalog parent written as ${REGISTRY}/jenkins-agents/<name>, with the configured registry', () => {
    const catalog = buildCatalog([folder('base', fromUpstream(agentParent)), folder('python', childOf('base', 'USER root'))], config);

    expect(catalog.findings).toEqual([]);
    expect(catalog.images.get('python')).toMatchObject({
      name: 'python',
      dir: 'images/python',
      dockerfilePath: 'images/python/Dockerfile',
      parent: { kind: 'catalog', name: 'base', line: 2, text: `${registry}/jenkins-agents/base` },
      dependsOn: ['base'],
      metadata: { owners: [] },
    });
  });

  it('resolves a catalog parent written with the literal registry', () => {
    const catalog = buildCatalog([folder('python', fromUpstream(`${registry}/jenkins-agents/base:latest`))], config);

    expect(catalog.images.get('python')?.parent).toEqual({
      kind: 'catalog',
      name: 'base',
      line: 1,
      text: `${registry}/jenkins-agents/base:latest`,
    });
  });

  it('follows a final stage built FROM an earlier stage back to its catalog parent', () => {
    const dockerfile = childOf('base', 'RUN make', 'FROM x').replace('/base\n', '/base AS x\n');
    const catalog = buildCatalog([folder('tool', dockerfile)], config);

    expect(catalog.images.get('tool')?.parent).toEqual({
      kind: 'catalog',
      name: 'base',
      line: 2,
      text: `${registry}/jenkins-agents/base`,
    });
  });

  it('classifies upstream and scratch parents', () => {
    const catalog = buildCatalog([folder('base', fromUpstream(agentParent)), folder('empty', fromUpstream('scratch'))], config);

    expect(catalog.images.get('base')?.parent).toEqual({
      kind: 'upstream',
      reference: { registry: 'docker.io', repository: 'jenkins/inbound-agent', tag: '3327.v868139a_d00e0-1-jdk21' },
      line: 1,
      text: agentParent,
    });
    expect(catalog.images.get('empty')?.parent).toEqual({ kind: 'scratch', line: 1, text: 'scratch' });
  });

  it('reads images in the same registry but outside the prefix, or nested under it, as upstream', () => {
    const catalog = buildCatalog(
      [
        folder('a', fromUpstream(`${registry}/other-team/base`)),
        folder('b', fromUpstream(`${registry}/jenkins-agents/team/base`)),
        folder('c', fromUpstream('123456789012.dkr.ecr.us-east-1.amazonaws.com/jenkins-agents/base')),
      ],
      config,
    );

    expect([...catalog.images.values()].map((image) => [image.name, image.parent.kind, image.dependsOn])).toEqual([
      ['a', 'upstream', []],
      ['b', 'upstream', []],
      ['c', 'upstream', []],
    ]);
  });

  it('collects catalog dependencies from every stage, COPY --from and RUN --mount, sorted and unique', () => {
    const dockerfile = [
      'ARG REGISTRY',
      'FROM ${REGISTRY}/jenkins-agents/node AS assets',
      'FROM ${REGISTRY}/jenkins-agents/go AS go',
      'FROM ${REGISTRY}/jenkins-agents/python',
      'COPY --from=go /usr/local/go /usr/local/go',
      'COPY --from=assets /dist /dist',
      'RUN --mount=type=bind,from=assets,target=/n true',
      'COPY --from=golang:1.22 / /',
    ].join('\n');
    const catalog = buildCatalog([folder('web', dockerfile)], config);

    expect(catalog.findings).toEqual([]);
    expect(catalog.images.get('web')).toMatchObject({
      parent: { kind: 'catalog', name: 'python', line: 4 },
      dependsOn: ['go', 'node', 'python'],
    });
  });

  it('refuses a catalog image named through a variable in COPY --from, as BuildKit does: an alias stage names it', () => {
    const dockerfile = ['ARG REGISTRY', 'FROM ${REGISTRY}/jenkins-agents/python', 'COPY --from=${REGISTRY}/jenkins-agents/go / /'].join('\n');
    const catalog = buildCatalog([folder('web', dockerfile)], config);

    expect(catalog.findings).toEqual([
      error('web', 'images/web/Dockerfile', 3, 'DY020', 'BuildKit rejects this Dockerfile: variable expansion is not supported for --from. Define a stage with `FROM` using an ARG from the global scope and copy from it.'),
    ]);
  });

  it('passes the registry under a custom registryArg', () => {
    const custom = { ...config, registryArg: 'ECR_REGISTRY' };
    const catalog = buildCatalog([folder('python', 'ARG ECR_REGISTRY\nFROM ${ECR_REGISTRY}/jenkins-agents/base\n')], custom);

    expect(catalog.findings).toEqual([]);
    expect(catalog.images.get('python')?.parent).toMatchObject({ kind: 'catalog', name: 'base' });
  });

  it('reports the Dockerfile problems of an image at its file and line', () => {
    const catalog = buildCatalog([folder('python', '# no ARG declared\nFROM ${REGISTRY}/jenkins-agents/base\n')], config);

    expect(catalog.findings).toEqual([
      error(
        'python',
        'images/python/Dockerfile',
        2,
        'DY014',
        '`${REGISTRY}/jenkins-agents/base` uses `REGISTRY`, which is not declared or has no value: Docker expands it to nothing. Declare `ARG REGISTRY=<default>` above the first FROM.',
      ),
      error(
        'python',
        'images/python/Dockerfile',
        2,
        'DY015',
        '`/jenkins-agents/base` is not a valid image reference (invalid reference format), so BuildKit refuses it. Write `[registry/]name[:tag][@sha256:digest]` in lower case.',
      ),
    ]);
    expect(catalog.images.get('python')?.parent).toEqual({ kind: 'unknown', line: 2, text: '/jenkins-agents/base' });
  });

  it('reports a folder without a Dockerfile (DY017) and keeps the image, unreadable', () => {
    const catalog = buildCatalog([folder('ghost', { kind: 'missing' })], config);

    expect(catalog.findings).toEqual([
      error('ghost', 'images/ghost', 1, 'DY017', 'The folder `images/ghost` has no Dockerfile. Add `images/ghost/Dockerfile` or remove the folder.'),
    ]);
    expect(catalog.images.get('ghost')).toEqual({
      name: 'ghost',
      dir: 'images/ghost',
      dockerfilePath: 'images/ghost/Dockerfile',
      parent: { kind: 'unknown', line: 1, text: '' },
      dependsOn: [],
      metadata: { owners: [] },
    });
  });

  it('refuses a symlinked Dockerfile (DY018)', () => {
    const catalog = buildCatalog([folder('python', { kind: 'symlink', target: '../base/Dockerfile' })], config);

    expect(catalog.findings).toEqual([
      error(
        'python',
        'images/python/Dockerfile',
        1,
        'DY018',
        '`images/python/Dockerfile` is a symlink (to `../base/Dockerfile`). Dockyard builds only what reviewers see: commit the Dockerfile itself.',
      ),
    ]);
    expect(catalog.images.get('python')?.model).toBeUndefined();
  });

  it('refuses a binary Dockerfile (DY010)', () => {
    const catalog = buildCatalog([folder('bin', { kind: 'file', bytes: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x00]) })], config);

    expect(catalog.findings).toEqual([
      error('bin', 'images/bin/Dockerfile', 1, 'DY010', 'This Dockerfile is not UTF-8 text (it looks binary). Commit the Dockerfile as plain text.'),
    ]);
    expect(catalog.images.get('bin')?.parent.kind).toBe('unknown');
  });

  it('reads a Dockerfile that starts with a UTF-8 byte order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(fromUpstream(agentParent))]);
    const catalog = buildCatalog([folder('base', { kind: 'file', bytes })], config);

    expect(catalog.findings).toEqual([]);
    expect(catalog.images.get('base')?.parent).toMatchObject({ kind: 'upstream', line: 1, text: agentParent });
  });

  it('refuses a Dockerfile over 1 MiB (DY010)', () => {
    const catalog = buildCatalog([folder('huge', fromUpstream(agentParent, `RUN echo ${'x'.repeat(2 * 1024 * 1024)}`))], config);

    expect(catalog.findings).toEqual([
      error(
        'huge',
        'images/huge/Dockerfile',
        1,
        'DY010',
        'This Dockerfile is 2.0 MiB; Dockyard reads Dockerfiles up to 1 MiB. Move generated content into files the build copies.',
      ),
    ]);
  });

  it('refuses a folder name that cannot name an image (DY016) and leaves it out of the catalog', () => {
    const catalog = buildCatalog([folder('My_Image', fromUpstream(agentParent)), folder('ok', fromUpstream(agentParent))], config);

    expect(catalog.findings).toEqual([
      error(
        'My_Image',
        'images/My_Image',
        1,
        'DY016',
        '`My_Image` cannot name an image: image folders must be lower-case letters, digits and . _ - (a valid ECR repository name). Rename the folder.',
      ),
    ]);
    expect([...catalog.images.keys()]).toEqual(['ok']);
  });

  it.each(['-lead', 'trail.', 'a..b', 'UPPER', 'with space'])('refuses the folder name %j (DY016)', (name) => {
    expect(buildCatalog([folder(name, fromUpstream(agentParent))], config).findings.map((finding) => finding.rule)).toEqual(['DY016']);
  });

  describe('image.yml', () => {
    it('reads valid metadata', () => {
      const catalog = buildCatalog(
        [folder('python', fromUpstream(agentParent), 'description: Python 3 agent\nlabel: python3\nowners:\n  - "@acme/platform"\n')],
        config,
      );

      expect(catalog.findings).toEqual([]);
      expect(catalog.images.get('python')?.metadata).toEqual({ description: 'Python 3 agent', label: 'python3', owners: ['@acme/platform'] });
    });

    it('reads an empty image.yml as no metadata', () => {
      const catalog = buildCatalog([folder('python', fromUpstream(agentParent), '')], config);

      expect(catalog.findings).toEqual([]);
      expect(catalog.images.get('python')?.metadata).toEqual({ owners: [] });
    });

    it('reports invalid YAML (DY019) on its last line at most, and falls back to no metadata', () => {
      const catalog = buildCatalog([folder('python', fromUpstream(agentParent), 'owners: [unclosed\n')], config);

      expect(catalog.findings).toEqual([
        error('python', 'images/python/image.yml', 1, 'DY019', expect.stringMatching(/^`images\/python\/image\.yml`: not valid YAML: \S/)),
      ]);
      expect(catalog.images.get('python')?.metadata).toEqual({ owners: [] });
      expect(catalog.images.get('python')?.parent.kind).toBe('upstream');
    });

    it('reports an unknown key (DY019) at its line, naming it', () => {
      const catalog = buildCatalog([folder('python', fromUpstream(agentParent), 'description: ok\ncolour: blue\n')], config);

      expect(catalog.findings).toEqual([
        error('python', 'images/python/image.yml', 2, 'DY019', '`images/python/image.yml`: (file): Unrecognized key: "colour"'),
      ]);
    });

    it('reports a bad field value (DY019), naming the field', () => {
      const catalog = buildCatalog([folder('python', fromUpstream(agentParent), 'label: python && linux\n')], config);

      expect(catalog.findings).toEqual([
        error('python', 'images/python/image.yml', 1, 'DY019', '`images/python/image.yml`: label: must be Jenkins label words (letters, digits, _ . -) separated by single spaces'),
      ]);
    });

    it('reports a bad field at its line, also when the file needs the full YAML parser', () => {
      const catalog = buildCatalog([folder('python', fromUpstream(agentParent), '# owners below\ndescription: ok\nlabel: "a  b"\n')], config);

      expect(catalog.findings.map((finding) => [finding.line, finding.rule])).toEqual([[3, 'DY019']]);
    });

    it('records the line of each field of a usable image.yml', () => {
      const simple = buildCatalog([folder('python', fromUpstream(agentParent), 'description: ok\nlabel: py\n')], config);
      const full = buildCatalog([folder('python', fromUpstream(agentParent), '# comment\nlabel: py # trailing\n')], config);

      expect(simple.images.get('python')?.metadataSource).toEqual({ file: 'images/python/image.yml', valid: true, lines: { description: 1, label: 2 } });
      expect(full.images.get('python')?.metadataSource).toEqual({ file: 'images/python/image.yml', valid: true, lines: { label: 2 } });
    });

    it('refuses an alias bomb (DY019) at the first alias, without expanding it', () => {
      const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let level = 1; level < 10; level++) {
        const name = String.fromCharCode(97 + level);
        levels.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(96 + level)}`).join(',')}]`);
      }
      const catalog = buildCatalog([folder('python', fromUpstream(agentParent), `${levels.join('\n')}\n`)], config);

      expect(catalog.findings).toEqual([
        error(
          'python',
          'images/python/image.yml',
          2,
          'DY019',
          '`images/python/image.yml`: its aliases (`*a`) expand to more than Dockyard reads (a YAML resource-exhaustion pattern); write the values out instead.',
        ),
      ]);
      expect(catalog.images.get('python')?.metadataSource?.valid).toBe(false);
    });

    it('judges an image.yml over 64 KiB by its size (DY019), read or only listed', () => {
      const read = buildCatalog([folder('python', fromUpstream(agentParent), `description: x\n${'#'.repeat(70 * 1024)}\n`)], config);
      const listed = buildCatalog([folder('python', fromUpstream(agentParent), { kind: 'oversized', size: 70 * 1024 })], config);

      const message = '`images/python/image.yml` is 70 KiB, over the 64 KiB Dockyard reads of an image.yml: keep it to the description, label, owners and jenkins settings.';
      expect(read.findings).toEqual([error('python', 'images/python/image.yml', 1, 'DY019', message)]);
      expect(listed.findings).toEqual(read.findings);
    });

    it('refuses a symlinked image.yml (DY019)', () => {
      const catalog = buildCatalog([folder('python', fromUpstream(agentParent), { kind: 'symlink', target: '../base/image.yml' })], config);

      expect(catalog.findings).toEqual([
        error('python', 'images/python/image.yml', 1, 'DY019', '`images/python/image.yml` is a symlink; commit the metadata file itself.'),
      ]);
    });
  });

  it('reports an image folder that is a symlink (DY018) and leaves it out of the catalog', () => {
    const catalog = buildCatalog([{ ...folder('evil', 'FROM scratch\n'), linkTarget: '/etc' }], config);

    expect(catalog.images.size).toBe(0);
    expect(catalog.findings).toEqual([
      error(
        'evil',
        'images/evil',
        1,
        'DY018',
        "`images/evil` is a symlink (to `/etc`), not a folder. Dockyard reads only what is committed in the catalog and never follows a link out of it: replace the link with a folder holding the image's Dockerfile, or remove it.",
      ),
    ]);
  });

  it('judges a Dockerfile known only by its listed size as decodeDockerfile judges its bytes (DY010)', () => {
    const size = 3 * 1024 * 1024;
    const listed = buildCatalog([folder('python', { kind: 'oversized', size })], config);
    const read = buildCatalog([folder('python', { kind: 'file', bytes: new Uint8Array(size) })], config);

    expect(listed.findings.map((finding) => finding.rule)).toEqual(['DY010']);
    expect(listed.findings).toEqual(read.findings);
  });

  it('puts images under the configured catalog folder', () => {
    const catalog = buildCatalog([folder('python', { kind: 'missing' })], { ...config, catalog: 'agents/images' });

    expect(catalog.root).toBe('agents/images');
    expect(catalog.images.get('python')?.dockerfilePath).toBe('agents/images/python/Dockerfile');
    expect(catalog.findings[0]?.file).toBe('agents/images/python');
  });
});
