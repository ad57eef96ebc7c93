/**
 * Deterministic generator of synthetic Dockyard catalogs for the benchmarks.
 *
 * A catalog is a forest: a few roots inherit from the approved upstream
 * `docker.io/jenkins/inbound-agent` pinned by digest; every other image names its catalog parent as
 * `FROM ${REGISTRY}/jenkins-agents/<parent>`. Trees are at most `maxDepth` levels deep. Many images
 * carry a Go builder stage (`FROM docker.io/library/golang:…@sha256:… AS build`), some a test stage
 * built on it, `RUN` lines with continuations, `RUN --mount=…,from=build` and `COPY --from=build`.
 * Dockerfiles are 20–60 lines. Same size and seed, same bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mulberry32 as prng } from '../test/conformance/prng.ts';

export interface GeneratedImage {
  name: string;
  /** Catalog parent, or undefined for a root (which inherits from the approved upstream). */
  parent?: string;
  /** 1 for roots. */
  depth: number;
  lines: number;
  bytes: number;
}

export interface GeneratedCatalog {
  repoRoot: string;
  images: GeneratedImage[];
  roots: number;
  maxDepth: number;
  /** Dockerfile size in lines: min, mean, max. */
  lines: { min: number; mean: number; max: number };
  /** Dockerfile + image.yml bytes on disk. */
  totalBytes: number;
}

/** The one `# syntax=` frontend the synthetic catalog uses, approved by its policy. */
const frontendDigest = `sha256:${'f0'.repeat(32)}`;

export const benchConfig = `# Dockyard policy for the synthetic benchmark catalog.
catalog: images
registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com
prefix: jenkins-agents
parents:
  approved:
    - pattern: docker.io/jenkins/inbound-agent
      requireDigest: true
    - pattern: docker.io/library/golang
      requireDigest: true
      scope: stage
  frontends:
    - pattern: docker.io/docker/dockerfile@${frontendDigest}
      readsAs: buildkit-0.34
lint:
  failureThreshold: warning
`;

const families = [
  'android', 'ansible', 'aws', 'azure', 'bazel', 'chrome', 'cypress', 'dotnet', 'gcloud', 'go', 'gradle',
  'helm', 'java', 'kotlin', 'kubectl', 'maven', 'node', 'packer', 'php', 'playwright', 'python', 'ruby',
  'rust', 'sbt', 'sonar', 'terraform', 'trivy', 'yarn',
];
const flavours = [
  'base', 'build', 'ci', 'e2e', 'fips', 'full', 'lint', 'lts', 'perf', 'release', 'slim', 'test', 'tools',
];
const packages = [
  'bzip2', 'ca-certificates', 'curl', 'file', 'g++', 'gcc', 'git', 'git-lfs', 'gnupg', 'jq', 'less', 'libffi-dev',
  'libssl-dev', 'make', 'openssh-client', 'patch', 'pkg-config', 'python3', 'python3-pip', 'python3-venv',
  'rsync', 'shellcheck', 'sudo', 'tar', 'time', 'unzip', 'wget', 'xz-utils', 'yq', 'zip', 'zstd',
];
const agentTags = [
  '3327.v868139a_d00e0-1-jdk21',
  '3309.v27b_9314fd1a_4-6-jdk17',
  '3301.v4363ddcca_4e7-3-jdk21',
];
const goTags = ['1.22', '1.22.5-bookworm', '1.22.7-alpine3.20'];

function hex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

function pickSome<T>(random: () => number, list: readonly T[], count: number): T[] {
  const copy = [...list];
  const out: T[] = [];
  while (out.length < count && copy.length > 0) out.push(copy.splice(Math.floor(random() * copy.length), 1)[0] as T);
  return out.sort();
}

