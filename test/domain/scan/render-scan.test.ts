import { describe, expect, it } from 'vitest';
import type { Vulnerability } from '../../../src/adapters/trivy/types.ts';
import { compareScans } from '../../../src/domain/scan/compare-scans.ts';
import { renderScanMarkdown, renderScanText } from '../../../src/domain/scan/render-scan.ts';
import { unfixed, vulnerability } from './scan-fixtures.ts';

const tar = vulnerability('CVE-2099-0001', 'tar', 'CRITICAL', {
  installedVersion: '1.34+dfsg-1.2+deb12u1',
  fixedVersion: '1.34+dfsg-1.2+deb12u1+dockyard1',
  primaryUrl: 'https://avd.aquasec.com/nvd/cve-2099-0001',
});
const gzip = vulnerability('CVE-2099-0002', 'gzip', 'HIGH', { installedVersion: '1.12-1', fixedVersion: '1.12-1+dockyard1' });
const baseFiles: Vulnerability = { ...unfixed('CVE-2099-0003', 'base-files', 'HIGH'), installedVersion: '12.4+deb12u15' };
const curl = vulnerability('CVE-2099-0005', 'curl', 'MEDIUM', { installedVersion: '7.88.1-10', fixedVersion: '99.0-1' });
const sed = vulnerability('CVE-2099-0010', 'sed', 'LOW');

describe('renderScanMarkdown', () => {
  it('shows the counts and a table sorted by severity, then id, with "no fix" where there is none', () => {
    expect(renderScanMarkdown({ vulnerabilities: [baseFiles, gzip, tar] })).toBe(
      [
        '🔴 1 critical · 🟠 2 high · 🟡 0 medium · ⚪ 0 low',
        '',
        '| Severity | Vulnerability | Package | Installed → fixed | Status | Title |',
        '|---|---|---|---|---|---|',
        '| 🔴 CRITICAL | [CVE-2099-0001](https://avd.aquasec.com/nvd/cve-2099-0001) | `tar` | `1.34+dfsg-1.2+deb12u1` → `1.34+dfsg-1.2+deb12u1+dockyard1` | — | — |',
        '| 🟠 HIGH | CVE-2099-0002 | `gzip` | `1.12-1` → `1.12-1+dockyard1` | — | — |',
        '| 🟠 HIGH | CVE-2099-0003 | `base-files` | `12.4+deb12u15` → no fix | — | — |',
      ].join('\n'),
    );
  });

  it('says what the change adds and fixes, lists the added ones, and cuts both lists at top', () => {
    const comparison = compareScans([sed, curl, baseFiles, tar], [gzip, baseFiles]);

    expect(renderScanMarkdown({ vulnerabilities: [sed, curl, baseFiles, tar], comparison }, { top: 2 })).toBe(
      [
        '🔴 1 critical · 🟠 1 high · 🟡 1 medium · ⚪ 1 low',
        '',
        '**Compared with the published image:** adds 3, fixes 1 (1 unchanged).',
        '',
        'Added:',
        '- 🔴 CRITICAL [CVE-2099-0001](https://avd.aquasec.com/nvd/cve-2099-0001) in `tar` (`1.34+dfsg-1.2+deb12u1` → `1.34+dfsg-1.2+deb12u1+dockyard1`)',
        '- 🟡 MEDIUM CVE-2099-0005 in `curl` (`7.88.1-10` → `99.0-1`)',
        '- …and 1 more',
        '',
        '| Severity | Vulnerability | Package | Installed → fixed | Status | Title |',
        '|---|---|---|---|---|---|',
        '| 🔴 CRITICAL | [CVE-2099-0001](https://avd.aquasec.com/nvd/cve-2099-0001) | `tar` | `1.34+dfsg-1.2+deb12u1` → `1.34+dfsg-1.2+deb12u1+dockyard1` | — | — |',
        '| 🟠 HIGH | CVE-2099-0003 | `base-files` | `12.4+deb12u15` → no fix | — | — |',
        '',
        '…and 2 more (the table shows the 2 most severe).',
      ].join('\n'),
    );
  });

  it('says when there is nothing to show, with a comparison that only fixes', () => {
    expect(renderScanMarkdown({ vulnerabilities: [], comparison: compareScans([], [gzip]) })).toBe(
      [
        '🔴 0 critical · 🟠 0 high · 🟡 0 medium · ⚪ 0 low',
        '',
        '**Compared with the published image:** adds 0, fixes 1 (0 unchanged).',
        '',
        'No vulnerabilities found.',
      ].join('\n'),
    );
  });

  it('counts UNKNOWN only when present, links only web URLs, and keeps odd names from breaking the table', () => {
    const odd = vulnerability('GHSA_x*y', 'pkg|with`tick', 'UNKNOWN', {
      installedVersion: '1|2',
      fixedVersion: '3\n4',
      primaryUrl: 'javascript:alert(1)',
    });

    expect(renderScanMarkdown({ vulnerabilities: [odd] })).toBe(
      [
        '🔴 0 critical · 🟠 0 high · 🟡 0 medium · ⚪ 0 low · ❔ 1 unknown',
        '',
        '| Severity | Vulnerability | Package | Installed → fixed | Status | Title |',
        '|---|---|---|---|---|---|',
        '| ❔ UNKNOWN | GHSA\\_x\\*y | ``pkg\\|with`tick`` | `1\\|2` → `3 4` | — | — |',
      ].join('\n'),
    );
  });
});

