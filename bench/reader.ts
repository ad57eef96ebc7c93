/**
 * Reader benchmark: Dockyard's Dockerfile reader against the BuildKit oracle of each frontend, on the
 * conformance suite's generated corpus, in the same run.
 *
 *   node bench/reader.ts [--count=20000] [--seed=20251130] [--rounds=5] [--frontend=buildkit-0.34]
 *
 * Each round times (a) Dockyard: decode + readDockerfile + resolvedImages of every file, one after
 * another in this process, and (b) the oracle: one process reading the same files as JSON lines.
 * The two alternate, one warm-up round first; medians are reported as files/s and MB/s with the
 * ratio. The oracle's figure includes its process start and the JSON pipe, as the suite runs it.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { decodeDockerfile } from '../src/domain/dockerfile/decode-dockerfile.ts';
import { dockerfileFrontends, type DockerfileFrontend } from '../src/domain/dockerfile/frontend.ts';
import { readDockerfile } from '../src/domain/dockerfile/read-dockerfile.ts';
import { resolvedImages } from '../src/domain/dockerfile/resolved-images.ts';
import { generateDockerfiles } from '../test/conformance/generate-dockerfiles.ts';
import { oracleSetup, runOracle } from '../test/conformance/oracle.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '20251130' },
    rounds: { type: 'string', default: '5' },
    frontend: { type: 'string', multiple: true },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
const rounds = Number(values.rounds);
const known = Object.keys(dockerfileFrontends) as DockerfileFrontend[];
const frontends = (values.frontend ?? known) as DockerfileFrontend[];
if (![count, seed, rounds].every(Number.isInteger) || count < 1 || rounds < 1 || frontends.some((f) => !known.includes(f))) {
  process.stderr.write(`usage: node bench/reader.ts [--count=20000] [--seed=N] [--rounds=5] [--frontend=${known.join('|')}]\n`);
  process.exit(2);
}

const files = generateDockerfiles(seed, count);
const inputs = files.map(({ id, dockerfile, buildArgs }) => ({ id, dockerfile, buildArgs }));
const encoded = files.map((file) => new TextEncoder().encode(file.dockerfile));
const megabytes = encoded.reduce((sum, bytes) => sum + bytes.byteLength, 0) / (1024 * 1024);

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The reader's whole job per file: bytes to text, text to model, model to the images it pulls. */
function readAll(frontend: DockerfileFrontend): number {
  let images = 0;
  files.forEach((file, index) => {
    const decoded = decodeDockerfile(encoded[index] as Uint8Array);
    if ('problem' in decoded) return;
    images += resolvedImages(readDockerfile(decoded.text, { buildArgs: file.buildArgs, frontend })).length;
  });
  return images;
}

process.stdout.write(
  `Reader benchmark: ${fmt(count)} generated files (seed ${seed}), ${fmt(megabytes, 2)} MB; node ${process.version}, ` +
    `${os.availableParallelism()} CPUs, load average ${fmt(os.loadavg()[0] ?? 0, 2)}; median of ${rounds} alternating rounds after 1 warm-up\n\n`,
);
const header = `${'frontend'.padEnd(15)}${'Dockyard files/s'.padStart(18)}${'MB/s'.padStart(9)}${'oracle files/s'.padStart(16)}${'MB/s'.padStart(9)}${'Dockyard ÷ oracle'.padStart(19)}\n`;
process.stdout.write(header);
for (const frontend of frontends) {
  const { binary } = oracleSetup(frontend);
  const reader: number[] = [];
  const oracle: number[] = [];
  for (let round = 0; round <= rounds; round++) {
    let start = performance.now();
    readAll(frontend);
    const readerMs = performance.now() - start;
    start = performance.now();
    await runOracle(binary, inputs);
    const oracleMs = performance.now() - start;
    if (round === 0) continue;
    reader.push(readerMs);
    oracle.push(oracleMs);
  }
  const readerRate = count / (median(reader) / 1000);
  const oracleRate = count / (median(oracle) / 1000);
  process.stdout.write(
    `${frontend.padEnd(15)}${fmt(readerRate).padStart(18)}${fmt((megabytes * readerRate) / count, 1).padStart(9)}` +
      `${fmt(oracleRate).padStart(16)}${fmt((megabytes * oracleRate) / count, 1).padStart(9)}${`${fmt(readerRate / oracleRate, 1)}×`.padStart(19)}\n`,
  );
}
process.stdout.write(`\nload average at the end: ${fmt(os.loadavg()[0] ?? 0, 2)}\n`);
