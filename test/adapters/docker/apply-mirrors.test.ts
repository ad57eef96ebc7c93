import { describe, expect, it } from 'vitest';
import { applyMirrors, mirrorReference } from '../../../src/adapters/docker/apply-mirrors.ts';
import type { Mirror } from '../../../src/adapters/docker/types.ts';
import { dockerfileFrontends, type DockerfileFrontend } from '../../../src/domain/dockerfile/frontend.ts';
import { readDockerfile } from '../../../src/domain/dockerfile/read-dockerfile.ts';

const hub: Mirror = { from: 'docker.io', to: '127.0.0.1:5000/mirror' };
const digest = `sha256:${'ab'.repeat(32)}`;

function mirrored(
  text: string,
  buildArgs: Record<string, string> = {},
  mirrors: Mirror[] = [hub],
  frontend: DockerfileFrontend = 'buildkit-0.34',
): string {
  return applyMirrors(text, mirrors, buildArgs, frontend);
}

const frontends = Object.keys(dockerfileFrontends) as DockerfileFrontend[];

/** The images each reading pulls or names, for comparing a file before and after. */
function images(text: string, frontend: DockerfileFrontend): { line: number; base: string }[] {
  const model = readDockerfile(text, { frontend });
  return [
    ...model.stages.map((stage) => ({ line: stage.line, base: stage.base })),
    ...model.uses.map((use) => ({ line: use.line, base: use.from })),
  ];
}

describe.each(frontends)('applyMirrors reads the file as %s does', (frontend) => {
  const mirror = (text: string, buildArgs: Record<string, string> = {}) => mirrored(text, buildArgs, [hub], frontend);

  it('follows line continuations with blanks after the escape and empty or comment lines inside', () => {
    // parser.go trimContinuationCharacter allows spaces and tabs after the escape; Parse skips
    // empty and comment lines inside a continuation.
    const text = [
      'FROM \\\t ',
      '',
      '# a comment',
      '   debian:book\\  ',
      '  ',
      'worm AS base',
      'RUN echo \\ ',
      '  FROM docker.io/library/alpine',
      '',
    ].join('\n');

    const result = mirror(text);

    expect(result).toBe(text.replace('   debian:book\\  ', '   \\  ').replace('worm AS base', '127.0.0.1:5000/mirror/library/debian:bookworm AS base'));
    expect(result.split('\n')).toHaveLength(text.split('\n').length);
    expect(readDockerfile(result, { frontend }).stages).toMatchObject([
      { line: 1, name: 'base', base: '127.0.0.1:5000/mirror/library/debian:bookworm' },
    ]);
  });

  it('honours `# escape=` with backtick continuations and leaves backslashes alone', () => {
    const text = [
      '# escape=`',
      'FROM `',
      '  debian:bookworm AS a',
      'COPY --from=busybox:1.36 `',
      '  C:\\src C:\\dst',
      'RUN --mount=type=bind,`',
      'from=alpine:3,target=/m `',
      '  echo \\',
      'FROM a',
      '',
    ].join('\n');

    const result = mirror(text);

    expect(result).toBe(
      text
        .replace('  debian:bookworm', '  127.0.0.1:5000/mirror/library/debian:bookworm')
        .replace('--from=busybox:1.36', '--from=127.0.0.1:5000/mirror/library/busybox:1.36')
        .replace('from=alpine:3', 'from=127.0.0.1:5000/mirror/library/alpine:3'),
    );
    expect(images(result, frontend).map((each) => each.line)).toEqual(images(text, frontend).map((each) => each.line));
  });

  it('does not continue a line on a backslash once the escape is a backtick', () => {
    const text = 'FROM debian:bookworm AS a\nRUN echo \\\nFROM docker.io/library/alpine\n';

    // With `\` the FROM line continues the RUN; with a backtick escape it is an instruction of its own.
    expect(mirror(text)).toBe('FROM 127.0.0.1:5000/mirror/library/debian:bookworm AS a\nRUN echo \\\nFROM docker.io/library/alpine\n');
    expect(mirror(`# escape=\`\n${text}`)).toBe(
      '# escape=`\nFROM 127.0.0.1:5000/mirror/library/debian:bookworm AS a\nRUN echo \\\nFROM 127.0.0.1:5000/mirror/library/alpine\n',
    );
  });

  it('reads a `\\` continuation when there is no escape directive, whatever the file says later', () => {
    const text = 'FROM debian:bookworm AS a\n# escape=`\nFROM \\\n  alpine:3\n';

    expect(mirror(text)).toBe('FROM 127.0.0.1:5000/mirror/library/debian:bookworm AS a\n# escape=`\nFROM \\\n  127.0.0.1:5000/mirror/library/alpine:3\n');
  });
});

