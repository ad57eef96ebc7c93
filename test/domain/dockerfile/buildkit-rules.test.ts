import { describe, expect, it } from 'vitest';
import type { DockerfileFrontend } from '../../../src/domain/dockerfile/frontend.ts';
import { readDockerfile } from '../../../src/domain/dockerfile/read-dockerfile.ts';
import { resolvedImages } from '../../../src/domain/dockerfile/resolved-images.ts';

// Each case is a minimized file on which Dockyard's reader once disagreed with BuildKit (the
// conformance suite's oracle), with BuildKit's verdict: `refused` with (part of) its error, or built.
interface Case {
  name: string;
  frontends: DockerfileFrontend[];
  text: string;
  buildArgs?: Record<string, string>;
  /** BuildKit's error, or null when it builds the file. */
  refused: string | null;
}

const both: DockerfileFrontend[] = ['buildkit-0.8', 'buildkit-0.34'];
const v034: DockerfileFrontend[] = ['buildkit-0.34'];
const v08: DockerfileFrontend[] = ['buildkit-0.8'];

const cases: Case[] = [
  {
    name: 'a first name part that is no domain but a path component (`a.b_c`): the whole name is a path',
    frontends: both,
    text: 'FROM a.b_c/jenkins-agents/base:latest\n',
    refused: null,
  },
  { name: 'a first name part that is neither a domain nor a path component', frontends: both, text: 'FROM a.b-/x\n', refused: 'invalid reference format' },
  { name: 'a stage that copies from itself', frontends: both, text: 'FROM alpine AS build\nCOPY --from=BUILD /a /b\n', refused: 'circular dependency detected on stage: build' },
  { name: 'two stages that mount from each other', frontends: both, text: 'FROM alpine AS a\nRUN --mount=from=b,target=/b true\nFROM alpine AS b\nCOPY --from=a /a /a\n', refused: 'circular dependency' },
  {
    name: 'a cycle through FROM <stage> (v0.8 isReachable recurses forever)',
    frontends: v08,
    text: 'FROM alpine AS build\nFROM scratch AS base\nCOPY --from=build / /\nFROM base AS build\n',
    refused: 'recurses until the stack overflows',
  },
  { name: 'an invalid reference in a stage nothing builds', frontends: both, text: 'FROM alpine\nFROM UPPER AS x\nFROM scratch\n', refused: 'must be lowercase' },
  { name: 'an invalid COPY --from image in a stage nothing builds', frontends: both, text: 'FROM alpine\nCOPY --from=Evil / /\nFROM scratch\n', refused: 'must be lowercase' },
  { name: 'a bind mount without target, in /', frontends: both, text: 'FROM alpine\nRUN --mount=type=bind true\n', refused: 'invalid mount target "/"' },
  { name: 'a bind mount without target, after WORKDIR', frontends: both, text: 'FROM alpine\nWORKDIR /src\nRUN --mount=type=bind true\n', refused: null },
  { name: 'COPY with one argument', frontends: both, text: 'FROM alpine\nCOPY /out\n', refused: 'COPY requires at least two arguments' },
  { name: 'a mount field that is not key=value, in a stage that is built', frontends: both, text: 'FROM alpine\nRUN --mount=type=bind,from=alpine,target=/x,bogus true\n', refused: "invalid field 'bogus' must be a key=value pair" },
  { name: 'a mount field that is not key=value, in a stage never built (v0.34 checks it when dispatching)', frontends: v034, text: 'FROM alpine\nRUN --mount=type=bind,target=/x,bogus true\nFROM debian\n', refused: null },
  { name: 'a mount field that is not key=value, in a stage never built (v0.8 checks it while parsing)', frontends: v08, text: 'FROM alpine\nRUN --mount=type=bind,target=/x,bogus true\nFROM debian\n', refused: 'must be a key=value pair' },
  { name: 'FROM as an ONBUILD trigger', frontends: both, text: 'FROM alpine\nONBUILD FROM debian\n', refused: "FROM isn't allowed as an ONBUILD trigger" },
  { name: 'MAINTAINER as an ONBUILD trigger', frontends: both, text: 'FROM alpine\nONBUILD MAINTAINER me\n', refused: "MAINTAINER isn't allowed as an ONBUILD trigger" },
  { name: 'ONBUILD ONBUILD', frontends: both, text: 'FROM alpine\nONBUILD ONBUILD RUN true\n', refused: 'Chaining ONBUILD' },
  { name: 'an unknown instruction in an inherited ONBUILD trigger', frontends: v034, text: 'FROM alpine AS base\nONBUILD FOO bar\nFROM base\n', refused: 'unknown instruction: FOO' },
  { name: 'an unknown instruction in an ONBUILD trigger nothing inherits', frontends: both, text: 'FROM alpine AS base\nONBUILD FOO bar\nFROM alpine\n', refused: null },
  { name: 'a secret mount with from', frontends: both, text: 'FROM alpine\nRUN --mount=type=secret,id=s,from=alpine true\n', refused: 'secret mount should not have a from' },
  { name: 'a platform that expands to nothing', frontends: v034, text: 'FROM --platform=$UNDECLARED alpine\n', refused: 'empty platform value from expression $UNDECLARED' },
  { name: 'a platform that expands to nothing (v0.8: platforms.Parse(""))', frontends: v08, text: 'FROM --platform=$UNDECLARED alpine\n', refused: 'failed to parse platform' },
  { name: 'COPY --from a stage defined later', frontends: v034, text: 'FROM scratch AS b\nCOPY --from=t /a /b\nFROM b AS t\n', refused: 'cannot copy from stage' },
  { name: 'COPY --from a stage defined later (v0.8 copies from its empty state)', frontends: v08, text: 'FROM scratch AS b\nCOPY --from=t /a /b\nFROM b AS t\n', refused: null },
  { name: 'COPY --link, which v0.8 does not know', frontends: v08, text: 'FROM alpine\nCOPY --link . /src\n', refused: 'Unknown flag: link' },
  { name: 'COPY --link', frontends: v034, text: 'FROM alpine\nCOPY --link . /src\n', refused: null },
  { name: 'RUN --network, which Docker 20.10 builds without', frontends: v08, text: 'FROM alpine\nRUN --network=none true\n', refused: 'Unknown flag: network' },
  { name: 'an unknown flag', frontends: v034, text: 'FROM alpine\nCOPY --bogus=1 . /src\n', refused: 'unknown flag: --bogus' },
  { name: 'an invalid # check= option', frontends: v034, text: '# check=SKIP=ALL\nFROM alpine\n', refused: 'invalid check option "SKIP"' },
  { name: 'a second byte order mark', frontends: both, text: '\uFEFF\uFEFFFROM alpine\n', refused: 'nknown instruction' },
  { name: 'an invalid STOPSIGNAL', frontends: both, text: 'FROM alpine\nSTOPSIGNAL SIGBOGUS\n', refused: 'nvalid signal: SIGBOGUS' },
  { name: 'RUN []', frontends: both, text: 'FROM alpine\nRUN []\n', refused: 'arguments are required' },
  { name: 'RUN [] in a stage never built', frontends: both, text: 'FROM alpine\nRUN []\nFROM debian\n', refused: null },
  { name: 'SOURCE_DATE_EPOCH naming no stage', frontends: v034, text: 'FROM alpine\n', buildArgs: { SOURCE_DATE_EPOCH: 'not-a-timestamp' }, refused: 'invalid SOURCE_DATE_EPOCH' },
  { name: 'an expansion without `:` (v0.8 knows only the `:` forms)', frontends: v08, text: 'ARG TAG=3.20\nFROM alpine:${TAG-latest}\n', refused: "missing ':' in substitution" },
  { name: 'a stage ARG whose default v0.8 cannot expand', frontends: v08, text: 'FROM alpine\nARG X=${Y-z}\n', refused: "missing ':' in substitution" },
  { name: 'a stage ARG whose default names a variable the same ARG sets (v0.8 expands the whole ARG first)', frontends: v08, text: 'FROM alpine\nARG R=x E=${R:?unset}\n', refused: 'R: unset' },
  { name: 'ADD with a heredoc-like word whose name is two shell words (not a heredoc, so not a destination)', frontends: v034, text: 'FROM alpine\nADD a <<EOF\u00a0/dst\nx\nEOF\n', refused: null },
  { name: 'a global ARG v0.8 cannot expand (it becomes empty)', frontends: v08, text: 'ARG X=${Y-z}\nFROM alpine${X}\n', refused: null },
];