describe('renderScanMarkdown with waivers, titles and a parent', () => {
  const titled = { ...gzip, status: 'fixed', title: 'gzip: a crafted archive | overwrites <files>' };
  const waivedTar = { ...tar, waived: { source: '.trivyignore' } };

  it('shows Trivy\'s status and title, and lists waived findings apart, uncounted', () => {
    expect(renderScanMarkdown({ vulnerabilities: [titled, waivedTar] })).toBe(
      [
        '🔴 0 critical · 🟠 1 high · 🟡 0 medium · ⚪ 0 low · 1 waived',
        '',
        '| Severity | Vulnerability | Package | Installed → fixed | Status | Title |',
        '|---|---|---|---|---|---|',
        '| 🟠 HIGH | CVE-2099-0002 | `gzip` | `1.12-1` → `1.12-1+dockyard1` | fixed | gzip: a crafted archive \\| overwrites \\<files\\> |',
        '',
        '**Waived** by `.trivyignore` (not counted, never fail the gate):',
        '',
        '| Severity | Vulnerability | Package | Installed → fixed | Status | Title |',
        '|---|---|---|---|---|---|',
        '| 🔴 CRITICAL | [CVE-2099-0001](https://avd.aquasec.com/nvd/cve-2099-0001) | `tar` | `1.34+dfsg-1.2+deb12u1` → `1.34+dfsg-1.2+deb12u1+dockyard1` | waived | — |',
      ].join('\n'),
    );
  });

  it('lists for a child only what it adds over its parent, and counts the rest', () => {
    const child = renderScanMarkdown({ vulnerabilities: [tar, gzip, curl], parent: { name: 'base', vulnerabilities: [tar, gzip] } });

    expect(child.split('\n').slice(0, 6)).toEqual([
      '🔴 1 critical · 🟠 1 high · 🟡 1 medium · ⚪ 0 low',
      '',
      '2 inherited from `base` (listed there); the table shows what this image adds.',
      '',
      '| Severity | Vulnerability | Package | Installed → fixed | Status | Title |',
      '|---|---|---|---|---|---|',
    ]);
    expect(child).toContain('CVE-2099-0005');
    expect(child).not.toContain('CVE-2099-0001');
    expect(renderScanMarkdown({ vulnerabilities: [tar], parent: { name: 'base', vulnerabilities: [tar] } })).toContain('Nothing beyond what the parent has.');
  });
});

describe('renderScanText', () => {
  it('prints the image, the counts and one aligned line per finding, then the comparison', () => {
    const comparison = compareScans([gzip, baseFiles, tar], [gzip, sed]);

    expect(renderScanText('base', { vulnerabilities: [baseFiles, gzip, tar], comparison })).toBe(
      [
        'base: 1 critical, 2 high, 0 medium, 0 low',
        '  CRITICAL CVE-2099-0001 tar 1.34+dfsg-1.2+deb12u1 -> 1.34+dfsg-1.2+deb12u1+dockyard1',
        '  HIGH     CVE-2099-0002 gzip 1.12-1 -> 1.12-1+dockyard1',
        '  HIGH     CVE-2099-0003 base-files 12.4+deb12u15 -> no fix',
        '  compared with the published image: adds 2, fixes 1 (1 unchanged)',
        '  + CRITICAL CVE-2099-0001 tar (1.34+dfsg-1.2+deb12u1 -> 1.34+dfsg-1.2+deb12u1+dockyard1)',
        '  + HIGH CVE-2099-0003 base-files (12.4+deb12u15 -> no fix)',
      ].join('\n'),
    );
  });

  it('cuts the list at top and prints a clean image as one line', () => {
    expect(renderScanText('python', { vulnerabilities: [sed, curl, gzip] }, { top: 1 })).toBe(
      ['python: 0 critical, 1 high, 1 medium, 1 low', '  HIGH CVE-2099-0002 gzip 1.12-1 -> 1.12-1+dockyard1', '  ...and 2 more'].join('\n'),
    );
    expect(renderScanText('boto3', { vulnerabilities: [] })).toBe('boto3: 0 critical, 0 high, 0 medium, 0 low');
  });
});
