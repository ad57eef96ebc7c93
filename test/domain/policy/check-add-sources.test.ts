import { describe, expect, it } from 'vitest';
import { analyzeCatalog } from '../../../src/domain/check/analyze-catalog.ts';
import type { DockerfileFrontend } from '../../../src/domain/dockerfile/frontend.ts';
import {
  checkAddSources,
  classifyAddSource,
  compileAddHosts,
  forbiddenHost,
} from '../../../src/domain/policy/check-add-sources.ts';
import { readDockerfile } from '../../../src/domain/dockerfile/read-dockerfile.ts';
import { catalogConfig, childOf, folder, fromUpstream } from '../catalog/catalog-fixtures.ts';

const approved = compileAddHosts(['deb.debian.org', '*.example.com', 'files.example.org:8443']);

function problems(lines: string[], frontend: DockerfileFrontend = 'buildkit-0.8', hosts = approved) {
  return checkAddSources(readDockerfile(`${lines.join('\n')}\n`, { frontend }), hosts);
}

function lines(lines: string[], frontend: DockerfileFrontend = 'buildkit-0.8'): number[] {
  return problems(lines, frontend).map((problem) => problem.line);
}

describe('which host an ADD source reaches', () => {
  it.each([
    ['http://deb.debian.org/debian/x.deb', 'deb.debian.org'],
    ['https://user:pw@Files.Example.ORG:8443/a?b#c', 'files.example.org'],
    // Go's net/url cuts the fragment and query before it reads the authority.
    ['http://evil.test#@deb.debian.org/', 'evil.test'],
    ['http://deb.debian.org@127.0.0.1/', '127.0.0.1'],
    ['http://[::1]:8080/x', '::1'],
    ['git://git.example.com/repo.git', 'git.example.com'],
    ['ssh://git@github.com/org/repo.git', 'github.com'],
    ['git@github.com:org/repo.git#main', 'github.com'],
    ['HTTPS://deb.debian.org/x', 'deb.debian.org'],
  ])('%s → %s', (text, host) => {
    expect(classifyAddSource(text)).toEqual({ kind: 'remote', host, text });
  });

  it.each(['files/app.tar.gz', './x', 'github.com/org/repo', '<<EOF', 'C:/x', 'host:path'])('%s is a local file', (text) => {
    expect(classifyAddSource(text)).toEqual({ kind: 'local' });
  });

  it.each(['http://%31%32%37.0.0.1/', 'http://a\\@b/', 'http:///x', 'http://under_score.test/'])('%s has a host Dockyard cannot read', (text) => {
    expect(classifyAddSource(text)).toEqual({ kind: 'unreadable', text });
  });
});

describe('addresses ADD may never reach', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.1.2', 'a loopback address'],
    ['localhost', 'a loopback name'],
    ['metadata.localhost', 'a loopback name'],
    ['169.254.169.254', 'a link-local address (cloud metadata services live there)'],
    ['10.1.2.3', 'a private address'],
    ['172.17.0.1', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['100.100.100.200', 'a private (shared) address'],
    ['0.0.0.0', 'a reserved address'],
    ['2130706433', 'an address in a form resolvers read differently'],
    ['0x7f.1', 'an address in a form resolvers read differently'],
    ['127.1', 'an address in a form resolvers read differently'],
    ['::1', 'a loopback address'],
    ['::', 'a reserved address'],
    ['fd00:ec2::254', 'a private (unique local) address'],
    ['fe80::1', 'a link-local address'],
    ['::ffff:127.0.0.1', 'an IPv4-mapped address'],
    ['64:ff9b::a9fe:a9fe', 'a NAT64 address'],
  ])('%s: %s', (host, why) => {
    expect(forbiddenHost(host)).toBe(why);
  });

  it.each(['deb.debian.org', '151.101.2.132', '172.32.0.1', '2a04:4e42::644'])('%s is an ordinary host', (host) => {
    expect(forbiddenHost(host)).toBeUndefined();
  });
});

