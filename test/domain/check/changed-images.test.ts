import { describe, expect, it } from 'vitest';
import { summarizeChange, touchesCatalog, type ChangedPath } from '../../../src/domain/check/changed-images.ts';

function summary(paths: ChangedPath[], root = 'images') {
  const { changed, removed, everything } = summarizeChange(paths, root);
  return { changed: [...changed].sort(), removed: [...removed].sort(), everything };
}

describe('summarizeChange', () => {
  it('marks images with an added or modified file in their folder as changed', () => {
    expect(
      summary([
        { path: 'images/python/Dockerfile', status: 'modified' },
        { path: 'images/node/image.yml', status: 'added' },
        { path: 'images/go/scripts/install.sh', status: 'modified' },
        { path: 'images/python/requirements.txt', status: 'added' },
      ]),
    ).toEqual({ changed: ['go', 'node', 'python'], removed: [], everything: false });
  });

  it('marks an image whose Dockerfile is deleted as removed', () => {
    expect(summary([{ path: 'images/old/Dockerfile', status: 'removed' }, { path: 'images/old/image.yml', status: 'removed' }])).toEqual({
      changed: ['old'],
      removed: ['old'],
      everything: false,
    });
  });

  it('marks an image that loses only another file as changed, not removed', () => {
    expect(summary([{ path: 'images/python/image.yml', status: 'removed' }])).toEqual({ changed: ['python'], removed: [], everything: false });
  });

  it('reads a renamed folder as the old image removed and the new one changed', () => {
    expect(
      summary([
        { path: 'images/python3/Dockerfile', status: 'renamed', previousPath: 'images/python/Dockerfile' },
        { path: 'images/python3/image.yml', status: 'renamed', previousPath: 'images/python/image.yml' },
      ]),
    ).toEqual({ changed: ['python', 'python3'], removed: ['python'], everything: false });
  });

  it('reads a Dockerfile moved into the catalog from outside as added', () => {
    expect(summary([{ path: 'images/go/Dockerfile', status: 'renamed', previousPath: 'drafts/go.Dockerfile' }])).toEqual({
      changed: ['go'],
      removed: [],
      everything: false,
    });
  });

  it('ignores files outside the catalog and files directly in the catalog folder', () => {
    expect(
      summary([
        { path: 'README.md', status: 'modified' },
        { path: 'images/README.md', status: 'modified' },
        { path: 'images-old/python/Dockerfile', status: 'modified' },
        { path: 'src/images/python/Dockerfile', status: 'modified' },
      ]),
    ).toEqual({ changed: [], removed: [], everything: false });
  });

  it.each(['.github/dockyard.yml', '.hadolint.yaml', '.hadolint.yml'])('checks everything when %s changes', (path) => {
    expect(summary([{ path, status: 'modified' }]).everything).toBe(true);
  });

  it('uses the configured catalog folder', () => {
    expect(
      summary(
        [
          { path: 'agents/images/python/Dockerfile', status: 'modified' },
          { path: 'images/node/Dockerfile', status: 'modified' },
        ],
        'agents/images',
      ),
    ).toEqual({ changed: ['python'], removed: [], everything: false });
  });
});

describe('touchesCatalog', () => {
  it.each<[string, ChangedPath[], boolean]>([
    ['a catalog file', [{ path: 'images/python/Dockerfile', status: 'modified' }], true],
    ['a file moved out of the catalog', [{ path: 'attic/python/Dockerfile', status: 'renamed', previousPath: 'images/python/Dockerfile' }], true],
    ['the config', [{ path: '.github/dockyard.yml', status: 'modified' }], true],
    ['the hadolint config', [{ path: '.hadolint.yaml', status: 'added' }], true],
    ['only other files', [{ path: 'README.md', status: 'modified' }, { path: 'src/index.ts', status: 'modified' }], false],
    ['a sibling folder with the same prefix', [{ path: 'images-old/python/Dockerfile', status: 'modified' }], false],
    ['nothing', [], false],
  ])('is %s → %s', (_what, paths, expected) => {
    expect(touchesCatalog(paths, 'images')).toBe(expected);
  });
});
