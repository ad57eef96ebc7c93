import { describe, expect, it } from 'vitest';
import { diff, type ReaderView } from './diff-readings.ts';
import type { OracleResult } from './oracle.ts';

const reading: ReaderView = {
  directives: { escape: '\\', syntax: 'docker/dockerfile:1', check: null },
  stages: [
    { name: 'build', base: 'golang:1.22', platform: '$BUILDPLATFORM' },
    { name: null, base: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/jenkins-agents/base', platform: null },
  ],
  sources: [{ stage: 1, via: 'copy', from: 'build' }],
  resolved: ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/jenkins-agents/base:latest', 'docker.io/library/golang:1.22'],
  rejected: false,
};
const answer = (changes: Partial<OracleResult> = {}): OracleResult => ({ id: 'f', ...structuredClone(reading), ...changes });

describe('diff', () => {
  it('finds nothing when both readings are the same', () => {
    expect(diff(reading, answer())).toEqual([]);
  });

  it('names each field that differs, with both values', () => {
    const oracle = answer();
    oracle.directives.escape = '`';
    (oracle.stages[1] as { base: string }).base = 'ghcr.io/attacker/evil';
    (oracle.sources[0] as { via: string }).via = 'mount';
    oracle.resolved = ['ghcr.io/attacker/evil:latest'];

    expect(diff(reading, oracle)).toEqual([
      { class: 'directives.escape', at: 'directives.escape', dockyard: '\\', buildkit: '`' },
      { class: 'stages.base', at: 'stages[1].base', dockyard: reading.stages[1]?.base, buildkit: 'ghcr.io/attacker/evil' },
      { class: 'sources.via', at: 'sources[0].via', dockyard: 'copy', buildkit: 'mount' },
      { class: 'resolved', at: 'resolved', dockyard: reading.resolved, buildkit: ['ghcr.io/attacker/evil:latest'] },
    ]);
  });

  it('reports a different number of stages or sources once, with both lists', () => {
    const oracle = answer({ stages: reading.stages.slice(0, 1), sources: [] });

    expect(diff(reading, oracle).map((d) => d.class)).toEqual(['stages.count', 'sources.count']);
  });

  it('compares only the verdict when either side refuses the file', () => {
    const refused = answer({ rejected: true, error: 'unknown instruction: FORM', stages: [] });

    expect(diff(reading, refused)).toEqual([
      { class: 'rejected by BuildKit only', at: 'rejected', dockyard: false, buildkit: 'true: unknown instruction: FORM' },
    ]);
    expect(diff({ ...reading, rejected: true }, answer())[0]?.class).toBe('rejected by Dockyard only');
    expect(diff({ ...reading, rejected: true, stages: [] }, refused)).toEqual([]);
  });
});
