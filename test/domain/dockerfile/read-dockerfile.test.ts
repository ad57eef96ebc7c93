import { describe, expect, it } from 'vitest';
import { readDockerfile, rootSource, type ImageSource } from '../../../src/domain/dockerfile/read-dockerfile.ts';

const digest = 'sha256:c551fe2693f4c393d81fcacac290df32b2137223dd5b777d1370fa18a4fc18c4';

function dockerfile(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function image(text: string, registry: string, repository: string, tag?: string, withDigest?: string): ImageSource {
  return {
    kind: 'image',
    text,
    reference: { registry, repository, ...(tag === undefined ? {} : { tag }), ...(withDigest === undefined ? {} : { digest: withDigest }) },
  };
}

const unset = (written: string, name: string) =>
  `\`${written}\` uses \`${name}\`, which is not declared or has no value: Docker expands it to nothing. Declare \`ARG ${name}=<default>\` above the first FROM.`;
/** Dockyard's own rule: an ARG that expands to nothing fails the check, though BuildKit builds the file. */
const emptyArg = (line: number, written: string, name: string) => ({ rule: 'DY014', line, rejected: false, message: unset(written, name) });
const invalidReference = (line: number, text: string, error: string) => ({
  rule: 'DY015',
  line,
  rejected: true,
  message: `\`${text}\` is not a valid image reference (${error}), so BuildKit refuses it. Write \`[registry/]name[:tag][@sha256:digest]\` in lower case.`,
});

describe('readDockerfile', () => {
  describe('FROM and ARG', () => {
    it('expands a quoted ARG default in FROM and lower-cases the stage name', () => {
      const model = readDockerfile(dockerfile('ARG DEBIAN_RELEASE="bookworm"', 'FROM debian:"${DEBIAN_RELEASE}"-slim AS Build'));

      expect(model).toEqual({
        frontend: 'buildkit-0.34',
        directives: { escape: '\\' },
        stages: [
          {
            index: 0,
            name: 'build',
            line: 2,
            written: 'debian:"${DEBIAN_RELEASE}"-slim',
            base: 'debian:bookworm-slim',
            source: image('debian:bookworm-slim', 'docker.io', 'library/debian', 'bookworm-slim'),
          },
        ],
        uses: [],
        problems: [],
        addLines: [],
      });
    });

    it('expands an ARG whose default uses an earlier ARG, and several ARGs on one line', () => {
      const model = readDockerfile(dockerfile('ARG OS=debian RELEASE=bookworm', 'ARG BASE=${OS}:${RELEASE}', 'FROM ${BASE}'));

      expect(model.problems).toEqual([]);
      expect(model.stages[0]?.source).toEqual(image('debian:bookworm', 'docker.io', 'library/debian', 'bookworm'));
    });

    it('lets a build arg override an ARG default', () => {
      const text = dockerfile('ARG RELEASE=bullseye', 'FROM debian:${RELEASE}');

      expect(readDockerfile(text, { buildArgs: { RELEASE: 'bookworm' } }).stages[0]?.source).toEqual(
        image('debian:bookworm', 'docker.io', 'library/debian', 'bookworm'),
      );
      expect(readDockerfile(text).stages[0]?.source).toEqual(image('debian:bullseye', 'docker.io', 'library/debian', 'bullseye'));
    });

    it('gives a declared ARG without a default the value of a build arg', () => {
      const model = readDockerfile(dockerfile('ARG REGISTRY', 'FROM ${REGISTRY}/jenkins-agents/base'), {
        buildArgs: { REGISTRY: 'registry.example.com' },
      });

      expect(model.problems).toEqual([]);
      expect(model.stages[0]?.source).toEqual(
        image('registry.example.com/jenkins-agents/base', 'registry.example.com', 'jenkins-agents/base'),
      );
    });

    it('does not let a build arg stand in for an ARG the Dockerfile never declares (DY014), and BuildKit refuses what is left', () => {
      const model = readDockerfile(dockerfile('FROM ${REGISTRY}/jenkins-agents/base'), {
        buildArgs: { REGISTRY: 'registry.example.com' },
      });

      // BuildKit: failed to parse stage name "/jenkins-agents/base": invalid reference format.
      expect(model.problems).toEqual([
        emptyArg(1, '${REGISTRY}/jenkins-agents/base', 'REGISTRY'),
        invalidReference(1, '/jenkins-agents/base', 'invalid reference format'),
      ]);
      expect(model.stages[0]?.base).toBe('/jenkins-agents/base');
    });

    it('reports an undeclared ARG in FROM at the FROM line, and nothing else for it (DY014)', () => {
      const model = readDockerfile(dockerfile('# The parent', '', 'ARG OTHER=1', 'FROM debian:${RELEASE}'));

      // BuildKit builds `debian:` no more than Dockyard does: an empty tag is an invalid reference.
      expect(model.problems).toEqual([emptyArg(4, 'debian:${RELEASE}', 'RELEASE'), invalidReference(4, 'debian:', 'invalid reference format')]);
    });

    it('reports a declared ARG with no default (DY014)', () => {
      const model = readDockerfile(dockerfile('ARG RELEASE', 'FROM debian:${RELEASE}'));

      expect(model.problems).toEqual([emptyArg(2, 'debian:${RELEASE}', 'RELEASE'), invalidReference(2, 'debian:', 'invalid reference format')]);
    });

    it('does not see ARGs declared inside a stage from a later FROM, as BuildKit does not', () => {
      const model = readDockerfile(dockerfile('FROM debian', 'ARG RELEASE=bookworm', 'FROM debian:${RELEASE}'));

      expect(model.problems).toEqual([emptyArg(3, 'debian:${RELEASE}', 'RELEASE'), invalidReference(3, 'debian:', 'invalid reference format')]);
    });

    it('uses the default of `${VAR:-default}` when VAR is not declared, noting the unset name (DY014, BuildKit builds it)', () => {
      const model = readDockerfile(dockerfile('FROM debian:${RELEASE:-bookworm}'));

      expect(model.problems).toEqual([emptyArg(1, 'debian:${RELEASE:-bookworm}', 'RELEASE')]);
      expect(model.stages[0]?.source).toEqual(image('debian:bookworm', 'docker.io', 'library/debian', 'bookworm'));
    });

    it('expands `${VAR:+x}` to x only when VAR is set to something', () => {
      expect(readDockerfile(dockerfile('ARG SLIM=1', 'FROM debian:bookworm${SLIM:+-slim}')).stages[0]?.source).toMatchObject({
        text: 'debian:bookworm-slim',
      });
      expect(readDockerfile(dockerfile('ARG SLIM=', 'FROM debian:bookworm${SLIM:+-slim}')).stages[0]?.source).toMatchObject({
        text: 'debian:bookworm',
      });
    });

    it('keeps single-quoted text literal, so `$` in it makes an invalid reference (DY015)', () => {
      const model = readDockerfile(dockerfile('ARG RELEASE=bookworm', "FROM 'debian:${RELEASE}'"));

      expect(model.problems).toEqual([invalidReference(2, 'debian:${RELEASE}', 'invalid reference format')]);
      expect(model.stages[0]?.source).toEqual({ kind: 'invalid', text: 'debian:${RELEASE}' });
    });

    it('predefines the BuildKit platform ARGs in the global scope', () => {
      const model = readDockerfile(dockerfile('FROM --platform=$BUILDPLATFORM ghcr.io/acme/tool:${TARGETOS}-${TARGETARCH}'));

      expect(model.problems).toEqual([]);
      expect(model.stages[0]?.source).toEqual(image('ghcr.io/acme/tool:linux-amd64', 'ghcr.io', 'acme/tool', 'linux-amd64'));
    });

    it('ignores the --platform flag when reading the image and the stage name', () => {
      const model = readDockerfile(dockerfile('FROM --platform=$BUILDPLATFORM golang:1.22 AS build'));

      expect(model.problems).toEqual([]);
      expect(model.stages).toEqual([
        {
          index: 0,
          name: 'build',
          line: 1,
          written: 'golang:1.22',
          base: 'golang:1.22',
          platform: 'linux/amd64',
          source: image('golang:1.22', 'docker.io', 'library/golang', '1.22'),
        },
      ]);
    });

    it('reads an empty --platform as no platform, as BuildKit does', () => {
      expect(readDockerfile(dockerfile('FROM --platform="" alpine')).stages[0]?.platform).toBeUndefined();
    });

    it('reads a digest-pinned reference', () => {
      const model = readDockerfile(dockerfile(`FROM docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@${digest}`));

      expect(model.stages[0]?.source).toEqual(
        image(`docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@${digest}`, 'docker.io', 'jenkins/inbound-agent', '3327.v868139a_d00e0-1-jdk21', digest),
      );
    });

    it('reads `scratch` as no parent at all', () => {
      const model = readDockerfile(dockerfile('FROM scratch'));

      expect(model).toEqual({
        frontend: 'buildkit-0.34',
        directives: { escape: '\\' },
        stages: [{ index: 0, line: 1, written: 'scratch', base: 'scratch', source: { kind: 'scratch' } }],
        uses: [],
        problems: [],
        addLines: [],
      });
    });

    it('reports an upper-case reference as invalid (DY015)', () => {
      const model = readDockerfile(dockerfile('FROM Debian:12'));

      expect(model.problems).toEqual([
        invalidReference(1, 'Debian:12', 'invalid reference format: repository name (library/Debian) must be lowercase'),
      ]);
      expect(model.stages[0]?.source).toEqual({ kind: 'invalid', text: 'Debian:12' });
    });

    it('refuses a FROM with extra words, and one without an image, as BuildKit does', () => {
      const refusal = { rule: 'DY020', rejected: true, message: expect.stringContaining('FROM requires either one or three arguments') };

      expect(readDockerfile(dockerfile('FROM debian AS build extra')).problems).toEqual([{ ...refusal, line: 1 }]);
      expect(readDockerfile(dockerfile('FROM debian', 'FROM --platform=linux/amd64')).problems).toEqual([{ ...refusal, line: 2 }]);
    });
  });

  describe('stages', () => {
    const multiStage = dockerfile(
      'FROM golang:1.22 AS Build',
      'RUN go build -o /out/app',
      'FROM debian:bookworm-slim AS runtime',
      'COPY --from=build /out/app /usr/bin/app',
      'COPY --chown=1000:1000 --from=0 /out /out',
      'FROM build',
    );

    it('links a FROM naming an earlier stage (its name lower-cased) to that stage', () => {
      const model = readDockerfile(multiStage);

      expect(model.problems).toEqual([]);
      expect(model.stages).toEqual([
        { index: 0, name: 'build', line: 1, written: 'golang:1.22', base: 'golang:1.22', source: image('golang:1.22', 'docker.io', 'library/golang', '1.22') },
        {
          index: 1,
          name: 'runtime',
          line: 3,
          written: 'debian:bookworm-slim',
          base: 'debian:bookworm-slim',
          source: image('debian:bookworm-slim', 'docker.io', 'library/debian', 'bookworm-slim'),
        },
        { index: 2, line: 6, written: 'build', base: 'build', source: { kind: 'stage', stage: 0 } },
      ]);
    });

    it('reads `FROM Build` as the image `Build`, which BuildKit refuses: only COPY --from matches names case-insensitively', () => {
      const model = readDockerfile(dockerfile('FROM golang:1.22 AS Build', 'FROM Build'));

      expect(model.problems).toEqual([
        invalidReference(2, 'Build', 'invalid reference format: repository name (library/Build) must be lowercase'),
      ]);
    });

    it('links COPY --from=<name> and COPY --from=<index> to earlier stages', () => {
      expect(readDockerfile(multiStage).uses).toEqual([
        { line: 4, stage: 1, via: 'COPY --from', written: 'build', from: 'build', source: { kind: 'stage', stage: 0 } },
        { line: 5, stage: 1, via: 'COPY --from', written: '0', from: '0', source: { kind: 'stage', stage: 0 } },
      ]);
    });

    it('follows stage links back to the image a stage starts from', () => {
      const model = readDockerfile(multiStage);

      expect(rootSource(model, 2)).toEqual({ source: image('golang:1.22', 'docker.io', 'library/golang', '1.22'), line: 1 });
      expect(rootSource(model, 1)).toEqual({ source: model.stages[1]?.source, line: 3 });
      expect(rootSource(model, 7)).toEqual({ source: { kind: 'invalid', text: '' }, line: 1 });
    });

    it('follows a chain of stage links several stages deep', () => {
      const model = readDockerfile(dockerfile('FROM debian AS a', 'FROM a AS b', 'FROM b AS c', 'FROM c'));

      expect(model.stages.map((stage) => stage.source)).toEqual([
        image('debian', 'docker.io', 'library/debian'),
        { kind: 'stage', stage: 0 },
        { kind: 'stage', stage: 1 },
        { kind: 'stage', stage: 2 },
      ]);
      expect(rootSource(model, 3)).toEqual({ source: image('debian', 'docker.io', 'library/debian'), line: 1 });
    });

    it('reads a FROM naming a later stage, or its own stage, as an image', () => {
      const model = readDockerfile(dockerfile('FROM tools AS base', 'FROM base AS base2', 'FROM debian AS tools', 'FROM loop AS loop'));

      expect(model.stages.map((stage) => stage.source)).toEqual([
        image('tools', 'docker.io', 'library/tools'),
        { kind: 'stage', stage: 0 },
        image('debian', 'docker.io', 'library/debian'),
        image('loop', 'docker.io', 'library/loop'),
      ]);
    });

    it('links a FROM whose ARG expands to an earlier stage name', () => {
      const model = readDockerfile(dockerfile('ARG VARIANT=slim', 'FROM debian AS slim', 'FROM ${VARIANT}'));

      expect(model.stages[1]?.source).toEqual({ kind: 'stage', stage: 0 });
    });

    it('reads a FROM split over continuation lines with a comment inside at the line of FROM', () => {
      const model = readDockerfile(dockerfile('FROM \\', '  # the parent', '  debian:bookworm \\', '  AS build', 'USER root'));

      expect(model.problems).toEqual([]);
      expect(model.stages).toEqual([
        {
          index: 0,
          name: 'build',
          line: 1,
          written: 'debian:bookworm',
          base: 'debian:bookworm',
          source: image('debian:bookworm', 'docker.io', 'library/debian', 'bookworm'),
        },
      ]);
    });

    it('reads backtick continuations under `# escape=`', () => {
      const model = readDockerfile(
        dockerfile('# escape=`', 'ARG TAG=ltsc2022', 'FROM mcr.microsoft.com/windows/servercore:${TAG} `', '    AS build', 'RUN dir C:\\'),
      );

      expect(model.problems).toEqual([]);
      expect(model.stages).toEqual([
        {
          index: 0,
          name: 'build',
          line: 3,
          written: 'mcr.microsoft.com/windows/servercore:${TAG}',
          base: 'mcr.microsoft.com/windows/servercore:ltsc2022',
          source: image('mcr.microsoft.com/windows/servercore:ltsc2022', 'mcr.microsoft.com', 'windows/servercore', 'ltsc2022'),
        },
      ]);
    });

    it('never reads a FROM inside a heredoc body as a stage', () => {
      const model = readDockerfile(
        dockerfile('FROM debian', 'RUN <<EOF', 'FROM evil', 'cat > /x <<INNER', 'INNER', 'EOF', 'COPY <<-CFG /etc/app.conf', '\tFROM evil2', '\tCFG', 'FROM alpine AS last'),
      );

      expect(model.problems).toEqual([]);
      expect(model.stages.map((stage) => [stage.line, stage.written])).toEqual([
        [1, 'debian'],
        [10, 'alpine'],
      ]);
    });
  });

  describe('images used by COPY --from and RUN --mount', () => {
    it('records COPY --from=<image> as a use of that image', () => {
      const model = readDockerfile(dockerfile('FROM debian', 'COPY --from=golang:1.22 /usr/local/go /usr/local/go'));

      expect(model.uses).toEqual([
        { line: 2, stage: 0, via: 'COPY --from', written: 'golang:1.22', from: 'golang:1.22', source: image('golang:1.22', 'docker.io', 'library/golang', '1.22') },
      ]);
    });

    it('records RUN --mount=…,from=<image> as a use of that image', () => {
      const model = readDockerfile(dockerfile('FROM debian', 'RUN --mount=type=cache,from=node:20,target=/x npm ci'));

      expect(model.uses).toEqual([
        { line: 2, stage: 0, via: 'RUN --mount', written: 'node:20', from: 'node:20', source: image('node:20', 'docker.io', 'library/node', '20') },
      ]);
    });

    it('refuses variables in COPY --from and RUN --mount from=, as BuildKit does (it never expands them)', () => {
      const copy = readDockerfile(dockerfile('ARG GO=1.22', 'FROM debian', 'COPY --from=golang:${GO} / /'));
      const mount = readDockerfile(dockerfile('ARG NODE=20', 'FROM debian', 'RUN --network=none --mount=type=bind,from=node:${NODE},target=/n true'));

      expect(copy.problems).toEqual([
        { rule: 'DY020', line: 3, rejected: true, message: expect.stringContaining('variable expansion is not supported for --from') },
      ]);
      expect(mount.problems).toEqual([
        { rule: 'DY020', line: 3, rejected: true, message: expect.stringContaining("'from' doesn't support variable expansion") },
      ]);
    });

    it('links RUN --mount from=<stage> to the stage, and ignores mounts without from', () => {
      const model = readDockerfile(
        dockerfile('FROM debian AS deps', 'FROM debian', 'RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=deps,target=/d true'),
      );

      expect(model.uses).toEqual([{ line: 3, stage: 1, via: 'RUN --mount', written: 'deps', from: 'deps', source: { kind: 'stage', stage: 0 } }]);
    });

    it('stops reading flags at the first word that is not a flag', () => {
      const model = readDockerfile(dockerfile('FROM debian', 'COPY src --from=golang /dst', 'RUN echo --mount=from=node'));

      expect(model.uses).toEqual([]);
    });

    it('refuses an ARG reference in RUN --mount from= at its line, as BuildKit does', () => {
      const model = readDockerfile(dockerfile('FROM debian', 'RUN --mount=type=cache,from=node:${NODE_VERSION},target=/x true'));

      expect(model.problems).toEqual([
        { rule: 'DY020', line: 2, rejected: true, message: expect.stringContaining("'from' doesn't support variable expansion, define alias stage instead") },
      ]);
    });
  });

  describe('problems', () => {
    it('reports an unknown instruction at its line, listing the valid ones (DY012)', () => {
      const model = readDockerfile(dockerfile('FROM debian', '', 'FORM debian'));

      expect(model.problems).toEqual([
        {
          rule: 'DY012',
          line: 3,
          rejected: true,
          message:
            'Unknown instruction `FORM`: Docker refuses to build this file. Valid instructions are ADD, ARG, CMD, COPY, ENTRYPOINT, ENV, EXPOSE, FROM, HEALTHCHECK, LABEL, MAINTAINER, ONBUILD, RUN, SHELL, STOPSIGNAL, USER, VOLUME, WORKDIR.',
        },
      ]);
    });

    it('reports an instruction other than ARG before the first FROM (DY013)', () => {
      const model = readDockerfile(dockerfile('ARG A=1', 'RUN echo hi', 'FROM debian'));

      expect(model.problems).toEqual([
        { rule: 'DY013', line: 2, rejected: true, message: '`RUN` comes before the first FROM; only ARG may. Move it below a FROM line.' },
      ]);
    });

    it('reports a file without FROM (DY011)', () => {
      const expected = [
        {
          rule: 'DY011',
          line: 1,
          rejected: true,
          message: 'This Dockerfile has no FROM instruction, so it builds nothing. Start it with `FROM <approved parent>`.',
        },
      ];

      expect(readDockerfile('').problems).toEqual(expected);
      expect(readDockerfile(dockerfile('# only a comment', 'ARG A=1')).problems).toEqual(expected);
      // A FROM inside a heredoc is no stage; BuildKit stops at the RUN: "no build stage in current context".
      expect(readDockerfile(dockerfile('RUN <<EOF', 'FROM evil', 'EOF')).problems).toEqual([
        { rule: 'DY013', line: 1, rejected: true, message: expect.stringContaining('`RUN` comes before the first FROM') },
      ]);
    });

    it('stops where BuildKit stops (the first instruction it refuses), without throwing', () => {
      // BuildKit: "no build stage in current context" for the USER line; it reads no further.
      const model = readDockerfile(dockerfile('USER root', 'FROM ${BASE}', 'FORM x', 'FROM Bad'));

      expect(model.problems.map((problem) => [problem.rule, problem.line, problem.rejected])).toEqual([['DY013', 1, true]]);
      expect(readDockerfile(dockerfile('FROM ${BASE}', 'FORM x')).problems.map((problem) => [problem.rule, problem.line])).toEqual([['DY012', 2]]);
    });
  });
});

describe('readDockerfile ADD lines', () => {
  it('keeps the ADD and ONBUILD lines as the parser split them, for the ADD-source policy', () => {
    const model = readDockerfile('FROM alpine\nADD \\\n  http://example.com/a /a\nRUN true\nONBUILD ADD b /b\n');

    expect(model.addLines).toEqual([
      { keyword: 'ADD', args: 'http://example.com/a /a', line: 2 },
      { keyword: 'ONBUILD', args: 'ADD b /b', line: 5 },
    ]);
  });
});