describe('applyMirrors and heredocs', () => {
  const text = [
    'FROM debian:bookworm',
    'COPY <<EOF /etc/notes',
    'FROM docker.io/x',
    'COPY --from=docker.io/y / /',
    'EOF',
    'RUN <<-SCRIPT cat',
    '\tFROM docker.io/z',
    '\tSCRIPT',
    'FROM alpine:3',
    '',
  ].join('\n');

  it('never rewrites a heredoc body under buildkit-0.34, which reads it as file content', () => {
    const result = mirrored(text, {}, [hub], 'buildkit-0.34');

    expect(result).toBe(
      text.replace('FROM debian:bookworm', 'FROM 127.0.0.1:5000/mirror/library/debian:bookworm').replace('FROM alpine:3', 'FROM 127.0.0.1:5000/mirror/library/alpine:3'),
    );
    expect(result).toContain('\nFROM docker.io/x\nCOPY --from=docker.io/y / /\nEOF\n');
    expect(result).toContain('\tFROM docker.io/z\n');
  });

  it('rewrites those lines under buildkit-0.8, which has no heredocs and reads them as instructions', () => {
    const result = mirrored(text, {}, [hub], 'buildkit-0.8');

    // v0.8.3 reads `EOF` and `\tSCRIPT` as unknown instructions: BuildKit refuses the file, so nothing is pulled or rewritten.
    expect(readDockerfile(text, { frontend: 'buildkit-0.8' }).problems.some((problem) => problem.rejected)).toBe(true);
    expect(result).toBe(text);
  });
});

