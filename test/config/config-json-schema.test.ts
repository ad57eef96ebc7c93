import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configSchemaFile } from '../../src/config/config-json-schema.ts';

const root = path.resolve(import.meta.dirname, '../..');
const checkedIn = JSON.parse(readFileSync(path.join(root, configSchemaFile), 'utf8')) as Record<string, unknown>;
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The first yaml block after a heading. */
function yamlAfter(heading: string): string {
  const section = readme.slice(readme.indexOf(heading));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!yaml) throw new Error(`README has no yaml block under "${heading}"`);
  return yaml;
}

function validator() {
  // Draft-07, as the schema says; formats are only annotations for editors.
  return new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(checkedIn);
}

describe(`the config JSON schema (${configSchemaFile})`, () => {
  it('is the one generated from the zod schema Dockyard validates with (run test/config/write-config-schema.ts after changing it)', () => {
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('accepts the README example, which the README points editors at it from', () => {
    const validate = validator();
    const example = yamlAfter('## Configuration');

    expect(validate(parse(example)), JSON.stringify(validate.errors)).toBe(true);
    expect(example.split('\n')[0]).toBe(`# yaml-language-server: $schema=https://dockyard.example.com/${configSchemaFile}`);
  });

  it('rejects a typo’d key, naming it', () => {
    const validate = validator();
    const typo = { ...(parse(yamlAfter('## Configuration')) as Record<string, unknown>), parent: { approved: [] } };

    expect(validate(typo)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'parent' } }));
  });
});
