import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockyardRules, ruleUrl, setDocsUrl } from '../../../src/domain/report/links.ts';

setDocsUrl('https://dockyard.example.com/docs');

const root = path.resolve(import.meta.dirname, '../../..');

/** Every `'DYnnn'` rule id the source reports. */
function rulesInSource(dir = path.join(root, 'src')): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const rule of rulesInSource(file)) found.add(rule);
    else if (entry.name.endsWith('.ts')) for (const match of readFileSync(file, 'utf8').matchAll(/'(DY\d{3})'/g)) found.add(match[1] as string);
  }
  return found;
}

describe('rule pages', () => {
  it('exist in docs/rules for every Dockyard rule the code reports, with its title, meaning and fix', () => {
    const rules = [...rulesInSource()].sort();

    expect(rules.length).toBeGreaterThan(15);
    expect(Object.keys(dockyardRules).sort()).toEqual(rules);
    for (const rule of rules) {
      const page = path.join(root, 'docs/rules', `${rule}.md`);
      expect(existsSync(page), page).toBe(true);
      const text = readFileSync(page, 'utf8');
      expect(text.startsWith(`# ${rule}: ${dockyardRules[rule]}\n`), rule).toBe(true);
      expect(text).toContain('## What it means');
      expect(text).toContain('## How to fix it');
      expect(ruleUrl(rule)).toBe(`https://dockyard.example.com/docs/rules/${rule}.md`);
    }
  });
});

describe('rule links', () => {
  it('name Dockyard rules without a link until the operator says where the docs are, and refuse an address that is not plain https', () => {
    setDocsUrl(undefined);
    expect(ruleUrl('DY001')).toBeUndefined();
    expect(ruleUrl('DL3008')).toBe('https://github.com/hadolint/hadolint/wiki/DL3008');
    expect(() => setDocsUrl('javascript:alert(1)')).toThrow(/plain https address/);
    expect(() => setDocsUrl('https://docs.example.com/a b')).toThrow(/plain https address/);
    setDocsUrl('https://dockyard.example.com/docs/');
    expect(ruleUrl('DY001')).toBe('https://dockyard.example.com/docs/rules/DY001.md');
  });
});