describe('applyMirrors', () => {
  it('rewrites Docker Hub parents to the mirror, keeping tag and digest and normalizing short names', () => {
    expect(mirrored('FROM debian\n')).toBe('FROM 127.0.0.1:5000/mirror/library/debian\n');
    expect(mirrored('FROM debian:bookworm\n')).toBe('FROM 127.0.0.1:5000/mirror/library/debian:bookworm\n');
    expect(mirrored(`FROM docker.io/jenkins/inbound-agent:3327-jdk21@${digest}\n`)).toBe(
      `FROM 127.0.0.1:5000/mirror/jenkins/inbound-agent:3327-jdk21@${digest}\n`,
    );
    expect(mirrored(`FROM index.docker.io/library/debian@${digest}\n`)).toBe(
      `FROM 127.0.0.1:5000/mirror/library/debian@${digest}\n`,
    );
  });

  it('leaves references to other registries alone, and mirrors them when a mirror serves them', () => {
    const text = 'FROM quay.io/org/tool:1\nFROM 123.dkr.ecr.eu-west-1.amazonaws.com/agents/base:2\n';
    expect(mirrored(text)).toBe(text);
    expect(mirrored(text, {}, [{ from: 'quay.io', to: 'ecr.example.com/quay/' }])).toBe(
      'FROM ecr.example.com/quay/org/tool:1\nFROM 123.dkr.ecr.eu-west-1.amazonaws.com/agents/base:2\n',
    );
  });

  it('keeps flags, stage names, comments and every other byte as they were', () => {
    const text = [
      '# escape=\\',
      '# A comment naming FROM debian stays.',
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS Build',
      'RUN echo FROM debian   # not an instruction argument',
      '',
      'FROM build AS final',
      'COPY --from=Build /out /usr/local/bin/',
      'COPY --from=0 /out /again/',
      'FROM scratch',
      'COPY --from=final / /',
      '',
    ].join('\n');

    expect(mirrored(text)).toBe(text.replace('golang:1.22', '127.0.0.1:5000/mirror/library/golang:1.22'));
  });

  it('rewrites COPY --from and RUN --mount from= images, and only their image part', () => {
    const text = [
      'FROM debian',
      'COPY --chown=1000 --from=busybox:1.36 /bin/busybox /bin/',
      'RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=alpine:3,source=/etc,target=/mnt cat /mnt/os-release',
      'COPY --from=builder-image/x /a /b',
      '',
    ].join('\n');

    expect(mirrored(text)).toBe(
      [
        'FROM 127.0.0.1:5000/mirror/library/debian',
        'COPY --chown=1000 --from=127.0.0.1:5000/mirror/library/busybox:1.36 /bin/busybox /bin/',
        'RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=127.0.0.1:5000/mirror/library/alpine:3,source=/etc,target=/mnt cat /mnt/os-release',
        'COPY --from=127.0.0.1:5000/mirror/builder-image/x /a /b',
        '',
      ].join('\n'),
    );
  });

  it('leaves catalog references built from build args alone, even when they look like Docker Hub names', () => {
    const text = [
      'ARG REGISTRY=registry.example.com',
      'ARG PARENT=${REGISTRY}/jenkins-agents/base',
      'FROM ${REGISTRY}/jenkins-agents/python AS py',
      'FROM $PARENT',
      '',
    ].join('\n');

    expect(mirrored(text, { REGISTRY: 'dockyard-pr-12' })).toBe(text);
  });

  it('rewrites an ARG-built reference that does not come from a build arg to the literal mirrored reference', () => {
    const text = 'ARG DEBIAN_TAG=bookworm\nARG BASE=debian\nFROM ${BASE}:${DEBIAN_TAG}\nRUN true\n';

    expect(mirrored(text)).toBe('ARG DEBIAN_TAG=bookworm\nARG BASE=debian\nFROM 127.0.0.1:5000/mirror/library/debian:bookworm\nRUN true\n');
    // A build arg for a part of it makes it the caller's reference, not an upstream one.
    expect(mirrored(text, { DEBIAN_TAG: 'trixie' })).toBe(text);
  });

  it('leaves references it cannot resolve alone', () => {
    const text = 'FROM ${UNDECLARED}/x\nARG EMPTY\nFROM ${EMPTY}debian\nFROM Not_A_Reference!\n';
    expect(mirrored(text)).toBe(text);
  });

  it('keeps line numbers when the reference is split across a line continuation', () => {
    const text = 'FROM \\\n  debian:book\\\nworm AS base\nRUN true\n';

    const result = mirrored(text);

    expect(result).toBe('FROM \\\n  \\\n127.0.0.1:5000/mirror/library/debian:bookworm AS base\nRUN true\n');
    expect(result.split('\n')).toHaveLength(text.split('\n').length);
    // The domain's reader, which follows BuildKit's parser, sees the mirrored image on the same line.
    expect(readDockerfile(result).stages).toMatchObject([
      { line: 1, name: 'base', source: { kind: 'image', text: '127.0.0.1:5000/mirror/library/debian:bookworm' } },
    ]);
  });

  it('keeps CRLF line endings and honours the backtick escape directive', () => {
    const text = '# escape=`\r\nFROM `\r\n  debian:bookworm\r\nRUN echo C:\\path\r\n';

    expect(mirrored(text)).toBe('# escape=`\r\nFROM `\r\n  127.0.0.1:5000/mirror/library/debian:bookworm\r\nRUN echo C:\\path\r\n');
  });

  it('rewrites the BuildKit frontend named by a syntax directive', () => {
    expect(mirrored('# syntax=docker/dockerfile:1.7\nFROM scratch\n')).toBe(
      '# syntax=127.0.0.1:5000/mirror/docker/dockerfile:1.7\nFROM scratch\n',
    );
    expect(mirrored('FROM scratch\n# syntax=docker/dockerfile:1.7\n')).toBe('FROM scratch\n# syntax=docker/dockerfile:1.7\n');
  });

  it('returns the text untouched without mirrors', () => {
    const text = 'FROM debian\n';
    expect(applyMirrors(text, [], {}, 'buildkit-0.34')).toBe(text);
  });
});

describe('mirrorReference', () => {
  it('returns undefined for references no mirror serves and for text that is not a reference', () => {
    expect(mirrorReference('ghcr.io/a/b:1', [hub])).toBeUndefined();
    expect(mirrorReference('UPPER/case', [hub])).toBeUndefined();
    expect(mirrorReference('jenkins/inbound-agent:latest', [hub])).toBe('127.0.0.1:5000/mirror/jenkins/inbound-agent:latest');
  });
});
