import { describe, expect, it } from 'vitest';
import { parseOperatorSettings } from '../../src/config/read-operator-settings.ts';
import { repositoryMatches, resolveGrants } from '../../src/config/resolve-grants.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import { ConfigError } from '../../src/errors.ts';

const file = '.github/dockyard.yml';
const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

const operator = parseOperatorSettings(
  [
    'registries:',
    `  main: { host: ${host} }`,
    'jenkins:',
    '  main: { url: "https://jenkins.example.com/", auth: { reloadTokenEnv: JENKINS_RELOAD_TOKEN }, delivery: { serve: { enabled: true } } }',
    '  other: { url: "https://jenkins.other.example.com/", auth: { reloadTokenEnv: OTHER_RELOAD_TOKEN }, delivery: { serve: { enabled: true } } }',
    'grants:',
    '  - repositories: [example-org/team-a]',
    '    registry: main',
    '    prefix: team-a',
    '    jenkins: [main]',
    '  - repositories: ["example-org/team-b*"]',
    '    registry: main',
    '    prefix: team-b',
    '    adopt: true',
    '',
  ].join('\n'),
  'operator.yml',
);

function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function resolve(text: string, repo: string) {
  return resolveGrants(parseConfig(text, file), text, file, operator, repo);
}

function refusal(text: string, repo: string): ConfigError {
  try {
    resolve(text, repo);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the grants allowed it');
}

describe('repositoryMatches', () => {
  it('matches owner/repo case-insensitively, `*` within one part only', () => {
    expect(repositoryMatches('example-org/team-*', 'Example-Org/team-b')).toBe(true);
    expect(repositoryMatches('example-org/team-*', 'example-org/other')).toBe(false);
    expect(repositoryMatches('*/agents', 'evil/agents')).toBe(true);
    expect(repositoryMatches('example-org/*', 'example-org/a/b')).toBe(false);
    expect(repositoryMatches('example-org/a.b', 'example-org/aXb')).toBe(false);
  });
});

describe('resolveGrants', () => {
  it('resolves a registry name to its host and a granted namespace, with the grant\'s adopt flag', () => {
    const resolved = resolve(yaml('registry: main', 'prefix: team-b/agents'), 'example-org/team-b2');
    expect(resolved.config.registry).toBe(host);
    expect(resolved.publish).toEqual({
      registryName: 'main',
      registry: { host, region: 'eu-west-1', accountId: '123456789012' },
      prefix: 'team-b/agents',
      catalog: 'example-org/team-b2',
      adopt: true,
    });
    expect(resolved.jenkins).toBeUndefined();
  });

  it('accepts the registry host in place of its name, and a granted controller', () => {
    const resolved = resolve(
      yaml(`registry: ${host}`, 'prefix: team-a', 'jenkins:', '  controller: main', '  clouds:', '    - { kind: docker, name: agents, dockerHost: { uri: "unix:///var/run/docker.sock" } }'),
      'example-org/team-a',
    );
    expect(resolved.publish.prefix).toBe('team-a');
    expect(resolved.jenkins?.controller.url).toBe('https://jenkins.example.com/');
  });

  it('refuses repository B publishing under repository A\'s namespace, at the prefix line', () => {
    const error = refusal(yaml('# team B', 'registry: main', 'prefix: team-a'), 'example-org/team-b');
    expect(error.message).toBe(
      'Invalid config in .github/dockyard.yml: prefix (line 3): "team-a" is not a namespace granted to example-org/team-b in registry "main" (granted: "team-b"). Namespaces are operator settings: use a granted prefix or ask your Dockyard operator for a grant.',
    );
    // A namespace that merely starts with the granted one is not inside it.
    expect(refusal(yaml('registry: main', 'prefix: team-bx'), 'example-org/team-b').issues[0]?.field).toBe('prefix');
  });

  it('refuses a registry the operator did not define, and one the repository has no grant in', () => {
    expect(refusal(yaml('registry: attacker.example.com', 'prefix: team-a'), 'example-org/team-a').issues).toEqual([
      {
        field: 'registry',
        line: 1,
        message: `"attacker.example.com" is not a registry your Dockyard operator defined (main (${host})). Registries are operator settings: write the name of one, and ask your operator for a grant if this repository has none.`,
      },
    ]);
    expect(refusal(yaml('registry: main'), 'someone-else/agents').issues).toEqual([
      {
        field: 'registry',
        line: 1,
        message: 'someone-else/agents has no grant to publish to registry "main". Publishing namespaces are operator settings: ask your Dockyard operator to grant this repository a prefix there.',
      },
    ]);
  });

  it('refuses a Jenkins controller that is not granted to the repository, or not defined', () => {
    const config = (controller: string) =>
      yaml('registry: main', 'prefix: team-b', 'jenkins:', `  controller: ${controller}`, '  clouds:', '    - { kind: docker, name: agents, dockerHost: { uri: "unix:///var/run/docker.sock" } }');
    expect(refusal(config('main'), 'example-org/team-b').issues).toEqual([
      { field: 'jenkins.controller', line: 4, message: 'example-org/team-b may not register in Jenkins controller "main": ask your Dockyard operator to add it to this repository\'s grant.' },
    ]);
    expect(refusal(config('nope'), 'example-org/team-b').issues[0]?.message).toBe(
      '"nope" is not a Jenkins controller your Dockyard operator defined (main, other). Controllers are operator settings: ask your operator to define one.',
    );
  });
});
