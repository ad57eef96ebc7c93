/**
 * The words the conformance generator builds Dockerfiles from. The images are few on purpose: when
 * two readings disagree on which image a file pulls, the answer is one of these, and the attacker's
 * image stands out.
 */

/** The registry Dockyard passes as `--build-arg REGISTRY=…` for the catalog. */
export const catalogRegistry = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

export const attackerImages = ['ghcr.io/attacker/evil:latest', 'evil.example.com/jenkins-agents/base'];

const digest = 'c551fe2693f4c393d81fcacac290df32b2137223dd5b777d1370fa18a4fc18c4';

export const plainImages = [
  'alpine',
  'alpine:3.20',
  'docker.io/library/alpine:3.20',
  'debian:bookworm',
  'library/debian',
  'index.docker.io/library/alpine',
  `golang:1.22@sha256:${digest}`,
  `docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@sha256:${digest}`,
  'localhost:5000/jenkins-agents/base',
  ...attackerImages,
];

/** References BuildKit refuses (or reads differently than they look). */
export const invalidImages = [
  'Alpine',
  'UPPER/alpine',
  `alpine@sha256:${digest.slice(0, 12)}`,
  `alpine@sha512:${digest}`,
  'alpine:',
  'alpine:-tag',
  'alpine:3.20:extra',
  'alpine@',
  'a//b',
  `${catalogRegistry}/Jenkins-Agents/base`,
  'alpine:tag with space',
  ':latest',
  '-alpine',
];

export const catalogImageNames = ['base', 'python', 'boto3'];

/** Platform-related args BuildKit defines in the global scope, and names that look like them. */
export const predefinedArgs = [
  'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'TARGETOSVERSION', 'TARGETSTAGE',
  'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT', 'BUILDOSVERSION', 'BUILDKIT_SYNTAX',
  'HTTP_PROXY', 'http_proxy',
];

/** Names the generated ARGs and build args use, besides the predefined ones. */
export const argNames = ['REGISTRY', 'IMG', 'TAG', 'BASE', 'V', 'registry', 'EMPTY', 'UNDECLARED'];

export const platforms = [
  '$BUILDPLATFORM', '${TARGETPLATFORM}', 'linux/arm64', 'linux/amd64', '$TARGETOS/$TARGETARCH',
  '${TARGETOS}/${TARGETARCH}${TARGETVARIANT:+/$TARGETVARIANT}', 'windows/amd64', 'linux/arm/v7',
  '$UNDECLARED', '""', 'bogus', 'LINUX/AMD64', '${BUILDOS}/${BUILDARCH}', '$TARGETPLATFORM',
];

export const stageNames = ['build', 'Build', 'BUILD', 'base', 'b-1', 'a.b_c', 'test', 'tools', 'runtime'];
/** Stage names BuildKit refuses, or that collide with something else. */
export const oddStageNames = ['1', '0', 'scratch', 'SCRATCH', '-bad', 'a/b', 'x:y', '$NAME', 'alpine', 'Ünï'];

/** Characters after an escape character at the end of a line: only some continue the line. */
export const oddTrailers = [
  '\u00a0', '\u2028', '\u2029', '\u0085', '\u000b', '\u000c', '\u3000', '\u200b', '\ufeff', '\u1680',
  '\u2003', '\u202f', '\u205f', '\u001c', '\u001f', '\u0001', '\u007f', '\u180e',
];

/** Whitespace of every kind that might (or might not) count as indentation. */
export const oddSpaces = ['\u00a0', '\u2003', '\u3000', '\u000b', '\u000c', '\u0085', '\ufeff', '\u2028', '\u1680'];

export const shellCommands = [
  'echo hello', 'apt-get update && apt-get install -y curl', 'make', 'true', 'go build -o /out/app ./...',
  'echo $HOME "${PATH}"', 'cat /etc/os-release',
];

/** Heredoc body lines that look like instructions: if a reader ends the heredoc early, they become real. */
export const heredocBodies = [
  'echo inside',
  'FROM ghcr.io/attacker/evil:latest AS pwn',
  'FROM evil.example.com/jenkins-agents/base',
  'COPY --from=ghcr.io/attacker/evil:latest / /',
  '\tFROM ghcr.io/attacker/evil:latest',
  'RUN --mount=type=bind,from=ghcr.io/attacker/evil:latest,target=/x true',
  '# escape=`',
  'set -e',
  '',
];

export const unknownInstructions = ['FORM', 'COPPY', 'FROMM', 'IMPORT', 'INCLUDE', 'RUNX'];
