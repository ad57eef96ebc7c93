import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.ts';
import { parseOperatorSettings } from '../../src/config/read-operator-settings.ts';
import { resolveGrants } from '../../src/config/resolve-grants.ts';

const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The first yaml block after a heading. */
function yamlAfter(heading: string): string {
  const section = readme.slice(readme.indexOf(heading));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!yaml) throw new Error(`README has no yaml block under "${heading}"`);
  return yaml;
}

describe('the README', () => {
  it('documents a repository config that Dockyard accepts, with every section', () => {
    const config = parseConfig(yamlAfter('## Configuration'), 'README.md');
    expect(Object.keys(config).sort()).toEqual(['build', 'catalog', 'jenkins', 'lint', 'parents', 'prefix', 'publish', 'registry', 'registryArg', 'scan']);
    expect(config.jenkins?.clouds.map((cloud) => cloud.kind)).toEqual(['ecs']);
  });

  it('documents operator settings that Dockyard accepts and that grant the repository config its choices', () => {
    const operator = parseOperatorSettings(yamlAfter('## Operator settings'), 'README.md');
    expect(Object.keys(operator).sort()).toEqual(['build', 'grants', 'jenkins', 'jobs', 'registries']);
    expect(operator.jobs).toEqual({ concurrency: 2 });
    const text = yamlAfter('## Configuration');
    const resolved = resolveGrants(parseConfig(text, 'README.md'), text, 'README.md', operator, 'example-org/team-platform');
    expect(resolved.publish).toMatchObject({ registryName: 'main', prefix: 'jenkins-agents', adopt: false });
    expect(resolved.config.registry).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    expect(resolved.jenkins?.controller.url).toBe('https://jenkins.example.com/');
  });
});