/** The shape of the forest: names, parents and depths, before any text is written. */
export function planForest(size: number, seed: number, maxDepth = 6): GeneratedImage[] {
  const random = prng(seed);
  const roots = Math.max(3, Math.min(12, Math.round(size / 1000) + 2));
  const images: GeneratedImage[] = [];
  // Parents are drawn from images that may still have children (depth below the maximum).
  const open: number[] = [];
  // One guaranteed chain to the full depth, so every size has maxDepth levels.
  for (let i = 0; i < size; i++) {
    const name = `${pick(random, families)}-${pick(random, flavours)}-${String(i).padStart(5, '0')}`;
    let parent: GeneratedImage | undefined;
    if (i >= roots) {
      const chain = i - roots + 1 < maxDepth ? images[i - 1] : undefined;
      // Prefer shallow parents a little, like real catalogs (many leaves on a few platform images).
      parent = chain ?? images[open[Math.floor(random() ** 1.3 * open.length)] as number];
    }
    const depth = parent ? parent.depth + 1 : 1;
    const image: GeneratedImage = { name, depth, lines: 0, bytes: 0 };
    if (parent) image.parent = parent.name;
    images.push(image);
    if (depth < maxDepth) open.push(i);
  }
  return images;
}

/** One image's Dockerfile. */
export function renderDockerfile(image: GeneratedImage, random: () => number): string {
  const out: string[] = [];
  const family = image.name.split('-')[0] ?? 'tool';
  const tool = `${family}-helper`;
  if (random() < 0.3) out.push(`# syntax=docker/dockerfile:1@${frontendDigest}`);
  out.push(`# ${image.name}: Jenkins agent for ${family} pipelines (${image.parent ? `builds on ${image.parent}` : 'catalog root'}).`);
  out.push('# Generated by bench/generate-catalog.ts; the shape of a real catalog image, not a real one.');
  out.push('');
  if (image.parent) {
    out.push('# Dockyard passes --build-arg REGISTRY=<configured registry>.');
    out.push('ARG REGISTRY=registry.example.com');
  }
  const builder = random() < 0.6;
  if (builder) {
    out.push(`ARG GO_VERSION=${pick(random, goTags)}`);
    out.push('');
    out.push('# Build stage: compiles a small helper the agent ships.');
    out.push(`FROM docker.io/library/golang:\${GO_VERSION}@sha256:${hex(random, 64)} AS build`);
    out.push('WORKDIR /src');
    out.push('ENV CGO_ENABLED=0 \\');
    out.push('    GOFLAGS=-trimpath');
    out.push('COPY go.mod go.sum ./');
    out.push('RUN --mount=type=cache,target=/go/pkg/mod \\');
    out.push('    go mod download');
    out.push('COPY . .');
    out.push('RUN --mount=type=cache,target=/go/pkg/mod \\');
    out.push('    --mount=type=cache,target=/root/.cache/go-build \\');
    out.push(`    go build -ldflags="-s -w" -o /out/${tool} ./cmd/${tool}`);
    if (random() < 0.4) {
      out.push('');
      out.push('FROM build AS test');
      out.push(`RUN go test ./... \\`);
      out.push('    && go vet ./...');
    }
  }
  out.push('');
  if (image.parent) {
    out.push('FROM ${REGISTRY}/jenkins-agents/' + image.parent);
  } else {
    out.push('# Approved upstream, pinned by digest: bump tag and digest together.');
    out.push(`FROM docker.io/jenkins/inbound-agent:${pick(random, agentTags)}@sha256:${hex(random, 64)}`);
  }
  out.push('');
  out.push('USER root');
  out.push('');
  const installs = 1 + Math.floor(random() * 2);
  for (let n = 0; n < installs; n++) {
    const list = pickSome(random, packages, 3 + Math.floor(random() * 7));
    out.push('RUN apt-get update \\');
    out.push(' && apt-get install -y --no-install-recommends \\');
    for (const name of list) out.push(`      ${name} \\`);
    out.push(' && rm -rf /var/lib/apt/lists/*');
    out.push('');
  }
  if (random() < 0.5) {
    const version = `${1 + Math.floor(random() * 3)}.${Math.floor(random() * 20)}.${Math.floor(random() * 10)}`;
    out.push(`ENV ${family.toUpperCase()}_VERSION=${version}`);
    out.push(`RUN curl -fsSL "https://downloads.example.com/${family}/\${${family.toUpperCase()}_VERSION}/${family}-linux-amd64.tar.gz" \\`);
    out.push(`      -o /tmp/${family}.tar.gz \\`);
    out.push(` && echo "${hex(random, 64)}  /tmp/${family}.tar.gz" | sha256sum -c - \\`);
    out.push(` && tar -xzf /tmp/${family}.tar.gz -C /usr/local/bin \\`);
    out.push(` && rm /tmp/${family}.tar.gz`);
    out.push('');
  }
  if (builder) {
    out.push(`COPY --from=build /out/${tool} /usr/local/bin/${tool}`);
    if (random() < 0.3) {
      out.push('RUN --mount=type=bind,from=build,source=/src/config,target=/mnt/config \\');
      out.push(`    install -D -m 0644 /mnt/config/${tool}.yaml /etc/${tool}/config.yaml`);
    }
  }
  out.push(`LABEL org.opencontainers.image.title="${image.name}" \\`);
  out.push(`      org.opencontainers.image.source="https://github.com/example-org/jenkins-agents"`);
  out.push('');
  out.push('# The Jenkins agent process must not run as root.');
  out.push('USER jenkins');
  out.push(`WORKDIR /home/jenkins/agent`);
  return `${out.join('\n')}\n`;
}

