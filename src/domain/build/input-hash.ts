import { createHash } from 'node:crypto';

/** Everything that decides an image's content; equal inputs give an interchangeable image. */
export interface BuildInputs {
  /** Git tree sha of the image folder. */
  folderTree: string;
  /** Catalog or upstream parents by name, with the exact image they resolved to. */
  parents: Readonly<Record<string, string>>;
  /** Build args, without the per-run registry arg. */
  buildArgs: Readonly<Record<string, string>>;
  builder: string;
  mirrors: readonly string[];
}

/** A stable hash of build inputs, used to reuse a pull request's build at merge. */
export function buildInputHash(inputs: BuildInputs): string {
  const sorted = (record: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const canonical = JSON.stringify({
    folderTree: inputs.folderTree,
    parents: sorted(inputs.parents),
    buildArgs: sorted(inputs.buildArgs),
    builder: inputs.builder,
    mirrors: [...inputs.mirrors].sort(),
  });
  return createHash('sha256').update(canonical).digest('hex');
}
