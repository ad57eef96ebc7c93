import { describe, expect, it } from 'vitest';
import { dockerfileFrontends, type DockerfileFrontend } from '../../src/domain/dockerfile/frontend.ts';
import { oracleSetup, runOracle, type OracleInput } from './oracle.ts';

// The oracle must answer every file, whatever the BuildKit it links does with it: one file that
// ends the process would end the whole conformance run. These are the inputs on which BuildKit
// v0.8.3 itself fails hardest, among ordinary ones that must still be read normally.
const frontends = Object.keys(dockerfileFrontends) as DockerfileFrontend[];

const input = (id: string, dockerfile: string, buildArgs: Record<string, string> = {}): OracleInput => ({ id, dockerfile, buildArgs });

const ordinary = [
  input('plain', 'FROM alpine\n'),
  input('stages', 'FROM alpine AS build\nRUN true\nFROM busybox\nCOPY --from=build / /\n'),
];

// Cycles through FROM <stage> that v0.8.3's hasCircularDependency (deps only) misses and its
// isReachable (no visited set) follows until the stack overflows: a fatal error in Go.
const endlessRecursion = [
  input('cycle-through-from', 'FROM alpine AS build\nFROM scratch AS base\nCOPY --from=build / /\nFROM base AS build\n'),
  input('cycle-via-mount', 'FROM scratch AS b\nCOPY --from=A / /\nRUN --mount=from=b,target=/m true\nFROM b AS b\nCOPY --from=A / /\n'),
  input('cycle-via-index-and-arg', 'ARG B=a\nFROM alpine AS x\nFROM busybox AS a\nCOPY --from=2 / /\nFROM ${B} AS c\n'),
  input('cycle-via-build-arg', 'ARG P\nFROM alpine AS x\nFROM busybox AS a\nCOPY --from=c / /\nFROM $P AS c\n', { P: 'a' }),
];

// A cycle v0.8.3 converts without looping: every walk leaves it through `base` before entering it.
const harmlessCycle = input('harmless-cycle', 'FROM scratch AS a\nCOPY --from=b / /\nFROM a AS b\n');

// v0.8.3 dereferences nil in its conversion (a tmpfs mount with from=).
const nilPointer = input('tmpfs-from', 'FROM alpine\nRUN --mount=type=tmpfs,from=alpine,target=/t true\n');

describe.each(frontends)('the %s oracle answers every file', (frontend) => {
  it('answers each input once, in order, and goes on after the ones BuildKit fails on', async () => {
    const { binary } = oracleSetup(frontend);
    // Each hard case between ordinary files, so a dead process would show as missing answers after it.
    const inputs = [...ordinary, ...[...endlessRecursion, harmlessCycle, nilPointer].flatMap((hard) => [hard, input(`${hard.id}-then`, 'FROM alpine\n')])];
    const results = await runOracle(binary, inputs);
    expect(results.map((result) => result.id)).toEqual(inputs.map((each) => each.id));
    for (const result of results.filter((each) => each.id === 'plain' || each.id.endsWith('-then'))) {
      expect(result, result.id).toMatchObject({ rejected: false, resolved: ['docker.io/library/alpine:latest'] });
    }
    expect(results.find((each) => each.id === 'stages')).toMatchObject({
      rejected: false,
      resolved: ['docker.io/library/alpine:latest', 'docker.io/library/busybox:latest'],
    });
  });
});

describe('the buildkit-0.8 oracle reports what BuildKit v0.8.3 cannot convert', () => {
  it('rejects the stage cycles its isReachable recurses on forever, naming the cycle', async () => {
    const { binary } = oracleSetup('buildkit-0.8');
    const results = await runOracle(binary, endlessRecursion);
    for (const result of results) {
      expect(result.rejected, result.id).toBe(true);
      expect(result.error, result.id).toMatch(/^BuildKit v0\.8\.3 cannot convert this Dockerfile: stages .+ depend on each other in a cycle .*isReachable/);
    }
    expect(results[0]?.error).toContain('base (stage 1), build (stage 2)');
  });

  it('converts a cycle its isReachable gets out of, as v0.8.3 does', async () => {
    const { binary } = oracleSetup('buildkit-0.8');
    const [result] = await runOracle(binary, [harmlessCycle]);
    expect(result).toMatchObject({ id: 'harmless-cycle', rejected: false, resolved: [] });
  });

  it('reports a panic inside BuildKit as a rejection with the panic', async () => {
    const { binary } = oracleSetup('buildkit-0.8');
    const [result] = await runOracle(binary, [nilPointer]);
    expect(result).toMatchObject({ id: 'tmpfs-from', rejected: true });
    expect(result?.error).toMatch(/^panic: runtime error: invalid memory address or nil pointer dereference/);
  });

  it('keeps thousands of files a second', async () => {
    const { binary } = oracleSetup('buildkit-0.8');
    const inputs = Array.from({ length: 4000 }, (_, index) =>
      input(`f${index}`, `ARG V=${index}\nFROM alpine:$V AS a\nRUN --mount=type=cache,target=/c true\nFROM busybox\nCOPY --from=a / /\n`),
    );
    const start = performance.now();
    const results = await runOracle(binary, inputs);
    const seconds = (performance.now() - start) / 1000;
    expect(results).toHaveLength(inputs.length);
    expect(results.every((result) => !result.rejected)).toBe(true);
    // About 3,000 files/s on two busy shared cores, within a fifth of the worker process alone; the
    // bound leaves room for a loaded machine and still rules out a process per file.
    expect(inputs.length / seconds).toBeGreaterThan(700);
  });
});