function renderMetadata(image: GeneratedImage, random: () => number): string {
  const family = image.name.split('-')[0] ?? 'tool';
  const owners = ['"@example-org/platform"'];
  if (random() < 0.5) owners.push(`"@example-org/${family}-maintainers"`);
  return [
    `description: ${family} agent (${image.name}) for Jenkins pipelines.`,
    `label: ${image.name}`,
    'owners:',
    ...owners.map((owner) => `  - ${owner}`),
    '',
  ].join('\n');
}

/** Writes a catalog of `size` images into `repoRoot` (images/, .github/dockyard.yml). */
export async function generateCatalog(repoRoot: string, size: number, seed = 0x5eed): Promise<GeneratedCatalog> {
  const images = planForest(size, seed ^ size);
  const random = prng((seed * 31 + size) >>> 0);
  await mkdir(path.join(repoRoot, '.github'), { recursive: true });
  await writeFile(path.join(repoRoot, '.github', 'dockyard.yml'), benchConfig);
  let totalBytes = 0;
  const files: { dir: string; dockerfile: string; metadata: string }[] = [];
  for (const image of images) {
    // Redraw the rare recipes longer than 60 lines (all have at least 20): same seed, same result.
    let dockerfile = renderDockerfile(image, random);
    while (dockerfile.split('\n').length - 1 > 60) dockerfile = renderDockerfile(image, random);
    const metadata = renderMetadata(image, random);
    image.lines = dockerfile.split('\n').length - 1;
    image.bytes = Buffer.byteLength(dockerfile);
    totalBytes += image.bytes + Buffer.byteLength(metadata);
    files.push({ dir: path.join(repoRoot, 'images', image.name), dockerfile, metadata });
  }
  // Write in batches: enough parallelism to be quick, few enough open files to be safe.
  for (let i = 0; i < files.length; i += 256) {
    await Promise.all(
      files.slice(i, i + 256).map(async (file) => {
        await mkdir(file.dir, { recursive: true });
        await writeFile(path.join(file.dir, 'Dockerfile'), file.dockerfile);
        await writeFile(path.join(file.dir, 'image.yml'), file.metadata);
      }),
    );
  }
  const lines = images.map((image) => image.lines);
  return {
    repoRoot,
    images,
    roots: images.filter((image) => image.parent === undefined).length,
    maxDepth: Math.max(...images.map((image) => image.depth)),
    lines: {
      min: Math.min(...lines),
      mean: lines.reduce((sum, n) => sum + n, 0) / lines.length,
      max: Math.max(...lines),
    },
    totalBytes,
  };
}
