import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.ts';

const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

describe('the README', () => {
  it('documents a config that Dockyard accepts, with every section', () => {
    const section = readme.slice(readme.indexOf('## Configuration'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    if (!yaml) throw new Error('README has no yaml block under "## Configuration"');
    const config = parseConfig(yaml, 'README.md');
    expect(Object.keys(config).sort()).toEqual(['build', 'catalog', 'jenkins', 'lint', 'parents', 'prefix', 'publish', 'registry', 'registryArg', 'scan']);
    expect(config.jenkins?.clouds.map((cloud) => cloud.kind)).toEqual(['ecs']);
  });
});
