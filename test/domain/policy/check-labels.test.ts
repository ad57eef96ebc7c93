import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../../src/domain/catalog/build-catalog.ts';
import { checkLabels } from '../../../src/domain/policy/check-labels.ts';
import { catalogConfig, childOf, folder, fromUpstream } from '../catalog/catalog-fixtures.ts';

const config = catalogConfig();

function labelFindings(folders: Parameters<typeof buildCatalog>[0], affected: string[]) {
  return checkLabels(buildCatalog(folders, config), new Set(affected)).map((finding) => [finding.image, finding.file, finding.line, finding.message]);
}

describe('checkLabels (DY008)', () => {
  it('passes images whose labels differ, defaulting each to its name', () => {
    expect(labelFindings([folder('base', fromUpstream('debian')), folder('python', childOf('base'), 'label: py3 python\n')], ['base', 'python'])).toEqual([]);
  });

  it('reports only the affected image of a clash, at its label line, naming the image that offers it already', () => {
    const folders = [
      folder('python', fromUpstream('debian'), 'description: Python.\nlabel: python linux\n'),
      folder('py3', fromUpstream('debian'), '# the new one\nlabel: py3 linux\n'),
    ];

    expect(labelFindings(folders, ['py3'])).toEqual([
      [
        'py3',
        'images/py3/image.yml',
        2,
        '`py3` offers the Jenkins label `linux`, which `python` also offers (images/python/image.yml:2): a job asking for `linux` could get either agent. Give `py3` a label of its own: set `label:` in images/py3/image.yml.',
      ],
    ]);
    expect(labelFindings(folders, [])).toEqual([]);
  });

  it('reports a label that is another image name at Dockerfile line 1 of the image that defaults to it', () => {
    const folders = [folder('base', fromUpstream('debian')), folder('tools', fromUpstream('debian'), 'label: base\n')];

    expect(labelFindings(folders, ['base'])).toEqual([
      [
        'base',
        'images/base/Dockerfile',
        1,
        '`base` offers the Jenkins label `base` (its default label, the image name), which `tools` also offers (images/tools/image.yml:1): a job asking for `base` could get either agent. Give `base` a label of its own: set `label:` in images/base/image.yml.',
      ],
    ]);
  });

  it('names an image the change leaves alone before one it also adds', () => {
    const folders = [
      folder('a', fromUpstream('debian'), 'label: shared\n'),
      folder('b', fromUpstream('debian'), 'label: shared\n'),
      folder('c', fromUpstream('debian'), 'label: shared\n'),
    ];

    expect(labelFindings(folders, ['a', 'b']).map(([image, , , message]) => [image, String(message).match(/which `(\w)`/)?.[1]])).toEqual([
      ['a', 'c'],
      ['b', 'c'],
    ]);
  });

  it('leaves out an image whose image.yml cannot be read: its finding is DY019', () => {
    expect(labelFindings([folder('base', fromUpstream('debian')), folder('tools', fromUpstream('debian'), 'label: base\ncolour: blue\n')], ['base', 'tools'])).toEqual([]);
  });
});
