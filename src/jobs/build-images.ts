import path from 'node:path';
import type { BuilderKind, Mirror, RegistryCredential } from '../adapters/docker/types.ts';
import type { StateStore } from '../adapters/state/state-store.ts';
import type { Config } from '../config/schema.ts';
import { buildInputHash } from '../domain/build/input-hash.ts';
import { imageLabels } from '../domain/build/image-labels.ts';
import { catalogBuildArgs, catalogRepository } from '../domain/catalog/catalog-reference.ts';
import type { CatalogAnalysis } from '../domain/check/analyze-catalog.ts';
import type { BuildView } from '../domain/report/render-builds.ts';
import { gateScan } from '../domain/scan/gate-scan.ts';
import { movingTag } from '../domain/publish/tag-scheme.ts';
import type { BuildPorts } from './build-ports.ts';

/** How one image fared in a build run: what the report shows, plus the image and its inputs. */
export interface ImageBuild extends BuildView {
  imageId?: string;
  inputHash?: string;
  builder?: BuilderKind;
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
        const result = reason ? { name, status: 'skipped' as const, reason } : await buildOne(run, name, runRegistry, resolveParent);
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
): Promise<ImageBuild> {
  const image = run.analysis.catalog.images.get(name);
  if (!image?.model) return { name, status: 'skipped', reason: 'its Dockerfile could not be read' };
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
    builder: run.config.build.builder,
    mirrors: run.mirrors.map((mirror) => `${mirror.from}=${mirror.to}`),
  });
  const previous = run.store.findBuild(run.repo, name, inputHash);
  let imageId: string;
  let builder: BuilderKind | undefined;
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
      credentials: run.credentials,
      builder: run.config.build.builder,
      ...(run.signal ? { signal: run.signal } : {}),
    });
    if (result.status === 'refused') return { name, status: 'refused', reason: result.message, file: result.file, inputHash };
    if (result.status === 'failed') {
      const failed: ImageBuild = { name, status: 'failed', reason: result.message, logTail: result.logTail, builder: result.builder, inputHash };
      if (result.step) failed.step = result.step;
      return failed;
    }
    imageId = result.imageId;
    builder = result.builder;
    await run.ports.tagImage(imageId, buildReference(name, inputHash));
  }

  const scan = await run.ports.scanImage({
    image: imageId,
    ignoreUnfixed: run.config.scan.ignoreUnfixed,
    ...(run.trivyIgnore === undefined ? {} : { ignoreFile: run.trivyIgnore }),
  });
  const outcome: ImageBuild = { name, status, imageId, inputHash, scan };
  if (builder) outcome.builder = builder;
  if (scan.status === 'ok') {
    outcome.gate = gateScan(scan.vulnerabilities, { failOn: run.config.scan.failOn });
    if (status === 'built') run.store.recordBuild({ repo: run.repo, image: name, inputHash, imageId, commit: run.commit, scanPassed: outcome.gate.passed });
    if (run.compareWithPublished) {
      const publishedId = await run.ports.pullImage(`${catalogRepository(run.config, name)}:${movingTag}`, run.credentials);
      if (publishedId && publishedId !== imageId) {
        const publishedScan = await run.ports.scanImage({ image: publishedId, ignoreUnfixed: run.config.scan.ignoreUnfixed });
        if (publishedScan.status === 'ok') outcome.published = publishedScan.vulnerabilities;
      }
    }
  }
  return outcome;
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
