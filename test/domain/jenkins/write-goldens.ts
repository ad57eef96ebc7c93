// Rewrites test/domain/jenkins/golden/*.yaml from the fixtures. A deliberate, manual step, never run by
// `npm test`:  node test/domain/jenkins/write-goldens.ts
// Then read `git diff test/domain/jenkins/golden` line by line against the plugins' JCasC examples named
// in render-casc.test.ts before committing: the goldens are the reviewed contract, not a snapshot.
import { writeFileSync } from 'node:fs';
import { renderCasc } from '../../../src/domain/jenkins/render-casc.ts';
import { fixtureCloud, fixtureConfig, fixtureImages, fixtureJnlpCloud, fixtureRepo, goldenPath } from './casc-fixtures.ts';

for (const kind of ['ecs', 'kubernetes', 'docker'] as const) {
  writeFileSync(goldenPath(kind), renderCasc(fixtureCloud(kind), fixtureImages, fixtureConfig.defaults, fixtureRepo));
}
writeFileSync(goldenPath('docker-jnlp'), renderCasc(fixtureJnlpCloud(), fixtureImages, fixtureConfig.defaults, fixtureRepo));
