// Rewrites test/domain/report/golden/*.md from the scenarios. A deliberate, manual step, never run by
// `npm test`:  node test/domain/report/write-goldens.ts
// Then read `git diff test/domain/report/golden` as a reviewer would read the comment before committing:
// the goldens are the reviewed contract of what developers and reviewers see, not a snapshot.
import { writeFileSync } from 'node:fs';
import { goldenPath, goldens } from './golden-fixtures.ts';

for (const [name, markdown] of goldens()) writeFileSync(goldenPath(name), markdown.endsWith('\n') ? markdown : `${markdown}\n`);
