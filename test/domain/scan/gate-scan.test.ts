import { describe, expect, it } from 'vitest';
import { gateScan } from '../../../src/domain/scan/gate-scan.ts';
import { unfixed, vulnerability } from './scan-fixtures.ts';

const critical = vulnerability('CVE-2099-0001', 'tar', 'CRITICAL');
const high = vulnerability('CVE-2099-0002', 'gzip', 'HIGH');
const highUnfixed = unfixed('CVE-2099-0003', 'base-files', 'HIGH');
const low = vulnerability('CVE-2099-0010', 'sed', 'LOW');
const unknown = vulnerability('CVE-2099-0020', 'perl', 'UNKNOWN');

describe('gateScan', () => {
  it('fails on CRITICAL by default, counting every severity', () => {
    expect(gateScan([low, high, critical, unknown, highUnfixed])).toEqual({
      passed: false,
      counts: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 1, UNKNOWN: 1 },
      failing: [critical],
    });
  });

  it('passes when nothing reaches a blocking severity', () => {
    expect(gateScan([high, low])).toEqual({
      passed: true,
      counts: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0 },
      failing: [],
    });
  });

  it('fails on every listed severity and lists the blocking findings most severe first, then by id', () => {
    const gate = gateScan([highUnfixed, low, high, critical], { failOn: ['HIGH', 'CRITICAL'] });

    expect(gate.passed).toBe(false);
    expect(gate.failing).toEqual([critical, high, highUnfixed]);
  });

  it('never fails with an empty failOn, and passes an empty scan', () => {
    expect(gateScan([critical], { failOn: [] })).toMatchObject({ passed: true, failing: [] });
    expect(gateScan([])).toEqual({ passed: true, counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 }, failing: [] });
  });

  it('neither fails nor counts a waived finding', () => {
    expect(gateScan([{ ...critical, waived: { source: '.trivyignore' } }])).toEqual({
      passed: true,
      counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
      failing: [],
    });
  });
});
