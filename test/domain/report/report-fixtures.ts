import type { Config } from '../../../src/config/schema.ts';
import { analyzeCatalog } from '../../../src/domain/check/analyze-catalog.ts';
import type { ChangedPath } from '../../../src/domain/check/changed-images.ts';
import { concludeCheck, type CheckOutcome, type LintOutcome } from '../../../src/domain/check/conclude-check.ts';
import type { ImageFolder } from '../../../src/domain/catalog/types.ts';
import type { Finding } from '../../../src/domain/findings.ts';
import { seedConfig, seedFolders } from '../check/check-fixtures.ts';
import { setDocsUrl } from '../../../src/domain/report/links.ts';

// Where the reports under test link Dockyard's rule pages (the operator's DOCKYARD_DOCS_URL).
setDocsUrl('https://dockyard.example.com/docs');

export const sha = '0123456789abcdef0123456789abcdef01234567';

export function lintOk(...findings: Finding[]): LintOutcome {
  return { status: 'ok', findings, version: '2.12.0' };
}

/** A whole check of the seed catalog (or the given folders) for a change. */
export function outcomeOf(
  changes: readonly ChangedPath[] | 'all',
  lint: LintOutcome = lintOk(),
  folders: ImageFolder[] = seedFolders(),
  config: Config = seedConfig,
): CheckOutcome {
  return concludeCheck(analyzeCatalog(folders, changes, config), lint, config);
}

export function modified(...names: string[]): ChangedPath[] {
  return names.map((name) => ({ path: `images/${name}/Dockerfile`, status: 'modified' }));
}