describe('DY005: ADD sources (checkAddSources)', () => {
  it('allows local files, heredocs and URLs on approved hosts (a `*.` pattern covers subdomains only)', () => {
    expect(
      problems([
        'FROM debian',
        'ADD files/app.tar.gz /opt/',
        'ADD http://deb.debian.org/debian/pool/x.deb /tmp/',
        'ADD --chown=1:1 https://a.b.example.com/x https://files.example.org:9999/y /tmp/',
        'ADD ["https://cdn.example.com/z", "/tmp/z"]',
        'ADD files/${NAME} ./also-$LOCAL /tmp/',
      ]),
    ).toEqual([]);
    expect(lines(['FROM debian', 'ADD https://example.com/x /tmp/'])).toEqual([2]);
  });

  it('refuses the host-loopback attack at its line, saying why and what to do', () => {
    expect(problems(['FROM debian', 'RUN true', 'ADD http://127.0.0.1:39113/secret /secret'])).toEqual([
      {
        line: 3,
        message:
          'ADD `http://127.0.0.1:39113/secret` names a loopback address (`127.0.0.1`): the engine fetches ADD sources from its own host, so this would reach the engine\'s host or its private network. ADD may never fetch from loopback, link-local or private addresses.',
      },
    ]);
  });

  it('refuses a private or link-local address even when the operator approved it', () => {
    const hosts = compileAddHosts(['169.254.169.254', '10.0.0.5', 'localhost']);
    expect(problems(['FROM debian', 'ADD http://169.254.169.254/latest/meta-data/ /m', 'ADD http://10.0.0.5/x /x', 'ADD http://localhost/ /l'], 'buildkit-0.8', hosts).map((p) => p.line)).toEqual([2, 3, 4]);
  });

  it('names the approved hosts for an unapproved one, and says when none are approved', () => {
    expect(problems(['FROM debian', 'ADD https://evil.test/x /x'])[0]?.message).toBe(
      'ADD `https://evil.test/x` fetches from `evil.test`, which the operator has not approved for ADD (the engine fetches ADD sources from its own host, outside the build\'s network rules). ' +
        'Approved: `deb.debian.org`, `*.example.com`, `files.example.org:8443`. Commit the file to the image folder and COPY it, or download it in a RUN step and check its checksum. ' +
        'Or ask the platform team to approve the host in `build.egress.addHosts`.',
    );
    expect(problems(['FROM debian', 'ADD https://deb.debian.org/x /x'], 'buildkit-0.8', [])[0]?.message).toContain(
      'No host is approved for ADD (`build.egress.addHosts` in the operator\'s settings).',
    );
  });

  it('refuses a source whose host a variable decides, however the variable is written', () => {
    expect(
      lines([
        'FROM debian',
        'ARG URL=http://deb.debian.org/x',
        'ADD $URL /x',
        'ADD ${URL} /x',
        'ADD http://${HOST}/x /x',
        'ADD "$SCHEME://deb.debian.org/x" /x',
        'ADD git@$HOST:org/repo /x',
        'ADD ${NOPE:-http://127.0.0.1/} /x',
        'ADD files/$OK /x',
      ]),
    ).toEqual([3, 4, 5, 6, 7, 8]);
    expect(problems(['FROM debian', 'ADD $URL /x'])[0]?.message).toBe(
      'ADD `$URL` uses variables where a URL could begin, so Dockyard cannot tell which host ADD would fetch from. Write the URL out in full, or use COPY for files of the image folder (COPY never fetches).',
    );
  });

  it('reads continuation lines, the escape directive, quotes and JSON form as BuildKit does', () => {
    expect(lines(['FROM debian', 'ADD \\', '  http://127.0.0.1/x \\', '  /x'])).toEqual([2]);
    expect(lines(['# escape=`', 'FROM debian', 'ADD `', '  "http://127.0.0.1/x" /x'])).toEqual([3]);
    expect(lines(['FROM debian', 'ADD ["http://127.0.0.1/a", "/a"]'])).toEqual([2]);
    // An escaped dollar is a literal `$`, not a variable: the host is known and approved.
    expect(lines(['FROM debian', 'ADD http://deb.debian.org/\\$x /x'])).toEqual([]);
  });

  it('judges git sources (fetched on the host by newer frontends) and ONBUILD ADD (run in the child build)', () => {
    expect(
      lines(
        [
          'FROM debian',
          'ADD git@github.com:org/repo.git /src',
          'ADD https://github.com/org/repo.git#main /src',
          'ADD git@deb.debian.org:org/repo.git /src',
          'ONBUILD ADD http://169.254.169.254/ /m',
          'ONBUILD ADD --chown=1 http://deb.debian.org/x /x',
          'ONBUILD RUN true',
        ],
        'buildkit-0.34',
      ),
    ).toEqual([2, 3, 5]);
  });

  it('leaves COPY, RUN and the destination word alone', () => {
    expect(lines(['FROM debian', 'COPY http://127.0.0.1/x /x', 'RUN curl http://127.0.0.1/', 'ADD files/x http://127.0.0.1/'])).toEqual([]);
  });
});

