import type { Config } from '../config/schema.ts';
import { analyzeCatalog, type CatalogAnalysis } from '../domain/check/analyze-catalog.ts';
import type { ChangedPath } from '../domain/check/changed-images.ts';
import { concludeCheck, type CheckOutcome, type LintOutcome } from '../domain/check/conclude-check.ts';
import type { ImageFolder } from '../domain/catalog/types.ts';
import type { DockerfileFrontend } from '../domain/dockerfile/frontend.ts';
import { lintDockerfiles } from './lint-dockerfiles.ts';

export interface CheckCatalogInput {
  config: Config;
  folders: readonly ImageFolder[];
  changes: readonly ChangedPath[] | 'all';
  hadolintConfig?: { path: string; bytes: Uint8Array };
  /** The frontend that builds Dockerfiles without `# syntax=`; `defaultFrontend` when absent. */
  frontend?: DockerfileFrontend;
  /** Hosts `ADD <url>` may fetch from (the operator's `build.egress.addHosts`); none when absent. */
  addHosts?: readonly string[];
  /** Lints the given Dockerfiles; injectable so callers can run hadolint elsewhere. */
  lint?: typeof lintDockerfiles;
}

/**
 * The check every entry point runs, the app on a pull request and `dockyard check` alike:
 * 1. read the catalog, graph and parent policy; 2. lint the changed Dockerfiles; 3. conclude.
 */
export async function checkCatalog(input: CheckCatalogInput): Promise<CheckOutcome> {
  const analysis = analyzeCatalog(input.folders, input.changes, input.config, {
    ...(input.frontend ? { frontend: input.frontend } : {}),
    ...(input.addHosts ? { addHosts: input.addHosts } : {}),
  });
  return concludeCheck(analysis, await lintChanged(analysis, input), input.config);
}

/** Lints the Dockerfiles of the images an analysis found changed, under the repository's lint settings. */
export async function lintChanged(
  analysis: CatalogAnalysis,
  input: Pick<CheckCatalogInput, 'config' | 'folders' | 'hadolintConfig' | 'lint'>,
): Promise<LintOutcome> {
  const byPath = new Map(input.folders.map((folder) => [`${input.config.catalog}/${folder.name}/Dockerfile`, folder]));
  const files = new Map<string, Uint8Array>();
  for (const target of analysis.lintTargets) {
    const source = byPath.get(target)?.dockerfile;
    if (source?.kind === 'file') files.set(target, source.bytes);
  }
  const lint = input.lint ?? lintDockerfiles;
  const settings = { files, allowInlineIgnores: input.config.lint.allowInlineIgnores };
  return lint(input.hadolintConfig ? { ...settings, hadolintConfig: input.hadolintConfig } : settings);
}
