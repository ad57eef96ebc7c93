import { describe, expect, it } from 'vitest';
import { parseTrivyReport } from '../../../src/adapters/trivy/trivy-report.ts';

const tar = { VulnerabilityID: 'CVE-2099-0001', PkgName: 'tar', InstalledVersion: '1.34', Severity: 'CRITICAL' };

describe('parseTrivyReport', () => {
  it.each([
    ['no Results', { SchemaVersion: 2 }],
    ['null Results', { SchemaVersion: 2, Results: null }],
    ['a Result without Vulnerabilities', { SchemaVersion: 2, Results: [{ Target: 'debian 12' }] }],
    ['null Vulnerabilities', { SchemaVersion: 2, Results: [{ Target: 'debian 12', Vulnerabilities: null }] }],
  ])('reads %s as no vulnerabilities', (_, report) => {
    expect(parseTrivyReport(JSON.stringify(report))).toEqual({ ok: true, vulnerabilities: [] });
  });

  it('keeps the fields Dockyard uses, drops empty ones, sorts and removes exact repeats across results', () => {
    const report = {
      SchemaVersion: 2,
      Results: [
        {
          Target: 'usr/share/jenkins/agent.jar',
          Vulnerabilities: [
            { ...tar, PkgName: 'commons-io', VulnerabilityID: 'GHSA-aaaa', Severity: 'MEDIUM', FixedVersion: '2.14.0, 2.15.1', PkgPath: 'a.jar' },
          ],
        },
        {
          Target: 'debian 12',
          Vulnerabilities: [
            { ...tar, VulnerabilityID: 'CVE-2099-0003', PkgName: 'base-files', Severity: 'HIGH', FixedVersion: '', Status: 'affected', Title: null },
            { ...tar, FixedVersion: '1.35', Title: 'tar: bad', Status: 'fixed', PrimaryURL: 'https://avd.aquasec.com/nvd/cve-2099-0001', Extra: 1 },
          ],
        },
        {
          Target: 'opt/other.jar',
          Vulnerabilities: [
            { ...tar, PkgName: 'commons-io', VulnerabilityID: 'GHSA-aaaa', Severity: 'MEDIUM', FixedVersion: '2.14.0, 2.15.1', PkgPath: 'b.jar' },
          ],
        },
      ],
    };

    expect(parseTrivyReport(JSON.stringify(report))).toEqual({
      ok: true,
      vulnerabilities: [
        {
          id: 'CVE-2099-0001',
          pkgName: 'tar',
          installedVersion: '1.34',
          fixedVersion: '1.35',
          severity: 'CRITICAL',
          title: 'tar: bad',
          status: 'fixed',
          primaryUrl: 'https://avd.aquasec.com/nvd/cve-2099-0001',
        },
        { id: 'CVE-2099-0003', pkgName: 'base-files', installedVersion: '1.34', severity: 'HIGH', status: 'affected' },
        { id: 'GHSA-aaaa', pkgName: 'commons-io', installedVersion: '1.34', fixedVersion: '2.14.0, 2.15.1', severity: 'MEDIUM' },
      ],
    });
  });

  it('reads what --show-suppressed lists as waived, marked with where it was waived, and nothing else it lists', () => {
    const gzip = { VulnerabilityID: 'CVE-2099-0002', PkgName: 'gzip', InstalledVersion: '1.12', Severity: 'HIGH' };
    const report = {
      SchemaVersion: 2,
      Results: [
        {
          Vulnerabilities: [gzip],
          ExperimentalModifiedFindings: [
            { Type: 'vulnerability', Status: 'ignored', Statement: '', Source: '.trivyignore', Finding: tar },
            { Type: 'vulnerability', Status: 'not_affected', Statement: 'vex', Source: 'vex.json', Finding: tar },
            { Type: 'misconfiguration', Status: 'ignored', Source: '.trivyignore', Finding: { ID: 'AVD-1' } },
          ],
        },
      ],
    };

    expect(parseTrivyReport(JSON.stringify(report))).toEqual({
      ok: true,
      vulnerabilities: [
        { id: 'CVE-2099-0001', pkgName: 'tar', installedVersion: '1.34', severity: 'CRITICAL', waived: { source: '.trivyignore' } },
        { id: 'CVE-2099-0002', pkgName: 'gzip', installedVersion: '1.12', severity: 'HIGH' },
      ],
    });
  });

  it('says what is wrong with output that is not a report', () => {
    expect(parseTrivyReport('')).toEqual({ ok: false, error: 'not JSON: (no output)' });
    expect(parseTrivyReport(JSON.stringify({ SchemaVersion: 2, Results: [{ Vulnerabilities: [{ ...tar, Severity: 'SEVERE' }] }] }))).toEqual({
      ok: false,
      error:
        'unexpected JSON: ✖ Invalid option: expected one of "CRITICAL"|"HIGH"|"MEDIUM"|"LOW"|"UNKNOWN"\n  → at Results[0].Vulnerabilities[0].Severity',
    });
    expect(parseTrivyReport('[]')).toEqual({ ok: false, error: 'unexpected JSON: ✖ Invalid input: expected object, received array' });
  });
});
