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
      parents: { approved: [], requireDigest: true, frontends: [] },
      lint: { failureThreshold: 'warning', allowInlineIgnores: false },
    });
    expect(config.parents).toEqual({ approved: [], requireDigest: true, frontends: [] });
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
        '  allowInlineIgnores: true',
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
      lint: { failureThreshold: 'none', allowInlineIgnores: true },
    });
    expect(config.parents.approved[1]).toEqual({ pattern: 'golang:1.*', scope: 'stage' });
  });

  it('fills the defaults of a section given only in part', () => {
    const config = parseConfig(yaml(`registry: ${registry}`, 'parents:', '  requireDigest: true', 'lint: {}'), file);

    expect(config.parents).toEqual({ approved: [], requireDigest: true, frontends: [] });
    expect(config.lint).toEqual({ failureThreshold: 'warning', allowInlineIgnores: false });
  });

  it('refuses an allowInlineIgnores that is not a boolean, naming the field and its line', () => {
    const error = configError(yaml(`registry: ${registry}`, 'lint:', '  allowInlineIgnores: "yes"'));

    expect(error.issues).toEqual([
      { field: 'lint.allowInlineIgnores', line: 3, message: 'must be a boolean, not "yes"' },
    ]);
  });

  it('reads the approved frontends, each with the frontend it reads Dockerfiles as', () => {
    const digest = `sha256:${'c5'.repeat(32)}`;
    const config = parseConfig(
      yaml(
        `registry: ${registry}`,
        'parents:',
        '  frontends:',
        `    - pattern: docker.io/docker/dockerfile@${digest}`,
        '      readsAs: buildkit-0.34',
        '    - pattern: ghcr.io/acme/dockerfile:1.*',
        '      readsAs: buildkit-0.8',
      ),
      file,
    );

    expect(config.parents.frontends).toEqual([
      { pattern: `docker.io/docker/dockerfile@${digest}`, readsAs: 'buildkit-0.34' },
      { pattern: 'ghcr.io/acme/dockerfile:1.*', readsAs: 'buildkit-0.8' },
    ]);
  });

  it('requires each frontend to say which known frontend it reads as', () => {
    const error = configError(
      yaml(
        `registry: ${registry}`,
        'parents:',
        '  frontends:',
        '    - pattern: docker/dockerfile',
        '    - pattern: ghcr.io/acme/dockerfile',
        '      readsAs: buildkit-1.0',
      ),
    );

    expect(error.issues).toEqual([
      { field: 'parents.frontends.0.readsAs', line: 4, message: 'is required: one of "buildkit-0.8", "buildkit-0.34"' },
      { field: 'parents.frontends.1.readsAs', line: 6, message: 'must be one of "buildkit-0.8", "buildkit-0.34"; found "buildkit-1.0"' },
    ]);
  });

  it('has no way to waive the digest pin of a frontend', () => {
    const error = configError(
      yaml(
        `registry: ${registry}`,
        'parents:',
        '  frontends:',
        '    - pattern: docker/dockerfile',
        '      readsAs: buildkit-0.34',
        '      requireDigest: false',
      ),
    );

    expect(error.issues).toEqual([
      { field: 'parents.frontends.0', line: 6, message: 'unknown field "requireDigest"; the fields here are "pattern", "readsAs"' },
    ]);
  });

  it('throws a ConfigError, a UserError, whose message starts with the file', () => {
    const error = configError(yaml('catalog: images'));

    expect(error).toBeInstanceOf(UserError);
    expect(error.name).toBe('ConfigError');
    expect(error.file).toBe(file);
    expect(error.message).toBe(`Invalid config in ${file}: registry (line 1): is required: add it, as a string`);
  });

  it('reports an empty file as missing the registry', () => {
    expect(configError('').issues).toEqual([{ field: 'registry', line: 1, message: 'is required: add it, as a string' }]);
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

    expect(error.issues).toEqual([{ field: '', line: 4, message: 'unknown field "parent"; did you mean "parents"?' }]);
    expect(error.message).toBe(
      `Invalid config in ${file}: (file) (line 4): unknown field "parent"; did you mean "parents"?`,
    );
  });

  it('reports an unknown nested field by name, at its line', () => {
    const error = configError(yaml(`registry: ${registry}`, 'parents:', '  approved: []', '  requireDigst: true'));

    expect(error.issues).toEqual([
      { field: 'parents', line: 4, message: 'unknown field "requireDigst"; did you mean "requireDigest"?' },
    ]);
  });

  it('names every unknown field of one section in one issue', () => {
    const error = configError(yaml(`registry: ${registry}`, 'colour: blue', 'size: 3'));

    expect(error.issues).toEqual([
      { field: '', line: expect.any(Number), message: 'unknown fields "colour", "size"; the fields here are "catalog", "registry", "prefix", "registryArg", "parents", "lint", "build", "scan", "publish", "jenkins"' },
    ]);
  });

  it('reports a value of the wrong kind with its dotted field and line', () => {
    const error = configError(yaml(`registry: ${registry}`, '', 'lint:', '  failureThreshold: loud'));

    expect(error.issues).toEqual([
      {
        field: 'lint.failureThreshold',
        line: 4,
        message: 'must be one of "error", "warning", "info", "style", "none"; found "loud"',
      },
    ]);
    expect(error.message).toBe(
      `Invalid config in ${file}: lint.failureThreshold (line 4): must be one of "error", "warning", "info", "style", "none"; found "loud"`,
    );
  });

  it('locates a problem inside a list entry', () => {
    const error = configError(
      yaml(`registry: ${registry}`, 'parents:', '  approved:', '    - pattern: debian', '    - pattern: ""', '      scope: final'),
    );

    expect(error.issues).toEqual([
      { field: 'parents.approved.1.pattern', line: 5, message: 'must not be empty' },
    ]);
  });

  it('reports every problem at once, with the message each regex gives', () => {
    const error = configError(yaml('registry: https://ECR.example.com', 'prefix: Jenkins Agents', 'catalog: /abs/path'));

    expect(error.issues).toEqual([
      { field: 'catalog', line: 3, message: 'must be a folder inside the repository, relative to its root, such as "images" (no leading /, no . or .. segments)' },
      { field: 'registry', line: 1, message: 'must be a registry name such as "main" or a host such as "123456789012.dkr.ecr.eu-west-1.amazonaws.com"' },
      { field: 'prefix', line: 2, message: 'must be lower-case path components such as "jenkins-agents"' },
    ]);
  });

  it.each(['..', '../outside', 'images/..', 'images/../../etc', '.', './images', 'a/./b', '/etc', 'images/'])(
    'refuses catalog: %s, which does not name a folder inside the repository',
    (catalog) => {
      expect(configError(yaml(`registry: ${registry}`, `catalog: ${JSON.stringify(catalog)}`)).issues).toEqual([
        {
          field: 'catalog',
          line: 2,
          message: 'must be a folder inside the repository, relative to its root, such as "images" (no leading /, no . or .. segments)',
        },
      ]);
    },
  );

  it('accepts catalog folders whose names only contain dots', () => {
    expect(parseConfig(yaml(`registry: ${registry}`, 'catalog: .agents/...images'), file).catalog).toBe('.agents/...images');
  });

  it('refuses aliases that expand like a billion laughs, at the first alias, without expanding them', () => {
    const lines = [`registry: ${registry}`, 'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 10; level++) {
      const name = String.fromCharCode(97 + level);
      lines.push(`x-${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(96 + level)}`).join(',')}]`);
    }

    expect(configError(yaml(...lines)).issues).toEqual([
      {
        field: '',
        line: 3,
        message: 'its aliases (`*a`) expand to more than Dockyard reads (a YAML resource-exhaustion pattern); write the values out instead.',
      },
    ]);
  });

  it('still reads a few aliases', () => {
    const config = parseConfig(
      yaml(`registry: ${registry}`, 'parents:', '  approved:', '    - pattern: &golang docker.io/library/golang', '    - { pattern: *golang, scope: stage }'),
      file,
    );
    expect(config.parents.approved.map((entry) => entry.pattern)).toEqual(['docker.io/library/golang', 'docker.io/library/golang']);
  });

  it('refuses a config over 256 KiB before parsing it', () => {
    const error = configError(`registry: ${registry}\n${'#'.repeat(300 * 1024)}\n`);

    expect(error.issues).toEqual([
      { field: '', line: 1, message: 'is 300 KiB, over the 256 KiB Dockyard reads of this file; keep only the settings Dockyard uses.' },
    ]);
  });

  it('reports nesting too deep for the parser as invalid YAML, at its line', () => {
    const error = configError(yaml(`registry: ${registry}`, `x: ${'['.repeat(20_000)}${']'.repeat(20_000)}`));

    expect(error.issues[0]).toMatchObject({ field: '', line: 2, message: expect.stringMatching(/^not valid YAML: /) });
  });

  it('refuses a document that is not a mapping', () => {
    expect(configError(yaml('- registry: x')).issues).toEqual([
      { field: '', line: 1, message: 'must be a mapping of fields, not a list' },
    ]);
  });
});