describe('DY005 in the catalog analysis', () => {
  const config = catalogConfig('parents:', '  requireDigest: false', '  approved:', '    - pattern: debian');

  it('reports affected images only, at the ADD line, as a failing policy error', () => {
    const folders = [
      folder('base', fromUpstream('debian:bookworm', 'ADD http://127.0.0.1:8080/secret /secret')),
      folder('tools', childOf('base', 'ADD https://evil.test/x /x', 'ADD https://deb.debian.org/ok /ok')),
    ];
    const analysis = analyzeCatalog(folders, [{ path: 'images/tools/Dockerfile', status: 'modified' }], config, { addHosts: ['deb.debian.org'] });
    const dy005 = analysis.policy.findings.filter((finding) => finding.rule === 'DY005');
    expect(dy005).toEqual([
      {
        file: 'images/tools/Dockerfile',
        line: 3,
        severity: 'error',
        source: 'dockyard',
        rule: 'DY005',
        message: expect.stringContaining('`https://evil.test/x` fetches from `evil.test`'),
        image: 'tools',
      },
    ]);
    const all = analyzeCatalog(folders, 'all', config, { addHosts: ['deb.debian.org'] });
    expect(all.policy.findings.filter((finding) => finding.rule === 'DY005').map((finding) => `${finding.image}:${finding.line}`)).toEqual(['base:2', 'tools:3']);
  });

  it('approves no host when the operator named none', () => {
    const analysis = analyzeCatalog([folder('base', fromUpstream('debian:bookworm', 'ADD https://deb.debian.org/x /x'))], 'all', config);
    expect(analysis.policy.findings.map((finding) => finding.rule)).toEqual(['DY005']);
  });
});

describe('the operator settings for ADD hosts', () => {
  it('refuse a loopback, link-local or private address among build.egress.addHosts, at its line', async () => {
    const { parseOperatorSettings } = await import('../../../src/config/read-operator-settings.ts');
    const yaml = ['build:', '  egress:', '    addHosts: [deb.debian.org, "169.254.169.254", "localhost:8080"]', ''].join('\n');
    expect(() => parseOperatorSettings(yaml, 'operator.yml')).toThrow(
      expect.objectContaining({
        issues: [
          { field: 'build.egress.addHosts.1', line: 3, message: 'must not be a loopback, link-local or private address: the engine fetches ADD sources from its own host' },
          { field: 'build.egress.addHosts.2', line: 3, message: 'must not be a loopback, link-local or private address: the engine fetches ADD sources from its own host' },
        ],
      }),
    );
  });

  it('give every build limits, the defaults without an operator file', async () => {
    const { buildLimitsFrom } = await import('../../../src/adapters/docker/build-limits.ts');
    expect(buildLimitsFrom(undefined)).toEqual({ timeoutMs: 1_800_000, network: 'default', addHosts: [], maxContextBytes: 100 * 1024 * 1024, maxOutputBytes: 50 * 1024 * 1024 });
  });
});
