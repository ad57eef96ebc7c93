import { describe, expect, it } from 'vitest';
import { countBySeverity, sortVulnerabilities } from '../../../src/domain/scan/order-vulnerabilities.ts';
import { vulnerability } from './scan-fixtures.ts';

describe('sortVulnerabilities', () => {
  it('orders by severity, then id with numbers compared as numbers, then package, then installed version', () => {
    const scan = [
      vulnerability('CVE-2024-10000', 'openssl', 'HIGH'),
      vulnerability('CVE-2024-9999', 'zlib1g', 'HIGH'),
      vulnerability('CVE-2024-9999', 'libssl3', 'HIGH', { installedVersion: '3.0.2' }),
      vulnerability('CVE-2024-9999', 'libssl3', 'HIGH', { installedVersion: '3.0.10' }),
      vulnerability('CVE-2025-0001', 'tar', 'LOW'),
      vulnerability('CVE-2020-0001', 'perl', 'UNKNOWN'),
      vulnerability('CVE-2025-0002', 'gzip', 'CRITICAL'),
    ];

    expect(sortVulnerabilities(scan).map((found) => `${found.severity} ${found.id} ${found.pkgName} ${found.installedVersion}`)).toEqual([
      'CRITICAL CVE-2025-0002 gzip 1.0-1',
      'HIGH CVE-2024-9999 libssl3 3.0.2',
      'HIGH CVE-2024-9999 libssl3 3.0.10',
      'HIGH CVE-2024-9999 zlib1g 1.0-1',
      'HIGH CVE-2024-10000 openssl 1.0-1',
      'LOW CVE-2025-0001 tar 1.0-1',
      'UNKNOWN CVE-2020-0001 perl 1.0-1',
    ]);
    expect(countBySeverity(scan)).toEqual({ CRITICAL: 1, HIGH: 4, MEDIUM: 0, LOW: 1, UNKNOWN: 1 });
  });
});
