import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runHadolint } from '../adapters/hadolint/run-hadolint.ts';
import type { LintOutcome } from '../domain/check/conclude-check.ts';

/** The hadolint config file name Dockyard honours, at the repository root. */
export const hadolintConfigFiles = ['.hadolint.yaml', '.hadolint.yml'] as const;

export interface LintInput {
  /** Repo-relative Dockerfile paths and their bytes. */
  files: ReadonlyMap<string, Uint8Array>;
  /** The repository's hadolint config, from the default branch, when it has one. */
  hadolintConfig?: { path: string; bytes: Uint8Array };
  /** `lint.allowInlineIgnores` from the default branch: whether `# hadolint ignore=` pragmas count. */
  allowInlineIgnores: boolean;
}

/**
 * Lints Dockerfiles whose bytes Dockyard already holds: writes them into a private scratch folder
 * laid out like the repository (so hadolint reports repo-relative paths), runs hadolint, cleans up.
 */
export async function lintDockerfiles(input: LintInput): Promise<LintOutcome> {
  if (input.files.size === 0) return { status: 'skipped' };
  const workspace = await mkdtemp(path.join(tmpdir(), 'dockyard-lint-'));
  try {
    const written = [...input.files].map(async ([file, bytes]) => {
      const target = path.join(workspace, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, bytes);
    });
    if (input.hadolintConfig) written.push(writeFile(path.join(workspace, input.hadolintConfig.path), input.hadolintConfig.bytes));
    await Promise.all(written);
    const options = { cwd: workspace, files: [...input.files.keys()], allowInlineIgnores: input.allowInlineIgnores };
    return await runHadolint(input.hadolintConfig ? { ...options, configFile: input.hadolintConfig.path } : options);
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
