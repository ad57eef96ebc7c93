import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseSimpleYaml } from '../../../src/domain/catalog/parse-simple-yaml.ts';

// The fast path must agree with the real YAML parser whenever it answers, and step aside otherwise.
const answered = [
  'description: Python 3 with pip and venv.\nlabel: python\nowners:\n  - "@example-org/platform"\n',
  'label: boto3\n',
  'owners:\n- alice\n- bob\nlabel: x\n',
  'description: "quoted text"\n',
  '\n\nlabel: spaced\n\n',
];
const declined = [
  'label: 1\n', // a number, not a string
  'label: true\n',
  'label: null\n',
  '# comment\nlabel: x\n',
  'label: x # trailing comment\n',
  'label: x\nlabel: y\n', // duplicate key
  'owners:\n',
  'description: "escaped \\" quote"\n',
  'label:\tx\n',
  'owners: [a, b]\n',
  'description: >\n  folded\n',
  'label: a: b\n',
  '__proto__: x\n',
];

describe('parseSimpleYaml', () => {
  it.each(answered)('agrees with the YAML parser on %j', (text) => {
    expect(parseSimpleYaml(text)).toEqual(parse(text));
  });

  it.each(declined)('leaves %j to the YAML parser', (text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });
});
