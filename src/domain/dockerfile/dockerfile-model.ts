import type { DockerfileFrontend } from './frontend.ts';
import type { ImageReference } from './image-reference.ts';

/** What a stage or a `COPY --from` builds on. */
export type ImageSource =
  | { kind: 'stage'; stage: number }
  | { kind: 'scratch' }
  | { kind: 'image'; reference: ImageReference; text: string }
  | { kind: 'invalid'; text: string };

export interface Stage {
  index: number;
  /** Stage name from `AS name`, lower-cased (stage names are case-insensitive). */
  name?: string;
  line: number;
  /** The image text as written, before ARG expansion. */
  written: string;
  /** The base after ARG expansion, exactly as the frontend computes it. */
  base: string;
  /** `--platform` after ARG expansion. */
  platform?: string;
  source: ImageSource;
}

/** An image pulled by something other than FROM: `COPY --from=<image>` or `RUN --mount=from=<image>`. */
export interface ImageUse {
  line: number;
  stage: number;
  via: 'COPY --from' | 'RUN --mount';
  written: string;
  /** The value as the frontend uses it (v0.8 and v0.34 expand neither form). */
  from: string;
  source: ImageSource;
  /**
   * Set when the use is an `ONBUILD` trigger's: it runs in every stage (or image) built FROM this
   * stage, so the policy judges it even when nothing in this file inherits it.
   */
  onbuild?: true;
}

/** A problem with the Dockerfile itself, found while reading it. */
export interface ReadProblem {
  rule: string;
  line: number;
  message: string;
  /** True when BuildKit itself refuses the file for this reason; false for Dockyard's stricter rules. */
  rejected: boolean;
}

/** Parser directives at the top of the file, as the frontend reads them. */
export interface Directives {
  escape: string;
  /** `# syntax=<image>`: the frontend image BuildKit would pull and hand the build to. */
  syntax?: { image: string; line: number };
  /** `# check=…` (frontends that have it), as written. */
  check?: string;
}

/** An `ADD` or `ONBUILD` line as the parser split it: what the ADD-source policy reads. */
export interface AddLine {
  keyword: 'ADD' | 'ONBUILD';
  args: string;
  line: number;
}

export interface DockerfileModel {
  /** The frontend whose rules this reading follows. */
  frontend: DockerfileFrontend;
  directives: Directives;
  stages: Stage[];
  uses: ImageUse[];
  problems: ReadProblem[];
  /** The file's `ADD` and `ONBUILD` lines (ADD may fetch from the network); most files have none. */
  addLines: AddLine[];
}
