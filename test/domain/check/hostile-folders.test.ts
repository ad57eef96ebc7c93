import { describe, expect, it } from 'vitest';
import { analyzeCatalog } from '../../../src/domain/check/analyze-catalog.ts';
import { concludeCheck } from '../../../src/domain/check/conclude-check.ts';
import type { ImageFolder } from '../../../src/domain/catalog/types.ts';
import { catalogConfig, folder, fromUpstream } from '../catalog/catalog-fixtures.ts';

const config = catalogConfig('parents:', '  requireDigest: false', '  approved:', '    - pattern: debian');
const linked: ImageFolder = { name: 'evil', linkTarget: '/etc', dockerfile: { kind: 'missing' }, metadata: { kind: 'missing' } };

function rules(folders: ImageFolder[], changes: Parameters<typeof analyzeCatalog>[1]): string[][] {
  const outcome = concludeCheck(analyzeCatalog(folders, changes, config), { status: 'skipped' }, config);
  return outcome.findings.map((finding) => [finding.file, finding.rule]);
}

describe('folders that cannot be images', () => {
  it('are reported by a full check', () => {
    expect(rules([folder('base', fromUpstream('debian')), folder('Bad_Name', fromUpstream('debian')), linked], 'all')).toEqual([
      ['images/Bad_Name', 'DY016'],
      ['images/evil', 'DY018'],
    ]);
  });

  it('are reported on the change that adds them, also a symlink standing where a folder would', () => {
    const folders = [folder('base', fromUpstream('debian')), linked];

    expect(rules(folders, [{ path: 'images/evil', status: 'added' }])).toEqual([['images/evil', 'DY018']]);
    expect(rules(folders, [{ path: 'images/base/Dockerfile', status: 'modified' }])).toEqual([]);
  });
});
