/**
 * A long differential run of Dockyard's reader against the BuildKit oracles on generated files:
 *
 *   node test/conformance/run-fuzz.ts [--seed N] [--count N] [--frontend buildkit-0.34] [--show N] [--index I]
 *
 * Without --seed it picks one at random and prints it first, so any failure can be replayed.
 * --index I runs only file I of the seed (to replay one disagreement). Exits 1 on any disagreement.
 */
import { parseArgs } from 'node:util';
import { dockerfileFrontends, type DockerfileFrontend } from '../../src/domain/dockerfile/frontend.ts';
import { compareWithBuildkit, describeComparison } from './compare-with-buildkit.ts';
import { generateDockerfile, generateDockerfiles } from './generate-dockerfiles.ts';
import { oracleSetup } from './oracle.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    count: { type: 'string', default: '200000' },
    frontend: { type: 'string', multiple: true },
    show: { type: 'string', default: '5' },
    index: { type: 'string' },
    batch: { type: 'string', default: '50000' },
  },
});
const known = Object.keys(dockerfileFrontends) as DockerfileFrontend[];
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(values.seed);
const count = Number(values.count);
const show = Number(values.show);
const batch = Number(values.batch);
const frontends = (values.frontend ?? known) as DockerfileFrontend[];
const unknown = frontends.filter((frontend) => !known.includes(frontend));
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1 || unknown.length > 0 || !Number.isInteger(batch) || batch < 1) {
  process.stderr.write(`usage: node test/conformance/run-fuzz.ts [--seed N] [--count N] [--frontend ${known.join('|')}]… [--show N] [--index I]\n`);
  process.exit(2);
}

process.stdout.write(`conformance fuzz: seed ${seed}, ${values.index === undefined ? `${count} files` : `file ${values.index}`}, ${frontends.join(' + ')}\n`);
let failed = false;
for (const frontend of frontends) {
  const { binary } = oracleSetup(frontend);
  let files = 0;
  let disagreeing = 0;
  let rejected = 0;
  const start = performance.now();
  // In batches, so a long run keeps memory flat and reports as it goes.
  for (let first = 0; first < count; first += batch) {
    const cases =
      values.index === undefined
        ? generateDockerfiles(seed, Math.min(count, first + batch)).slice(first)
        : [generateDockerfile(seed, Number(values.index))];
    const comparison = await compareWithBuildkit(frontend, binary, cases);
    files += comparison.files;
    rejected += comparison.rejectedByBuildkit;
    if (comparison.disagreeing.length > 0) {
      failed = true;
      disagreeing += comparison.disagreeing.length;
      process.stdout.write(`${describeComparison(comparison, { corpus: `seed ${seed}, files ${first}…${first + cases.length - 1}`, limit: show })}\n\n`);
    }
    if (values.index !== undefined) break;
  }
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(
    `${frontend}: ${disagreeing} of ${files} files disagree (BuildKit rejects ${rejected}); ${seconds.toFixed(1)} s; seed ${seed}\n`,
  );
}
process.exitCode = failed ? 1 : 0;
