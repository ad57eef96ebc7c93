import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { readDockerfile } from '../../../src/domain/dockerfile/read-dockerfile.ts';

// dockerfile-ast (the parser behind the VS Code Docker extension) is an independent reading of the
// same syntax: where both parse a FROM, they must agree on where the stages are and what they name.
const cases: Record<string, string[]> = {
  'one stage': ['FROM debian:bookworm'],
  'quoted ARG in FROM': ['ARG DEBIAN_RELEASE="bookworm"', 'FROM debian:"${DEBIAN_RELEASE}"-slim AS build'],
  'multi-stage with stage links': [
    'FROM golang:1.22 AS Build',
    'RUN go build -o /out/app',
    'FROM debian:bookworm-slim AS runtime',
    'COPY --from=build /out/app /usr/bin/app',
    'FROM Build',
  ],
  'platform flag': ['FROM --platform=$BUILDPLATFORM golang:1.22 AS build', 'FROM --platform=linux/arm64 debian'],
  digest: ['FROM debian:bookworm@sha256:c551fe2693f4c393d81fcacac290df32b2137223dd5b777d1370fa18a4fc18c4'],
  scratch: ['FROM scratch AS empty', 'COPY x /x'],
  'registry arg': ['ARG REGISTRY=registry.example.com', 'FROM ${REGISTRY}/jenkins-agents/base'],
  'comments and blank lines before FROM': ['# a comment', '', '   # another', 'ARG A=1', '', 'FROM debian'],
  'continuation with comment and blank line': ['FROM \\', '  # the parent', '', '  debian:bookworm \\', '  AS build', 'USER root'],
  'continuation inside a RUN before a FROM': ['FROM debian AS a', 'RUN echo a \\', '  # comment', '  && echo b', 'FROM a'],
  'backtick escape': ['# escape=`', 'FROM mcr.microsoft.com/windows/servercore:ltsc2022 `', '    AS build', 'RUN dir C:\\', 'FROM build'],
  heredoc: ['FROM debian', 'RUN <<EOF', 'FROM evil', 'EOF', 'FROM alpine AS last'],
  'heredoc with tab stripping': ['FROM debian', 'COPY <<-CFG /etc/app.conf', '\tFROM evil', '\tCFG', 'FROM alpine'],
  'lower-case keywords': ['from debian as base', 'from base'],
  'CRLF line endings': ['FROM debian AS a\r', 'RUN true\r', 'FROM a\r'],
  'later stage name': ['FROM tools AS base', 'FROM debian AS tools'],
  'no FROM': ['ARG A=1'],
};

interface StageView {
  line: number;
  name: string | null;
  image: string | null;
}

function viaDockerfileAst(text: string): StageView[] {
  return DockerfileParser.parse(text)
    .getFROMs()
    .map((from) => ({ line: from.getRange().start.line + 1, name: from.getBuildStage()?.toLowerCase() ?? null, image: from.getImage() }));
}

function viaDockyard(text: string): StageView[] {
  return readDockerfile(text).stages.map((stage) => ({ line: stage.line, name: stage.name ?? null, image: stage.written }));
}

describe('readDockerfile agrees with dockerfile-ast', () => {
  it.each(Object.entries(cases))('on %s: stage count, FROM lines, stage names and image text', (_name, lines) => {
    const text = `${lines.join('\n')}\n`;

    expect(viaDockyard(text)).toEqual(viaDockerfileAst(text));
  });

  it('sees a non-empty table (the comparison is not vacuous)', () => {
    const stages = Object.values(cases).reduce((sum, lines) => sum + viaDockerfileAst(`${lines.join('\n')}\n`).length, 0);

    expect(stages).toBe(26);
  });
});
