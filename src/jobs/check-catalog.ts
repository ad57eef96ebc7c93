import type { Config } from '../config/schema.ts';
import { analyzeCatalog } from '../domain/check/analyze-catalog.ts';
import type { ChangedPath } from '../domain/check/changed-images.ts';
import { concludeCheck, type CheckOutcome } from '../domain/check/conclude-check.ts';
import type { ImageFolder } from '../domain/catalog/types.ts';
import { lintDockerfiles } from './lint-dockerfiles.ts';

export interface CheckCatalogInput {
  config: Config;
  folders: readonly ImageFolder[];
  changes: readonly ChangedPath[] | 'all';
  hadolintConfig?: { path: string; bytes: Uint8Array };
  /** Lints the given Dockerfiles; injectable so callers can run hadolint elsewhere. */
  lint?: typeof lintDockerfiles;
}

/**
 * The check every entry point runs, the app on a pull request and `dockyard check` alike:
 * 1. read the catalog, graph and parent policy; 2. lint the changed Dockerfiles; 3. conclude.
 */
export async function checkCatalog(input: CheckCatalogInput): Promise<CheckOutcome> {
  const analysis = analyzeCatalog(input.folders, input.changes, input.config);
  const byPath = new Map(input.folders.map((folder) => [`${input.config.catalog}/${folder.name}/Dockerfile`, folder]));
  const files = new Map<string, Uint8Array>();
  for (const target of analysis.lintTargets) {
    const source = byPath.get(target)?.dockerfile;
    if (source?.kind === 'file') files.set(target, source.bytes);
  }
  const lint = input.lint ?? lintDockerfiles;
  const outcome = await lint(input.hadolintConfig ? { files, hadolintConfig: input.hadolintConfig } : { files });
  return concludeCheck(analysis, outcome, input.config);
}
