import { configPath } from '../../config/schema.ts';

/** A path a change touches, as GitHub's pull request files list or `git diff --name-status` give it. */
export interface ChangedPath {
  path: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  previousPath?: string;
}

/** Files outside the catalog whose change affects every image's check. */
export const catalogWideFiles = [configPath, '.hadolint.yaml', '.hadolint.yml'];

export interface ChangeSummary {
  /** Images with a changed file in their folder (added and modified). */
  changed: Set<string>;
  /** Images whose Dockerfile the change deletes. */
  removed: Set<string>;
  /** True when a catalog-wide file changed, so every image is checked. */
  everything: boolean;
}

/** Sorts the changed paths into the images they touch. */
export function summarizeChange(paths: readonly ChangedPath[], catalogRoot: string): ChangeSummary {
  const summary: ChangeSummary = { changed: new Set(), removed: new Set(), everything: false };
  const prefix = `${catalogRoot}/`;
  for (const change of paths) {
    if (catalogWideFiles.includes(change.path)) summary.everything = true;
    for (const path of [change.path, change.previousPath]) {
      if (path === undefined || !path.startsWith(prefix)) continue;
      const [name, ...rest] = path.slice(prefix.length).split('/');
      if (!name || rest.length === 0) continue;
      const removedHere = change.status === 'removed' || (change.status === 'renamed' && path === change.previousPath);
      if (removedHere && rest.join('/') === 'Dockerfile') summary.removed.add(name);
      else summary.changed.add(name);
    }
  }
  return summary;
}

/** True when a change touches the catalog or a catalog-wide file, so Dockyard has something to say. */
export function touchesCatalog(paths: readonly ChangedPath[], catalogRoot: string): boolean {
  const prefix = `${catalogRoot}/`;
  return paths.some(
    (change) =>
      catalogWideFiles.includes(change.path) ||
      change.path.startsWith(prefix) ||
      (change.previousPath?.startsWith(prefix) ?? false),
  );
}
