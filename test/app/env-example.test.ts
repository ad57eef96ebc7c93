import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'cli' ? [] : sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

/** The variables the app names: Dockyard's (src/, without the CLI's) and those Probot reads at start. */
function variablesTheAppReads(): string[] {
  const names = new Set<string>();
  for (const file of sourceFiles(path.join(root, 'src'))) {
    for (const [name] of readFileSync(file, 'utf8').matchAll(/\b(?:DOCKYARD|DOCKER)_[A-Z0-9_]+\b/g)) names.add(name);
  }
  for (const file of ['bin/read-env-options.js', 'manifest-creation.js']) {
    for (const [, name = ''] of readFileSync(path.join(root, 'node_modules/probot/lib', file), 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)\b/g)) names.add(name);
  }
  for (const name of ['PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'AWS_REGION']) names.add(name);
  return [...names].sort();
}

describe('.env.example', () => {
  it('lists every variable the app reads', () => {
    const listed = new Set([...readFileSync(path.join(root, '.env.example'), 'utf8').matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));
    const read = variablesTheAppReads();
    expect(read).toEqual(expect.arrayContaining(['APP_ID', 'DOCKYARD_OPERATOR_CONFIG', 'DOCKYARD_STATE_DIR', 'GHE_HOST', 'WEBHOOK_SECRET']));
    expect(read.filter((name) => !listed.has(name))).toEqual([]);
  });
});
