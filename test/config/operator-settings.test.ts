import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOperatorSettings, parseOperatorSettings } from '../../src/config/read-operator-settings.ts';
import { ConfigError } from '../../src/errors.ts';

const file = '/etc/dockyard/operator.yml';

function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

const valid = yaml(
  'registries:',
  '  main:',
  '    host: 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  'jenkins:',
  '  main:',
  '    url: https://jenkins.example.com/',
  '    auth: { user: dockyard, apiTokenEnv: JENKINS_API_TOKEN }',
  '    delivery:',
  '      serve: { enabled: true }',
  '      writeTo: /var/jenkins_casc/dockyard',
  'grants:',
  '  - repositories: [example-org/agents, "example-org/team-*"]',
  '    registry: main',
  '    prefix: jenkins-agents',
  '    jenkins: [main]',
  'build:',
  '  timeoutSeconds: 1800',
  '  egress: { addHosts: [github.com], cidrs: [10.20.0.0/16] }',
);

function configError(text: string): ConfigError {
  try {
    parseOperatorSettings(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the operator settings were accepted');
}

describe('parseOperatorSettings', () => {
  it('reads registries, controllers and grants, deriving region and account from an ECR host', () => {
    expect(parseOperatorSettings(valid, file)).toEqual({
      registries: { main: { host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', region: 'eu-west-1', accountId: '123456789012' } },
      jenkins: {
        main: {
          url: 'https://jenkins.example.com/',
          allowInsecureHttp: false,
          auth: { user: 'dockyard', apiTokenEnv: 'JENKINS_API_TOKEN' },
          delivery: { serve: { enabled: true, path: '/jenkins/casc', auth: 'capability' }, writeTo: '/var/jenkins_casc/dockyard' },
          cloudOwnership: { otherSources: [], takeOver: false },
        },
      },
      grants: [{ repositories: ['example-org/agents', 'example-org/team-*'], registry: 'main', prefix: 'jenkins-agents', adopt: false, jenkins: ['main'] }],
      build: { timeoutSeconds: 1800, memoryMiB: 4096, cpus: 2, maxContextMiB: 100, maxOutputMiB: 50, network: 'default', egress: { addHosts: ['github.com'], cidrs: ['10.20.0.0/16'] } },
    });
  });

  it('refuses plain http for a controller, and allows it only on loopback when asked', () => {
    const controller = (url: string, insecure: boolean) =>
      yaml('jenkins:', '  main:', `    url: ${url}`, ...(insecure ? ['    allowInsecureHttp: true'] : []), '    auth: { reloadTokenEnv: JENKINS_RELOAD_TOKEN }', '    delivery: { serve: { enabled: true } }');
    expect(configError(controller('http://jenkins.example.com/', false)).message).toBe(
      `Invalid config in ${file}: jenkins.main.url (line 3): must use https: Dockyard sends Jenkins credentials to it (allowInsecureHttp: true allows http on loopback, for testing)`,
    );
    expect(configError(controller('http://jenkins.example.com/', true)).issues).toEqual([
      { field: 'jenkins.main.url', line: 3, message: 'may use http only on a loopback address (127.0.0.1, ::1, localhost); use https' },
    ]);
    expect(parseOperatorSettings(controller('http://127.0.0.1:8080/', true), file).jenkins['main']?.url).toBe('http://127.0.0.1:8080/');
  });

  it('names file, field and line of each problem: env var values, dangling grants, unknown fields', () => {
    const error = configError(
      yaml(
        'registries:',
        '  main: { host: 123456789012.dkr.ecr.eu-west-1.amazonaws.com, region: us-east-1 }',
        'jenkins:',
        '  main:',
        '    url: https://jenkins.example.com/',
        '    auth: { reloadTokenEnv: "s3cr3t-value" }',
        '    delivery: { writeTo: /var/casc }',
        'grants:',
        '  - repositories: [example-org/agents]',
        '    registry: other',
        '    prefix: agents',
        '    jenkins: [main, ci]',
        'egress: {}',
      ),
    );
    expect(error.file).toBe(file);
    expect(error.issues).toEqual([
      { field: 'registries.main.region', line: 2, message: 'must be "eu-west-1", the region in host' },
      {
        field: 'jenkins.main.auth.reloadTokenEnv',
        line: 6,
        message: 'must be the NAME of an environment variable of the app, such as "JENKINS_API_TOKEN"; secrets never go in this file',
      },
      { field: 'egress', line: 13, message: 'unknown field "egress"; check the spelling against the README' },
    ]);
  });

  it('refuses grants that name a registry or controller it does not define', () => {
    const error = configError(
      yaml('registries:', '  main: { host: 127.0.0.1:5000 }', 'grants:', '  - repositories: [example-org/agents]', '    registry: other', '    prefix: agents', '    jenkins: [ci]'),
    );
    expect(error.issues).toEqual([
      { field: 'grants.0.registry', line: 5, message: 'names no registry under registries (defined: main)' },
      { field: 'grants.0.jenkins.0', line: 7, message: 'names no controller under jenkins (defined: none)' },
    ]);
  });
});

describe('readOperatorSettings', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is undefined without DOCKYARD_OPERATOR_CONFIG: publishing is off', () => {
    expect(readOperatorSettings(undefined)).toBeUndefined();
  });

  it('reads the named file, and refuses one that is missing', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dockyard-operator-'));
    const named = path.join(dir, 'operator.yml');
    await writeFile(named, valid);
    expect(Object.keys(readOperatorSettings(named)?.registries ?? {})).toEqual(['main']);
    expect(() => readOperatorSettings(path.join(dir as string, 'missing.yml'))).toThrow(
      /missing\.yml: \(file\) \(line 1\): cannot be read \(ENOENT\); DOCKYARD_OPERATOR_CONFIG must name a readable file/,
    );
  });
});
