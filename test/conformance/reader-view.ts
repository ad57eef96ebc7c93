/** Dockyard's reading of a Dockerfile, in the oracle's shape. */
import { decodeDockerfile } from '../../src/domain/dockerfile/decode-dockerfile.ts';
import type { DockerfileFrontend } from '../../src/domain/dockerfile/frontend.ts';
import { readDockerfile } from '../../src/domain/dockerfile/read-dockerfile.ts';
import { resolvedImages } from '../../src/domain/dockerfile/resolved-images.ts';
import type { ReaderView } from './diff-readings.ts';

/** Reads text the way the app does (decode, then read) and puts the result in the oracle's shape. */
export function readerView(text: string, buildArgs: Readonly<Record<string, string>>, frontend: DockerfileFrontend): ReaderView {
  const decoded = decodeDockerfile(new TextEncoder().encode(text));
  if ('problem' in decoded) {
    return { directives: { escape: '\\', syntax: null, check: null }, stages: [], sources: [], resolved: [], rejected: true };
  }
  const model = readDockerfile(decoded.text, { buildArgs, frontend });
  return {
    directives: {
      escape: model.directives.escape,
      syntax: model.directives.syntax?.image ?? null,
      check: model.directives.check ?? null,
    },
    stages: model.stages.map((stage) => ({ name: stage.name ?? null, base: stage.base, platform: stage.platform ?? null })),
    // The oracle lists the --from values of the commands as written; ONBUILD triggers' uses are extra.
    sources: model.uses.filter((use) => !use.onbuild).map((use) => ({ stage: use.stage, via: use.via === 'COPY --from' ? 'copy' : 'mount', from: use.from })),
    resolved: resolvedImages(model),
    rejected: model.problems.some((problem) => problem.rejected),
  };
}
