import path from 'node:path';
import { mirrorReference } from '../adapters/docker/apply-mirrors.ts';
import type { Mirror, RegistryCredential } from '../adapters/docker/types.ts';
import { buildkitImageName } from '../adapters/docker/vertex-images.ts';
import type { StateStore } from '../adapters/state/state-store.ts';
import type { Config } from '../config/schema.ts';
import { buildInputHash } from '../domain/build/input-hash.ts';
import { imageLabels } from '../domain/build/image-labels.ts';
import { catalogBuildArgs, catalogNameOf, catalogRepository } from '../domain/catalog/catalog-reference.ts';
import type { CatalogAnalysis } from '../domain/check/analyze-catalog.ts';
import type { DockerfileFrontend } from '../domain/dockerfile/frontend.ts';
import { formatImageReference } from '../domain/dockerfile/image-reference.ts';
import type { DockerfileModel } from '../domain/dockerfile/read-dockerfile.ts';
import type { BuildView } from '../domain/report/render-builds.ts';
import { gateScan } from '../domain/scan/gate-scan.ts';
import { movingTag } from '../domain/publish/tag-scheme.ts';
import type { BuildPorts } from './build-ports.ts';

/** How one image fared in a build run: what the report shows, plus the image and its inputs. */
export interface ImageBuild extends BuildView {
  imageId?: string;
  inputHash?: string;
  /** The Dockerfile frontend that built it (shown as the report's builder). */
  builder?: DockerfileFrontend;
}

export interface BuildRun {
  repo: string;
  /** The commit being built. */
  commit: string;
  /** The repository's web address, for the source label. */
  sourceUrl: string;
  config: Config;
  analysis: CatalogAnalysis;
  /** A checkout of the commit holding the catalog folder. */
  workspace: string;
  /** Git tree sha of each image folder at the commit. */
  folderTrees: ReadonlyMap<string, string>;
  mirrors: readonly Mirror[];
  credentials: readonly RegistryCredential[];
  /** Ignore-file text for Trivy, from the default branch. */
  trivyIgnore?: string;
  /** Compare each image's scan with its published image. */
  compareWithPublished: boolean;
  /** Affected images not to build, with the reason (their policy fails). */
  skip?: ReadonlyMap<string, string>;
  ports: BuildPorts;
  store: StateStore;
  /** Cancels the run's builds and scans (the job's time limit, or the queue stopping); they reject with its reason. */
  signal?: AbortSignal;
}

/**
 * Builds the affected images in dependency order, each child FROM the parent built in the same run
 * (or, for a parent the change does not touch, the published one), up to `build.concurrency` at
 * once; reuses an earlier build with identical inputs; scans and gates each image.
 *
 * Parents are resolved through a run-local registry name: the registry build arg is set to
 * `dockyard.local/<run>`, and each parent is tagged there, so a build can only ever see the parent
 * this run decided on, never a stale or concurrent one.
 */
export async function buildImages(run: BuildRun): Promise<Map<string, ImageBuild>> {
  const results = new Map<string, ImageBuild>();
  const runRegistry = `dockyard.local/r${run.commit.slice(0, 12)}${Math.random().toString(36).slice(2, 8)}`;
  const resolved = new Map<string, string>();
  const runTags: string[] = [];
  let engineFrontend: Promise<DockerfileFrontend> | undefined;
  const frontend = () => (engineFrontend ??= run.ports.engineFrontend());

  const tagForRun = async (imageId: string, name: string) => {
    const reference = `${runRegistry}/${run.config.prefix}/${name}:${movingTag}`;
    await run.ports.tagImage(imageId, reference);
    runTags.push(reference);
  };

  const resolveParent = async (name: string): Promise<string | undefined> => {
    // A parent this change affects must come from this run; if it did not build, neither can its children.
    if (run.analysis.affected.has(name)) return results.get(name)?.imageId;
    const cached = resolved.get(name);
    if (cached) return cached;
    const imageId = await run.ports.pullImage(`${catalogRepository(run.config, name)}:${movingTag}`, run.credentials);
    if (imageId) {
      await tagForRun(imageId, name);
      resolved.set(name, imageId);
    }
    return imageId ?? undefined;
  };

  try {
    for (const level of run.analysis.plan) {
      await forEachLimited(level, run.config.build.concurrency, async (name) => {
        const reason = run.skip?.get(name);
        const result = reason ? { name, status: 'skipped' as const, reason } : await buildOne(run, name, runRegistry, resolveParent, frontend);
        results.set(name, result);
        if (result.imageId) await tagForRun(result.imageId, name);
      });
    }
  } finally {
    // Run-local names only serve this run's FROM lines; each build keeps its stable `builds` tag.
    for (const reference of runTags) await run.ports.untagImage(reference);
  }
  return results;
}

