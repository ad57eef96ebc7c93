import { describe, expect, it } from 'vitest';
import { analyzeCatalog } from '../../../src/domain/check/analyze-catalog.ts';
import { catalogConfig, folder } from '../catalog/catalog-fixtures.ts';
import { seedConfig, seedFolders } from './check-fixtures.ts';

describe('analyzeCatalog', () => {
  it('affects a changed image and its descendants, plans them, and lints only the changed Dockerfile', () => {
    const analysis = analyzeCatalog(seedFolders(), [{ path: 'images/python/Dockerfile', status: 'modified' }], seedConfig);

    expect([...analysis.change.changed]).toEqual(['python']);
    expect([...analysis.affected].sort()).toEqual(['boto3', 'python']);
    expect(analysis.plan).toEqual([['python'], ['boto3']]);
    expect(analysis.lintTargets).toEqual(['images/python/Dockerfile']);
    expect(analysis.policy.findings).toEqual([]);
    expect(Object.fromEntries(analysis.policy.verdicts)).toEqual({ boto3: 'catalog', python: 'catalog' });
  });

  it('checks every image when the config changes', () => {
    const analysis = analyzeCatalog(seedFolders(), [{ path: '.github/dockyard.yml', status: 'modified' }], seedConfig);

    expect(analysis.change.everything).toBe(true);
    expect([...analysis.affected].sort()).toEqual(['base', 'boto3', 'node', 'python']);
    expect(analysis.plan).toEqual([['base'], ['node', 'python'], ['boto3']]);
    expect(analysis.lintTargets).toEqual(['images/base/Dockerfile', 'images/boto3/Dockerfile', 'images/node/Dockerfile', 'images/python/Dockerfile']);
    expect(Object.fromEntries(analysis.policy.verdicts)).toEqual({ base: 'approved', boto3: 'catalog', node: 'catalog', python: 'catalog' });
  });

  it("checks every image for 'all'", () => {
    const analysis = analyzeCatalog(seedFolders(), 'all', seedConfig);

    expect(analysis.change).toEqual({ changed: new Set(['base', 'boto3', 'node', 'python']), removed: new Set(), everything: true });
    expect(analysis.affected.size).toBe(4);
  });

  it('affects and explains the children of a removed image', () => {
    const folders = seedFolders().filter((image) => image.name !== 'base');
    const analysis = analyzeCatalog(
      folders,
      [
        { path: 'images/base/Dockerfile', status: 'removed' },
        { path: 'images/base/image.yml', status: 'removed' },
      ],
      seedConfig,
    );

    expect([...analysis.change.removed]).toEqual(['base']);
    expect([...analysis.affected].sort()).toEqual(['boto3', 'node', 'python']);
    expect(analysis.policy.findings.map((finding) => [finding.file, finding.line, finding.rule, finding.message])).toEqual([
      [
        'images/node/Dockerfile',
        2,
        'DY003',
        '`base` is not in the catalog: this change removes `images/base`, but `node` still builds on it. Move `node` to another parent first, or keep `base`.',
      ],
      [
        'images/python/Dockerfile',
        2,
        'DY003',
        '`base` is not in the catalog: this change removes `images/base`, but `python` still builds on it. Move `python` to another parent first, or keep `base`.',
      ],
    ]);
    expect(Object.fromEntries(analysis.policy.verdicts)).toEqual({ boto3: 'catalog', node: 'missing', python: 'missing' });
  });

  it('does not lint a changed image whose Dockerfile cannot be read', () => {
    const analysis = analyzeCatalog(
      [...seedFolders(), folder('ghost', { kind: 'missing' }, 'description: soon\n')],
      [
        { path: 'images/ghost/image.yml', status: 'added' },
        { path: 'images/node/Dockerfile', status: 'modified' },
      ],
      seedConfig,
    );

    expect(analysis.lintTargets).toEqual(['images/node/Dockerfile']);
    expect(analysis.catalog.findings.map((finding) => finding.rule)).toEqual(['DY017']);
    expect(analysis.policy.verdicts.get('ghost')).toBe('unreadable');
  });

  it('ignores a change outside the catalog', () => {
    const analysis = analyzeCatalog(seedFolders(), [{ path: 'README.md', status: 'modified' }], catalogConfig());

    expect(analysis.affected.size).toBe(0);
    expect(analysis.plan).toEqual([]);
    expect(analysis.lintTargets).toEqual([]);
    expect(analysis.policy.verdicts.size).toBe(0);
  });
});