describe('readDockerfile refuses what BuildKit refuses, and only that', () => {
  for (const { name, frontends, text, buildArgs, refused } of cases) {
    for (const frontend of frontends) {
      it(`${name} (${frontend})`, () => {
        const model = readDockerfile(text, { frontend, buildArgs: buildArgs ?? {} });
        const rejections = model.problems.filter((problem) => problem.rejected);

        if (refused === null) expect(rejections).toEqual([]);
        else expect(rejections).toEqual([expect.objectContaining({ message: expect.stringContaining(refused) })]);
      });
    }
  }
});

describe('images pulled through ONBUILD triggers', () => {
  const text = 'FROM alpine AS base\nONBUILD RUN --mount=type=bind,from=ghcr.io/attacker/evil,target=/x true\nONBUILD COPY --from=evil.example.com/img / /\nFROM base\n';

  it('are uses of the stage that declares them, so the policy judges them', () => {
    const model = readDockerfile(text, { frontend: 'buildkit-0.34' });

    expect(model.uses).toEqual([
      expect.objectContaining({ stage: 0, line: 2, via: 'RUN --mount', onbuild: true, source: expect.objectContaining({ kind: 'image', text: 'ghcr.io/attacker/evil' }) }),
      expect.objectContaining({ stage: 0, line: 3, via: 'COPY --from', onbuild: true, source: expect.objectContaining({ kind: 'image', text: 'evil.example.com/img' }) }),
    ]);
  });

  it('are pulled by BuildKit v0.34 when a stage builds on the stage that declares them', () => {
    expect(resolvedImages(readDockerfile(text, { frontend: 'buildkit-0.34' }))).toEqual([
      'docker.io/library/alpine:latest',
      'evil.example.com/img:latest',
      'ghcr.io/attacker/evil:latest',
    ]);
  });

  it('are not pulled by v0.8, which runs triggers without resolving their images', () => {
    expect(resolvedImages(readDockerfile(text, { frontend: 'buildkit-0.8' }))).toEqual(['docker.io/library/alpine:latest']);
  });

  it('are not pulled when nothing builds on the declaring stage', () => {
    expect(resolvedImages(readDockerfile(`${text}FROM debian\n`, { frontend: 'buildkit-0.34' }))).toEqual(['docker.io/library/debian:latest']);
  });
});

describe('mounts and platforms as BuildKit reads them', () => {
  it('keeps only the last from= of a mount', () => {
    const model = readDockerfile('FROM alpine\nRUN --mount=type=bind,from=alpine:3.20,from=ghcr.io/attacker/evil,target=/x true\n');

    expect(model.uses.map((use) => use.from)).toEqual(['ghcr.io/attacker/evil']);
    expect(resolvedImages(model)).toContain('ghcr.io/attacker/evil:latest');
  });

  it('reads --platform="" as no platform', () => {
    expect(readDockerfile('FROM --platform="" alpine\n').stages[0]?.platform).toBeUndefined();
  });

  it('reads a mount without from as scratch, so a stage named scratch is built (v0.34)', () => {
    const model = readDockerfile('FROM golang AS scratch\nFROM alpine\nRUN --mount=type=tmpfs,target=/t true\n');

    expect(resolvedImages(model)).toEqual(['docker.io/library/alpine:latest', 'docker.io/library/golang:latest']);
  });
});
