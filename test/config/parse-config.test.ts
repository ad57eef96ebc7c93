import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.ts';
import { ConfigError, UserError } from '../../src/errors.ts';

const file = '.github/dockyard.yml';
const registry = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The ConfigError parseConfig throws for the text; fails the test if it does not throw one. */
function configError(text: string): ConfigError {
  try {
    parseConfig(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('parseConfig accepted the config');
}

describe('parseConfig', () => {
  // toMatchObject: other sections (build, scan, …) have their own defaults and tests.
  it('applies every default to a config that gives only the registry', () => {
    const config = parseConfig(yaml(`registry: ${registry}`), file);

    expect(config).toMatchObject({
      catalog: 'images',
      registry,
      prefix: 'jenkins-agents',
      registryArg: 'REGISTRY',
      parents: { approved: [], requireDigest: false },
      lint: { failureThreshold: 'warning' },
    });
    expect(config.parents).toEqual({ approved: [], requireDigest: false });
  });

  it('reads a full config, defaulting the scope of each approved parent to any', () => {
    const config = parseConfig(
      yaml(
        '# Dockyard policy',
        'catalog: agents/images',
        `registry: ${registry}`,
        'prefix: ci/agents',
        'registryArg: ECR_REGISTRY',
        'parents:',
        '  requireDigest: true',
        '  approved:',
        '    - pattern: docker.io/jenkins/inbound-agent',
        '      requireDigest: true',
        '    - pattern: golang:1.*',
        '      scope: stage',
        'lint:',
        '  failureThreshold: none',
      ),
      file,
    );

    expect(config).toMatchObject({
      catalog: 'agents/images',
      registry,
      prefix: 'ci/agents',
      registryArg: 'ECR_REGISTRY',
      parents: {
        requireDigest: true,
        approved: [
          { pattern: 'docker.io/jenkins/inbound-agent', requireDigest: true, scope: 'any' },
          { pattern: 'golang:1.*', scope: 'stage' },
        ],
      },
      lint: { failureThreshold: 'none' },
    });
    expect(config.parents.approved[1]).toEqual({ pattern: 'golang:1.*', scope: 'stage' });
  });

  it('fills the defaults of a section given only in part', () => {
    const config = parseConfig(yaml(`registry: ${registry}`, 'parents:', '  requireDigest: true', 'lint: {}'), file);

    expect(config.parents).toEqual({ approved: [], requireDigest: true });
    expect(config.lint).toEqual({ failureThreshold: 'warning' });
  });

  it('throws a ConfigError, a UserError, whose message starts with the file', () => {
    const error = configError(yaml('catalog: images'));

    expect(error).toBeInstanceOf(UserError);
    expect(error.name).toBe('ConfigError');
    expect(error.file).toBe(file);
    expect(error.message).toBe(`Invalid config in ${file}: registry (line 1): Invalid input: expected string, received undefined`);
  });

  it('reports an empty file as missing the registry', () => {
    expect(configError('').issues).toEqual([{ field: 'registry', line: 1, message: 'Invalid input: expected string, received undefined' }]);
  });

  it('reports invalid YAML with its line and the first line of the parser message', () => {
    const error = configError(yaml(`registry: ${registry}`, 'prefix: jenkins-agents', 'lint: failureThreshold: error'));

    expect(error.issues).toEqual([{ field: '', line: 3, message: 'not valid YAML: Nested mappings are not allowed in compact mappings' }]);
    expect(error.message).toBe(
      `Invalid config in ${file}: (file) (line 3): not valid YAML: Nested mappings are not allowed in compact mappings`,
    );
  });

  it('reports a duplicated key as invalid YAML at the duplicate', () => {
    const error = configError(yaml(`registry: ${registry}`, 'catalog: images', `registry: other.example.com`));

    expect(error.issues).toEqual([{ field: '', line: 3, message: expect.stringMatching(/^not valid YAML: .*unique/i) }]);
  });

  it('reports an unknown top-level field by name, at its line', () => {
    const error = configError(yaml('# policy', `registry: ${registry}`, 'prefix: jenkins-agents', 'parent:', '  approved: []'));

    expect(error.issues).toEqual([{ field: '', line: 4, message: 'unknown field "parent"; check the spelling against the README' }]);
    expect(error.message).toBe(
      `Invalid config in ${file}: (file) (line 4): unknown field "parent"; check the spelling against the README`,
    );
  });

  it('reports an unknown nested field by name, at its line', () => {
    const error = configError(yaml(`registry: ${registry}`, 'parents:', '  approved: []', '  requireDigst: true'));

    expect(error.issues).toEqual([
      { field: 'parents', line: 4, message: 'unknown field "requireDigst"; check the spelling against the README' },
    ]);
  });

  it('names every unknown field of one section in one issue', () => {
    const error = configError(yaml(`registry: ${registry}`, 'colour: blue', 'size: 3'));

    expect(error.issues).toEqual([
      { field: '', line: expect.any(Number), message: 'unknown fields "colour", "size"; check the spelling against the README' },
    ]);
  });

  it('reports a value of the wrong kind with its dotted field and line', () => {
    const error = configError(yaml(`registry: ${registry}`, '', 'lint:', '  failureThreshold: loud'));

    expect(error.issues).toEqual([
      {
        field: 'lint.failureThreshold',
        line: 4,
        message: 'Invalid option: expected one of "error"|"warning"|"info"|"style"|"none"',
      },
    ]);
    expect(error.message).toBe(
      `Invalid config in ${file}: lint.failureThreshold (line 4): Invalid option: expected one of "error"|"warning"|"info"|"style"|"none"`,
    );
  });

  it('locates a problem inside a list entry', () => {
    const error = configError(
      yaml(`registry: ${registry}`, 'parents:', '  approved:', '    - pattern: debian', '    - pattern: ""', '      scope: final'),
    );

    expect(error.issues).toEqual([
      { field: 'parents.approved.1.pattern', line: 5, message: 'Too small: expected string to have >=1 characters' },
    ]);
  });

  it('reports every problem at once, with the message each regex gives', () => {
    const error = configError(yaml('registry: https://ECR.example.com', 'prefix: Jenkins Agents', 'catalog: /abs/path'));

    expect(error.issues).toEqual([
      { field: 'catalog', line: 3, message: 'must be a relative folder path such as "images"' },
      { field: 'registry', line: 1, message: 'must be a registry host such as "123456789012.dkr.ecr.eu-west-1.amazonaws.com"' },
      { field: 'prefix', line: 2, message: 'must be lower-case path components such as "jenkins-agents"' },
    ]);
  });

  it('refuses a document that is not a mapping', () => {
    expect(configError(yaml('- registry: x')).issues).toEqual([
      { field: '', line: 1, message: 'Invalid input: expected object, received array' },
    ]);
  });
});
