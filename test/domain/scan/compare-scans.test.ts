import { describe, expect, it } from 'vitest';
import { compareScans } from '../../../src/domain/scan/compare-scans.ts';
import { unfixed, vulnerability } from './scan-fixtures.ts';

describe('compareScans', () => {
  it('splits findings into added, fixed and unchanged by (id, package)', () => {
    const tar = vulnerability('CVE-2099-0001', 'tar', 'CRITICAL');
    const gzip = vulnerability('CVE-2099-0002', 'gzip', 'HIGH');
    const baseFiles = unfixed('CVE-2099-0003', 'base-files', 'HIGH');
    const curl = vulnerability('CVE-2099-0005', 'curl', 'MEDIUM');
    const libcurl = vulnerability('CVE-2099-0005', 'libcurl4', 'MEDIUM');

    expect(compareScans([libcurl, baseFiles, curl, tar], [gzip, tar, baseFiles])).toEqual({
      added: [curl, libcurl],
      fixed: [gzip],
      unchanged: 2,
    });
  });

  it('counts a package that moved to another version but keeps the advisory as unchanged', () => {
    const before = vulnerability('CVE-2099-0001', 'tar', 'HIGH', { installedVersion: '1.34-1' });
    const after = vulnerability('CVE-2099-0001', 'tar', 'HIGH', { installedVersion: '1.34-2' });

    expect(compareScans([after], [before])).toEqual({ added: [], fixed: [], unchanged: 1 });
  });

  it('lists the same advisory in another package as added, and counts repeats once', () => {
    const inTar = vulnerability('CVE-2099-0001', 'tar', 'HIGH');
    const inCpio = vulnerability('CVE-2099-0001', 'cpio', 'HIGH');
    const inCpioElsewhere = vulnerability('CVE-2099-0001', 'cpio', 'HIGH', { installedVersion: '2.0-1' });

    expect(compareScans([inTar, inCpioElsewhere, inCpio, inTar], [inTar])).toEqual({ added: [inCpio], fixed: [], unchanged: 1 });
  });

  it('treats everything as added when nothing is published yet', () => {
    const low = vulnerability('CVE-2099-0010', 'sed', 'LOW');
    const critical = vulnerability('CVE-2099-0001', 'tar', 'CRITICAL');

    expect(compareScans([low, critical], [])).toEqual({ added: [critical, low], fixed: [], unchanged: 0 });
  });

  it('leaves waived findings out on both sides, so a waiver is never a fix and a waived one never new', () => {
    const tar = vulnerability('CVE-2099-0001', 'tar', 'CRITICAL');
    const gzip = vulnerability('CVE-2099-0002', 'gzip', 'HIGH');
    const waived = { source: '.trivyignore' };

    expect(compareScans([{ ...tar, waived }, gzip], [{ ...tar, waived }])).toEqual({ added: [gzip], fixed: [], unchanged: 0 });
    expect(compareScans([{ ...tar, waived }], [tar]).added).toEqual([]);
  });
});