/** The stable local name of a build, by its inputs: what a later identical build reuses. */
export function buildReference(name: string, inputHash: string): string {
  return `dockyard.local/builds/${name}:${inputHash.slice(0, 20)}`;
}

async function buildOne(
  run: BuildRun,
  name: string,
  runRegistry: string,
  resolveParent: (name: string) => Promise<string | undefined>,
  engineFrontend: () => Promise<DockerfileFrontend>,
): Promise<ImageBuild> {
  const image = run.analysis.catalog.images.get(name);
  if (!image?.model) return { name, status: 'skipped', reason: 'its Dockerfile could not be read' };
  const { model } = image;
  const frontend = await engineFrontend();
  // A file with an approved `# syntax=` is read by that frontend's rules and built by it; any other
  // is built by the engine's own frontend, so the policy must have judged that frontend's reading.
  if (!model.directives.syntax && model.frontend !== frontend) {
    return {
      name,
      status: 'failed',
      reason:
        `Dockyard read \`${image.dockerfilePath}\` as the \`${model.frontend}\` frontend does, but the Docker engine builds it ` +
        `with \`${frontend}\`, which may read it differently; the policy judged another reading, so it was not built. ` +
        'This is a fault in Dockyard, not in the Dockerfile: tell the platform team.',
    };
  }
  const parents: Record<string, string> = {};
  for (const dependency of image.dependsOn) {
    const imageId = await resolveParent(dependency);
    if (!imageId) {
      return {
        name,
        status: 'skipped',
        reason: run.analysis.affected.has(dependency)
          ? `its parent \`${dependency}\` did not build`
          : `its parent \`${dependency}\` is not published yet`,
      };
    }
    parents[dependency] = imageId;
  }
  if (image.parent.kind === 'upstream') parents[image.parent.text] = image.parent.reference.digest ?? image.parent.text;

  const buildArgs = catalogBuildArgs(run.config);
  const inputHash = buildInputHash({
    folderTree: run.folderTrees.get(name) ?? '',
    parents,
    buildArgs: {},
    builder: frontend,
    mirrors: run.mirrors.map((mirror) => `${mirror.from}=${mirror.to}`),
  });
  const previous = run.store.findBuild(run.repo, name, inputHash);
  let imageId: string;
  let builder: DockerfileFrontend | undefined;
  let status: ImageBuild['status'] = 'built';
  if (previous && previous.scanPassed && (await run.ports.hasImage(previous.imageId))) {
    imageId = previous.imageId;
    status = 'reused';
  } else {
    const catalogParent = image.parent.kind === 'catalog' ? image.parent.name : undefined;
    const parentImage = catalogParent && parents[catalogParent]
      ? { reference: `${catalogRepository(run.config, catalogParent)}:${movingTag}`, digest: parents[catalogParent] }
      : undefined;
    const result = await run.ports.buildImage({
      image: name,
      contextDir: path.join(run.workspace, image.dir),
      tags: [],
      buildArgs: { ...buildArgs, [run.config.registryArg]: runRegistry },
      labels: imageLabels({
        image: name,
        ...(image.metadata.description ? { description: image.metadata.description } : {}),
        source: run.sourceUrl,
        revision: run.commit,
        created: new Date(),
        parent: image.parent,
        ...(parentImage ? { parentImage } : {}),
      }),
      mirrors: run.mirrors,
      frontend: model.frontend,
      expectedImages: expectedImages(model, run.config, runRegistry, run.mirrors),
      credentials: run.credentials,
      ...(run.signal ? { signal: run.signal } : {}),
    });
    if (result.status === 'refused') return { name, status: 'refused', reason: result.message, file: result.file, inputHash };
    // `unapproved`: BuildKit went for an image the policy never judged; the build was cancelled untagged.
    if (result.status === 'failed' || result.status === 'unapproved') {
      const failed: ImageBuild = { name, status: 'failed', reason: result.message, logTail: result.logTail, builder: result.frontend, inputHash };
      if (result.status === 'failed' && result.step) failed.step = result.step;
      return failed;
    }
    imageId = result.imageId;
    builder = result.frontend;
    await run.ports.tagImage(imageId, buildReference(name, inputHash));
  }

  const scan = await run.ports.scanImage({
    image: imageId,
    ignoreUnfixed: run.config.scan.ignoreUnfixed,
    ...(run.trivyIgnore === undefined ? {} : { ignoreFile: run.trivyIgnore }),
    ...(run.signal ? { signal: run.signal } : {}),
  });
  const outcome: ImageBuild = { name, status, imageId, inputHash, scan };
  if (builder) outcome.builder = builder;
  if (scan.status === 'ok') {
    outcome.gate = gateScan(scan.vulnerabilities, { failOn: run.config.scan.failOn });
    if (status === 'built') run.store.recordBuild({ repo: run.repo, image: name, inputHash, imageId, commit: run.commit, scanPassed: outcome.gate.passed });
    if (run.compareWithPublished) {
      const publishedId = await run.ports.pullImage(`${catalogRepository(run.config, name)}:${movingTag}`, run.credentials);
      if (publishedId && publishedId !== imageId) {
        const publishedScan = await run.ports.scanImage({
          image: publishedId,
          ignoreUnfixed: run.config.scan.ignoreUnfixed,
          ...(run.trivyIgnore === undefined ? {} : { ignoreFile: run.trivyIgnore }),
          ...(run.signal ? { signal: run.signal } : {}),
        });
        if (publishedScan.status === 'ok') outcome.published = publishedScan.vulnerabilities;
      }
    }
  }
  return outcome;
}

/**
 * The images the policy judged for this Dockerfile, named as BuildKit will resolve them in this run:
 * every image its stages, `COPY --from` and `RUN --mount=from` use, and its `# syntax=` frontend
 * (a superset of what the default target pulls). Catalog parents under their run-local names, as
 * the registry build arg sends the build there; upstream images through the mirrors, as
 * `applyMirrors` rewrites them.
 */
export function expectedImages(
  model: DockerfileModel,
  config: Pick<Config, 'registry' | 'prefix'>,
  runRegistry: string,
  mirrors: readonly Mirror[],
): string[] {
  const images = new Set<string>();
  const add = (text: string) => {
    const name = buildkitImageName(mirrorReference(text, mirrors, model.frontend) ?? text);
    if (name !== undefined) images.add(name);
  };
  for (const { source } of [...model.stages, ...model.uses]) {
    if (source.kind !== 'image') continue;
    const catalogName = catalogNameOf(source.reference, config);
    if (catalogName === undefined) add(formatImageReference(source.reference));
    else images.add(`${runRegistry}/${config.prefix}/${catalogName}:${movingTag}`);
  }
  if (model.directives.syntax) add(model.directives.syntax.image);
  return [...images].sort();
}

/** Runs `work` over items with at most `limit` at once. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}
