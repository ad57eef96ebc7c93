/**
 * A seeded generator of adversarial Dockerfiles for the differential conformance suite: every file is
 * something BuildKit reads one way and a careless reader another — continuations ended by odd
 * characters, parser directives in odd places, heredocs whose bodies look like FROM lines, every
 * variable-expansion operator, stage names that shadow images. Same seed and index, same file.
 */
import {
  argNames,
  attackerImages,
  catalogImageNames,
  catalogRegistry,
  heredocBodies,
  invalidImages,
  oddSpaces,
  oddStageNames,
  oddTrailers,
  plainImages,
  platforms,
  predefinedArgs,
  shellCommands,
  stageNames,
  unknownInstructions,
} from './dockerfile-vocabulary.ts';
import { fileSeed, Random } from './prng.ts';

/** The classes of input the generator covers; each file lists the ones it contains. */
export const featureClasses = [
  'continuation', 'continuation-trailing-space', 'continuation-odd-char', 'continuation-mid-word',
  'continuation-comment', 'continuation-blank', 'continue-at-eof', 'escaped-escape', 'lone-escape',
  'backtick-escape', 'crlf', 'cr', 'mixed-eol', 'no-trailing-newline', 'unicode-whitespace',
  'directive', 'directive-case', 'directive-spacing', 'directive-indented', 'directive-duplicate',
  'directive-late', 'directive-unknown', 'directive-syntax', 'directive-check', 'bom', 'shebang',
  'heredoc', 'heredoc-chomp', 'heredoc-quoted', 'heredoc-fd', 'heredoc-multi', 'heredoc-onbuild',
  'heredoc-other-instruction', 'heredoc-lookalike', 'heredoc-fake-from', 'heredoc-unterminated',
  'expansion-simple', 'expansion-default', 'expansion-alternate', 'expansion-error', 'expansion-suffix',
  'expansion-prefix', 'expansion-replace', 'expansion-nested', 'expansion-unterminated',
  'expansion-special', 'quotes', 'predefined-arg', 'global-arg', 'arg-redeclared', 'stage-arg',
  'build-arg-override', 'keyword-case', 'stage-name', 'stage-name-case', 'stage-duplicate',
  'stage-invalid-name', 'stage-ref', 'numeric-stage', 'scratch', 'platform', 'copy-from',
  'copy-from-index', 'copy-from-var', 'copy-from-image', 'mount-from', 'mount-odd', 'flag-odd',
  'before-from', 'unknown-instruction', 'invalid-ref', 'attacker-image', 'catalog-image', 'onbuild',
  'json-form', 'no-from', 'from-malformed', 'hostile',
] as const;

export type FeatureClass = (typeof featureClasses)[number];

export interface GeneratedDockerfile {
  /** `gen-<seed>-<index>`: enough to regenerate this one file. */
  id: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  features: FeatureClass[];
}

/** The `index`-th file of the run with this seed. */
export function generateDockerfile(seed: number, index: number): GeneratedDockerfile {
  const w = new Writer(new Random(fileSeed(seed, index)));
  writeFile(w);
  return { id: `gen-${seed}-${index}`, dockerfile: w.text, buildArgs: buildArgs(w), features: [...w.features].sort() };
}

/** Files `0 … count-1` of the run with this seed. */
export function generateDockerfiles(seed: number, count: number): GeneratedDockerfile[] {
  return Array.from({ length: count }, (_, index) => generateDockerfile(seed, index));
}

/** The state of one file being written. */
class Writer {
  text = '';
  readonly features = new Set<FeatureClass>();
  /** The escape character the file means to use (BuildKit may disagree: that is the point). */
  escape = '\\';
  eol = '\n';
  mixedEol = false;
  readonly declared: string[] = [];
  readonly directives = new Set<string>();
  readonly stages: (string | undefined)[] = [];

  readonly r: Random;
  /**
   * Hostile files use everything, so most of them are refused; the others leave out what BuildKit
   * refuses outright, so that stages, sources and pulls get compared too.
   */
  readonly hostile: boolean;

  constructor(random: Random) {
    this.r = random;
    this.hostile = random.chance(0.4);
    if (this.hostile) this.features.add('hostile');
  }

  /** A weight for a branch that often makes BuildKit refuse the file: zero unless the file is hostile. */
  risky(weight: number): number {
    return this.hostile ? weight : 0;
  }

  tag(...features: FeatureClass[]): void {
    for (const feature of features) this.features.add(feature);
  }

  newline(): string {
    if (!this.mixedEol && !this.r.chance(0.03)) return this.eol;
    return this.r.pick(this.hostile ? ['\n', '\r\n', '\r', '\r\r\n'] : ['\n', '\r\n', '\r\r\n']);
  }

  /** Writes one logical instruction from its words, with separators and continuations between them. */
  instruction(words: readonly string[]): void {
    let line = this.indent();
    words.forEach((word, i) => {
      if (i > 0) line += this.separator();
      line += this.r.chance(0.02) && word.length > 1 ? this.splitWord(word) : word;
    });
    this.text += line + this.newline();
  }

  line(text: string): void {
    this.text += text + this.newline();
  }

  private indent(): string {
    return this.r.weighted<() => string>([
      [90, () => ''],
      [6, () => this.r.pick(['  ', '\t', ' \t '])],
      [this.hostile ? 4 : 0.3, () => (this.tag('unicode-whitespace'), this.r.pick(oddSpaces))],
    ])();
  }

  private separator(): string {
    return this.r.weighted<() => string>([
      [86, () => ' '],
      [4, () => this.r.pick(this.hostile ? ['  ', '\t', ' \t', '\u000b', '\u000c'] : ['  ', '\t', ' \t'])],
      [this.hostile ? 1 : 0.1, () => (this.tag('unicode-whitespace'), this.r.pick(oddSpaces))],
      [9, () => (this.r.chance(this.hostile ? 0.8 : 0.97) ? ' ' : '') + this.continuation() + (this.r.chance(0.6) ? this.r.pick([' ', '  ', '\t']) : '')],
    ])();
  }

  private splitWord(word: string): string {
    this.tag('continuation-mid-word');
    const at = this.r.between(1, word.length - 1);
    return word.slice(0, at) + this.continuation() + word.slice(at);
  }

  /** An escape character, what follows it, the line break, and lines a continuation may swallow. */
  continuation(): string {
    this.tag('continuation');
    const escape = this.r.chance(0.92) ? this.escape : this.escape === '\\' ? '`' : '\\';
    const trailer = this.r.weighted<() => string>([
      [70, () => ''],
      [10, () => (this.tag('continuation-trailing-space'), this.r.pick([' ', '\t', ' \t ', '\r']))],
      [this.hostile ? 20 : 1.5, () => (this.tag('continuation-odd-char'), this.r.pick(oddTrailers) + (this.r.chance(0.2) ? ' ' : ''))],
    ])();
    let text = escape + trailer + this.newline();
    if (this.r.chance(0.12)) {
      for (let n = this.r.between(1, 2); n > 0; n--) text += this.swallowedLine() + this.newline();
    }
    return text;
  }

  private swallowedLine(): string {
    return this.r.weighted<() => string>([
      [4, () => (this.tag('continuation-comment'), this.r.pick(['# comment', '  # FROM ghcr.io/attacker/evil:latest', '#', '# escape=`']))],
      [3, () => (this.tag('continuation-blank'), this.r.pick(['', '   ', '\t']))],
      [2, () => (this.tag('continuation-comment', 'unicode-whitespace'), this.r.pick(oddSpaces) + this.r.pick(['# FROM ghcr.io/attacker/evil:latest', '']))],
    ])();
  }
}

function keyword(w: Writer, word: string): string {
  return w.r.weighted<() => string>([
    [88, () => word],
    [8, () => (w.tag('keyword-case'), word.toLowerCase())],
    [4, () => (w.tag('keyword-case'), [...word].map((c) => (w.r.chance(0.5) ? c.toLowerCase() : c)).join(''))],
  ])();
}

function writeFile(w: Writer): void {
  w.eol = w.r.weighted<() => string>([
    [76, () => '\n'],
    [14, () => (w.tag('crlf'), '\r\n')],
    [w.risky(6), () => (w.tag('cr'), '\r')],
    [7, () => ((w.mixedEol = true), w.tag('mixed-eol'), '\n')],
  ])();
  writePrologue(w);
  writeGlobals(w);
  const stages = w.r.weighted([[w.risky(5), 0], [30, 1], [35, 2], [20, 3], [12, 4]] as const);
  if (stages === 0) w.tag('no-from');
  for (let i = 0; i < stages; i++) {
    writeFrom(w);
    for (let n = w.r.between(0, w.hostile ? 5 : 4); n > 0; n--) writeBodyInstruction(w);
  }
  writeEnding(w);
}

function writePrologue(w: Writer): void {
  if (w.r.chance(0.04)) {
    w.tag('bom');
    w.text += w.hostile && w.r.chance(0.3) ? '\ufeff\ufeff' : '\ufeff';
  }
  if (w.r.chance(0.03)) {
    w.tag('shebang');
    w.line('#!/usr/bin/env buildctl-daemonless.sh');
  }
  if (!w.r.chance(0.45)) return;
  for (let n = w.r.weighted([[60, 1], [30, 2], [10, 3]] as const); n > 0; n--) {
    if (w.r.chance(0.08)) {
      w.tag('directive-late');
      w.line(w.r.pick(['', '# a comment', '   ', '#']));
    }
    const line = directiveLine(w);
    if (line !== undefined) w.line(line);
  }
}

function directiveLine(w: Writer): string | undefined {
  const name = w.r.weighted([[40, 'escape'], [35, 'syntax'], [15, 'check'], [6, 'unknown'], [4, 'frontend']] as const);
  if (w.directives.has(name) && !w.hostile) return undefined;
  w.tag('directive');
  if (name === 'unknown' || name === 'frontend') w.tag('directive-unknown');
  let written: string = name;
  if (w.r.chance(0.1)) {
    w.tag('directive-case');
    written = w.r.pick([name.toUpperCase(), name[0]?.toUpperCase() + name.slice(1)]);
  }
  const prefix = w.r.weighted<() => string>([
    [80, () => w.r.pick(['# ', '#'])],
    [10, () => (w.tag('directive-spacing'), w.r.pick(['#   ', '#\t', '# \u00a0']))],
    [7, () => (w.tag('directive-indented'), w.r.pick([' # ', '\t#', '  #']))],
    [w.risky(3), () => (w.tag('directive-unknown'), '// ')],
  ])();
  const equals = w.r.chance(0.85) ? '=' : (w.tag('directive-spacing'), w.r.pick([' = ', '= ', ' =', '=\t', '\u00a0=']));
  const trailer = w.r.chance(0.9) ? '' : (w.tag('directive-spacing'), w.r.pick([' ', '\t', '\u00a0', '\r']));
  if (w.directives.has(name)) w.tag('directive-duplicate');
  w.directives.add(name);
  return prefix + written + equals + directiveValue(w, name) + trailer;
}

function directiveValue(w: Writer, name: string): string {
  if (name === 'escape') {
    const value = w.r.weighted([[60, '`'], [25, '\\'], [w.risky(15), w.r.pick(['x', '``', '` `', '\\\\', '"`"'])]] as const);
    if (value === '`') {
      w.tag('backtick-escape');
      w.escape = '`';
    }
    return value;
  }
  if (name === 'syntax') {
    w.tag('directive-syntax');
    return w.r.pick([
      'docker/dockerfile:1',
      'docker/dockerfile:1.7@sha256:c551fe2693f4c393d81fcacac290df32b2137223dd5b777d1370fa18a4fc18c4',
      'ghcr.io/attacker/frontend:latest',
      'docker/dockerfile:1 --some-arg',
      'Docker/Dockerfile:1',
      '${IMG}',
      'docker.io/docker/dockerfile-upstream:master',
    ]);
  }
  if (name === 'check') {
    w.tag('directive-check');
    return w.r.pick(['skip=all', 'error=true', 'skip=JSONArgsRecommended;error=true', ...(w.hostile ? ['skip=all # note', 'SKIP=ALL'] : [])]);
  }
  return w.r.pick(['1', 'yes', 'docker/dockerfile:1']);
}

function writeGlobals(w: Writer): void {
  if (!w.hostile && w.r.chance(0.85)) {
    w.tag('global-arg');
    w.declared.push('REGISTRY');
    w.instruction([keyword(w, 'ARG'), w.r.pick(['REGISTRY', 'REGISTRY=registry.example.com'])]);
  }
  for (let n = w.r.weighted([[25, 0], [35, 1], [25, 2], [15, 4]] as const); n > 0; n--) {
    w.r.weighted<() => void>([
      [7, () => writeArg(w, true)],
      [2, () => writeTrivia(w)],
      [w.risky(0.6), () => {
        w.tag('before-from');
        w.instruction([keyword(w, w.r.pick(['RUN', 'ENV', 'LABEL', 'COPY', 'ONBUILD', 'USER', 'WORKDIR'])), ...w.r.pick([['a=b'], ['echo', 'hi'], ['RUN', 'true']])]);
      }],
      [w.risky(0.3), () => writeUnknown(w)],
    ])();
  }
}

function writeTrivia(w: Writer): void {
  w.line(
    w.r.weighted<() => string>([
      [5, () => w.r.pick(['# a comment', '', '   ', '  # FROM ghcr.io/attacker/evil:latest', '#escape=`'])],
      [1, () => (w.tag('unicode-whitespace'), w.r.pick(oddSpaces) + w.r.pick(['# FROM ghcr.io/attacker/evil:latest', '']))],
    ])(),
  );
}

function writeUnknown(w: Writer): void {
  w.tag('unknown-instruction');
  w.instruction([w.r.pick(unknownInstructions), w.r.pick(plainImages)]);
}

function writeArg(w: Writer, global: boolean): void {
  w.tag(global ? 'global-arg' : 'stage-arg');
  const words = [keyword(w, 'ARG')];
  for (let n = w.r.chance(0.85) ? 1 : 2; n > 0; n--) {
    const name = w.r.weighted<() => string>([
      [70, () => w.r.pick(argNames.filter((arg) => arg !== 'UNDECLARED'))],
      [15, () => (w.tag('predefined-arg'), w.r.pick(predefinedArgs))],
      [15, () => w.r.pick(['NAME', 'IMG', 'REGISTRY'])],
    ])();
    if (w.declared.includes(name)) w.tag('arg-redeclared');
    if (global) w.declared.push(name);
    const value = w.r.weighted<() => string | undefined>([
      [30, () => undefined],
      [40, () => imageExpression(w)],
      [10, () => w.r.pick(['3.20', 'latest', '', '""', 'build', '1', 'registry.example.com'])],
      [10, () => expansion(w, 0)],
      [10, () => (w.tag('quotes'), `"${imageExpression(w)}"`)],
    ])();
    words.push(value === undefined ? name : `${name}=${value}`);
  }
  w.instruction(words);
}

function writeFrom(w: Writer): void {
  const words = [keyword(w, 'FROM')];
  if (w.r.chance(0.2)) {
    w.tag('platform');
    const flag = w.r.weighted<() => string>([
      [92, () => '--platform='],
      [w.risky(8), () => (w.tag('flag-odd'), w.r.pick(['--PLATFORM=', '--platform', '"--platform=', '--platform==']))],
    ])();
    const value = w.r.pick(w.hostile ? platforms : platforms.filter((platform) => !/UNDECLARED|""|bogus/.test(platform)));
    if (flag === '--platform') words.push(flag, value);
    else words.push(flag + value + (flag.startsWith('"') ? '"' : ''));
  }
  words.push(
    w.r.weighted<() => string>([
      [18, () => stageReference(w) ?? imageExpression(w)],
      [5, () => (w.tag('scratch'), w.hostile || w.r.chance(0.2) ? w.r.pick(['scratch', 'SCRATCH', 'Scratch', '"scratch"']) : 'scratch')],
      [77, () => imageExpression(w)],
    ])(),
  );
  let name: string | undefined;
  if (w.r.chance(0.55)) {
    w.tag('stage-name');
    const existing = w.stages.filter((stage): stage is string => stage !== undefined);
    name = w.r.weighted<() => string>([
      [80, () => w.r.pick(stageNames)],
      [w.risky(12), () => (w.tag('stage-invalid-name'), w.r.pick(oddStageNames))],
      [w.risky(8), () => (existing.length > 0 ? (w.tag('stage-duplicate'), recase(w, w.r.pick(existing))) : 'dup')],
    ])();
    if (name !== name.toLowerCase()) w.tag('stage-name-case');
    const as = w.r.weighted([[85, 'AS'], [10, 'as'], [5, w.r.pick(w.hostile ? ['As', 'aS', 'AS AS', 'ASS'] : ['As', 'aS'])]] as const);
    if (as !== 'AS') w.tag('keyword-case');
    words.push(as, name);
  }
  if (w.r.chance(w.risky(0.06))) {
    w.tag('from-malformed');
    if (w.r.chance(0.5)) words.splice(1);
    else words.push(w.r.pick(['extra', 'AS', '#', 'ghcr.io/attacker/evil:latest']));
  }
  w.stages.push(name);
  w.instruction(words);
}

/**
 * A stage, named in any case or by index; undefined when there is none. From inside a stage, hostile
 * files may name the stage itself (a cycle BuildKit refuses).
 */
function stageReference(w: Writer, inside = false): string | undefined {
  const count = inside && !w.hostile ? w.stages.length - 1 : w.stages.length;
  if (count <= 0) return undefined;
  const index = w.r.int(count);
  const name = w.stages[index];
  w.tag('stage-ref');
  if (name === undefined || w.r.chance(0.2)) {
    w.tag('numeric-stage');
    return String(index);
  }
  return recase(w, name);
}

function recase(w: Writer, name: string): string {
  if (!w.hostile && w.r.chance(0.8)) return name;
  const cased = w.r.pick([name, name.toUpperCase(), name[0]?.toUpperCase() + name.slice(1)]);
  if (cased !== name) w.tag('stage-name-case');
  return cased;
}

/** Image text as a FROM, ARG or `--from` would write it. */
function imageExpression(w: Writer): string {
  return w.r.weighted<() => string>([
    [35, () => plainImage(w)],
    [25, () => {
      w.tag('catalog-image');
      const registry = w.r.weighted<() => string>([
        [40, () => '${REGISTRY}'],
        [20, () => '$REGISTRY'],
        [10, () => (w.tag('expansion-default'), '${REGISTRY:-registry.example.com}')],
        [10, () => catalogRegistry],
        [5, () => (w.tag('quotes'), w.r.pick(['"${REGISTRY}"', "'${REGISTRY}'", '$REGISTRY""', '\\${REGISTRY}', '$${REGISTRY}']))],
        [10, () => expansion(w, 0, 'REGISTRY')],
      ])();
      return `${registry}/jenkins-agents/${w.r.pick(catalogImageNames)}${w.r.chance(0.1) ? ':latest' : ''}`;
    }],
    [25, () => {
      const value = expansion(w, 0);
      return w.r.weighted([[50, value], [25, `alpine:${value}`], [15, `${value}:${expansion(w, 1)}`], [10, `ghcr.io/attacker/evil${value}`]] as const);
    }],
    [w.risky(8), () => (w.tag('invalid-ref'), w.r.pick(invalidImages))],
    [7, () => {
      w.tag('quotes');
      const image = plainImage(w);
      const unbalanced = w.hostile ? [`"${image}`, `${image}\\"`] : [];
      return w.r.pick([`"${image}"`, `'${image}'`, `al"pi"ne`, 'al\\pine', `"$IMG"`, `'$IMG'`, ...unbalanced]);
    }],
  ])();
}

function plainImage(w: Writer): string {
  const image = w.r.pick(plainImages);
  if (attackerImages.includes(image)) w.tag('attacker-image');
  return image;
}

const operators: readonly (readonly [string, FeatureClass])[] = [
  [':-', 'expansion-default'], ['-', 'expansion-default'], [':+', 'expansion-alternate'], ['+', 'expansion-alternate'],
  [':?', 'expansion-error'], ['?', 'expansion-error'], ['%', 'expansion-suffix'], ['%%', 'expansion-suffix'],
  ['#', 'expansion-prefix'], ['##', 'expansion-prefix'], ['/', 'expansion-replace'], ['//', 'expansion-replace'],
];

/** A `$VAR` form: plain, every operator, nested, unterminated, special parameters. */
function expansion(w: Writer, depth: number, fixedName?: string): string {
  const name =
    fixedName ??
    w.r.weighted<() => string>([
      [45, () => (w.declared.length > 0 ? w.r.pick(w.declared) : 'IMG')],
      [20, () => (w.tag('predefined-arg'), w.r.pick(predefinedArgs))],
      [35, () => w.r.pick(argNames)],
    ])();
  return w.r.weighted<() => string>([
    [25, () => (w.tag('expansion-simple'), w.r.pick([`$${name}`, `\${${name}}`]))],
    [62, () => {
      const [operator, feature] = w.r.pick(operators);
      w.tag(feature);
      const word = operatorWord(w, depth);
      return operator.startsWith('/') ? `\${${name}${operator}${word}/${operatorWord(w, depth)}}` : `\${${name}${operator}${word}}`;
    }],
    [w.risky(6), () => {
      w.tag('expansion-unterminated');
      return w.r.pick([`\${${name}`, `\${${name}:-alpine`, '${', '$', '${}', `\${${name}:}`, `\${${name}:-\${IMG}`]);
    }],
    [w.hostile ? 7 : 2, () => {
      w.tag('expansion-special');
      return w.r.pick(['$1', '$@', '$$', '$#', `\${#${name}}`, `\${!${name}}`, `\${${name}:0:3}`, `\${${name}^^}`, `\\$${name}`, `$\\{${name}}`, '$*', '$?']);
    }],
  ])();
}

function operatorWord(w: Writer, depth: number): string {
  if (depth < 2 && w.r.chance(0.25)) {
    w.tag('expansion-nested');
    return expansion(w, depth + 1);
  }
  return w.r.pick([
    'alpine', 'ghcr.io/attacker/evil:latest', '*', '*/', ':*', 'docker.io/', 'ghcr.io\\/attacker', '[a-z]*', '?',
    '', 'registry.example.com', '"ghcr.io/attacker/evil:latest"', "'x'", 'a\\}b', 'dkr', 'evil',
  ]);
}

function writeBodyInstruction(w: Writer): void {
  w.r.weighted<() => void>([
    [4, () => w.instruction([keyword(w, 'RUN'), ...w.r.pick(shellCommands).split(' ')])],
    [3, () => writeRunMount(w)],
    [w.hostile ? 4 : 2, () => writeHeredoc(w)],
    [2, () => w.instruction([keyword(w, w.r.pick(['COPY', 'ADD'])), '.', '/src'])],
    [4, () => writeCopyFrom(w)],
    [1.5, () => writeArg(w, false)],
    [1, () => w.instruction([keyword(w, 'ENV'), w.r.pick(['A=1', 'IMG=ghcr.io/attacker/evil:latest', 'NAME build', 'PATH=/x:$PATH'])])],
    [1.2, () => writeOnbuild(w)],
    [1.5, () => w.instruction(w.r.pick([['USER', 'root'], ['WORKDIR', '/src'], ['EXPOSE', '80'], ['LABEL', 'a=b', 'c="d e"'], ['STOPSIGNAL', 'SIGTERM'], ['VOLUME', '/data'], ['MAINTAINER', 'me'], ['HEALTHCHECK', 'NONE'], ['ENTRYPOINT', 'sh']]).map((word, i) => (i === 0 ? keyword(w, word) : word)))],
    [0.8, () => writeJson(w)],
    [w.risky(0.3), () => writeUnknown(w)],
    [1, () => writeTrivia(w)],
    [0.6, () => writeEscapedEscape(w)],
    [w.risky(0.2), () => {
      w.tag('lone-escape');
      w.line(w.escape);
    }],
    [w.risky(0.4), () => w.instruction([keyword(w, w.r.pick(['RUN', 'COPY', 'CMD', 'ENV']))])],
  ])();
}

function writeCopyFrom(w: Writer): void {
  const from = w.r.weighted<() => string>([
    [35, () => (w.tag('copy-from'), stageReference(w, true) ?? w.r.pick(stageNames))],
    [10, () => (w.tag('copy-from'), w.r.pick(stageNames))],
    [w.risky(12), () => (w.tag('copy-from-index'), w.r.pick(['0', '1', '2', '5', '-1', '01', '1.0']))],
    [20, () => (w.tag('copy-from-image'), w.hostile ? imageExpression(w) : plainImage(w))],
    [w.hostile ? 15 : 4, () => (w.tag('copy-from-var'), w.r.pick(['$IMG', '${IMG}', '${IMG:-ghcr.io/attacker/evil:latest}', '$NAME', '${NAME:-build}', '$BASE']))],
    [8, () => (w.tag('quotes'), w.r.pick(['"build"', "'build'", '"ghcr.io/attacker/evil:latest"', 'bu"il"d']))],
  ])();
  const flag = w.r.weighted<() => string[]>([
    [92, () => [`--from=${from}`]],
    [w.risky(8), () => (w.tag('flag-odd'), w.r.pick([[`--FROM=${from}`], ['--from', from], [`"--from=${from}"`], ['--', `--from=${from}`], [`--from=${from}`, `--from=${from}`]]))],
  ])();
  const extra = w.r.chance(0.2) ? [w.r.pick(['--chown=1000:1000', '--link', '--chmod=755', '--parents', '--exclude=*.md'])] : [];
  const keywordWord = w.r.chance(w.risky(0.05)) ? (w.tag('flag-odd'), 'ADD') : 'COPY';
  const words = [keyword(w, keywordWord), ...(w.r.chance(0.5) ? [...extra, ...flag] : [...flag, ...extra])];
  w.instruction([...words, ...(w.r.chance(0.1) ? (w.tag('json-form'), ['["/out/app",', '"/usr/bin/app"]']) : ['/out/app', '/usr/bin/app'])]);
}

function writeRunMount(w: Writer): void {
  const mounts = Array.from({ length: w.r.chance(0.85) ? 1 : 2 }, () => `--mount=${mountSpec(w)}`);
  if (w.r.chance(w.risky(0.05))) {
    w.tag('flag-odd');
    mounts.push(w.r.pick(['--network=none', '--security=insecure', '--mount', '--', '--MOUNT=type=bind,from=ghcr.io/attacker/evil:latest']));
  }
  w.instruction([keyword(w, 'RUN'), ...mounts, ...w.r.pick(shellCommands).split(' ')]);
}

function mountSpec(w: Writer): string {
  const source = w.r.weighted<() => string>([
    [40, () => stageReference(w, true) ?? plainImage(w)],
    [40, () => (w.hostile ? imageExpression(w) : plainImage(w))],
    [w.risky(20), () => w.r.pick(['$IMG', '${IMG:-ghcr.io/attacker/evil:latest}', 'build', '0', '"ghcr.io/attacker/evil:latest"'])],
  ])();
  return w.r.weighted<() => string>([
    [50, () => (w.tag('mount-from'), `type=bind,from=${source},target=/mnt`)],
    [15, () => (w.tag('mount-from'), `from=${source},type=cache,target=/root/.cache`)],
    [10, () => `type=${w.r.pick(['cache', 'secret', 'tmpfs', 'ssh'])},target=/c`],
    [w.hostile ? 25 : 8, () => {
      w.tag('mount-from', 'mount-odd');
      return w.r.pick([
        `type=bind,FROM=${source}`,
        `TYPE=bind,from=${source}`,
        `type=bind,source=/,from="${source}"`,
        `"type=bind,from=${source}"`,
        `type=bind,"from=${source}"`,
        `type=bind,from=${source},from=ghcr.io/attacker/evil:latest`,
        `type=tmpfs,from=${source}`,
        `type=bind, from=${source}`,
        `type=bind,from =${source}`,
        `type=bind,from= ${source}`,
        `type=bind,src=x,from=${source},readonly`,
        `type=cache,from=${source},rw=true,target=/c`,
        `type=secret,id=s,from=${source}`,
      ]);
    }],
  ])();
}

/** One to three heredocs on a line, with bodies that try to escape into instructions. */
function writeHeredoc(w: Writer): void {
  w.tag('heredoc');
  const host = w.r.weighted<() => string[]>([
    [60, () => [keyword(w, 'RUN'), ...(w.r.chance(0.4) ? ['cat'] : [])]],
    [14, () => [keyword(w, 'COPY')]],
    [5, () => [keyword(w, 'ADD')]],
    [8, () => (w.tag('heredoc-onbuild', 'onbuild'), [keyword(w, 'ONBUILD'), keyword(w, w.r.pick(['RUN', 'COPY']))])],
    [w.risky(13), () => (w.tag('heredoc-other-instruction'), [keyword(w, w.r.pick(['LABEL', 'ENV', 'CMD', 'FROM', 'WORKDIR', 'USER', 'ARG']))])],
  ])();
  const count = w.r.weighted([[80, 1], [15, 2], [5, 3]] as const);
  if (count > 1) w.tag('heredoc-multi');
  const names: { name: string; chomp: boolean }[] = [];
  const words = [...host];
  for (let i = 0; i < count; i++) {
    const name = w.r.pick(['EOF', 'END', 'END-OF-FILE', 'E_O_F', 'eof', 'FROM', 'X1', 'SCRIPT']);
    const chomp = w.r.chance(0.25);
    if (chomp) w.tag('heredoc-chomp');
    const fd = w.r.chance(0.1) ? (w.tag('heredoc-fd'), w.r.pick(['0', '1', '3', '10'])) : '';
    const quoted = w.r.weighted<() => string>([
      [80, () => name],
      [20, () => (w.tag('heredoc-quoted'), w.r.pick([`"${name}"`, `'${name}'`, `${name.slice(0, 1)}"${name.slice(1)}"`]))],
    ])();
    const marker = w.r.weighted<() => string>([
      [90, () => `${fd}<<${chomp ? '-' : ''}${quoted}`],
      [w.risky(10), () => (w.tag('heredoc-lookalike'), w.r.pick([`<< ${quoted}`, `<<${quoted}>/tmp/out`, `<<<${quoted}`, `"<<${quoted}"`, `<<${quoted}<<`]))],
    ])();
    words.push(marker);
    if (host[0]?.toUpperCase() === 'COPY' || host[0]?.toUpperCase() === 'ADD') words.push(`/dst${i}`);
    names.push({ name, chomp });
  }
  w.instruction(words);
  for (const { name, chomp } of names) {
    for (let n = w.r.between(0, 3); n > 0; n--) {
      const body = w.r.weighted<() => string>([
        [75, () => w.r.pick(heredocBodies)],
        [25, () => w.r.pick([`${name} `, ` ${name}`, name.toLowerCase(), `\t${name}`, `${name}${w.escape}`, `${name}x`])],
      ])();
      if (/FROM|--from/.test(body)) w.tag('heredoc-fake-from');
      w.line(body);
    }
    if (w.r.chance(w.risky(0.08))) {
      w.tag('heredoc-unterminated');
      continue;
    }
    w.line((chomp ? '\t'.repeat(w.r.between(0, 2)) : '') + name);
  }
}

function writeOnbuild(w: Writer): void {
  w.tag('onbuild');
  w.instruction([
    keyword(w, 'ONBUILD'),
    ...w.r.pick([
      ['COPY', '--from=ghcr.io/attacker/evil:latest', '/', '/'],
      ['RUN', '--mount=type=bind,from=ghcr.io/attacker/evil:latest,target=/x', 'true'],
      ['RUN', 'echo', 'hi'],
      ...(w.hostile ? [['FROM', 'ghcr.io/attacker/evil:latest'], ['ONBUILD', 'RUN', 'true'], ['MAINTAINER', 'me']] : []),
    ]),
  ]);
}

function writeJson(w: Writer): void {
  w.tag('json-form');
  w.instruction([
    keyword(w, w.r.pick(['RUN', 'CMD', 'COPY', 'ENTRYPOINT', 'SHELL'])),
    w.r.pick(['["sh", "-c", "echo hi"]', '["a", "/b"]', '[ "x", "/y" ]', ...(w.hostile ? ['["unterminated"', "['single']", '[]'] : [])]),
  ]);
}

/** `RUN echo \\` at the end of a line: the escape is escaped, so the next line is its own. */
function writeEscapedEscape(w: Writer): void {
  w.tag('escaped-escape');
  const ending = w.r.pick([w.escape + w.escape, w.escape + w.escape + w.escape, `${w.escape + w.escape} `]);
  w.text += `${keyword(w, 'RUN')} echo done ${ending}${w.newline()}`;
  if (w.r.chance(0.5)) w.instruction([keyword(w, 'FROM'), w.r.pick(attackerImages)]);
}

function writeEnding(w: Writer): void {
  if (w.r.chance(0.06)) {
    w.tag('no-trailing-newline');
    w.text = w.text.replace(/[\r\n]+$/, '');
  }
  if (w.r.chance(0.03)) {
    w.tag('continue-at-eof', 'continuation');
    w.text = w.text.replace(/[\r\n]+$/, '') + (w.r.chance(0.5) ? ' ' : '') + w.escape + (w.r.chance(0.5) ? w.eol : '');
  }
}

function buildArgs(w: Writer): Record<string, string> {
  const args: Record<string, string> = {};
  if (!w.hostile || w.r.chance(0.7)) args['REGISTRY'] = catalogRegistry;
  if (w.r.chance(0.25)) {
    w.tag('build-arg-override');
    for (let n = w.r.between(1, 2); n > 0; n--) {
      const [name, value] = w.r.pick([
        ['IMG', 'ghcr.io/attacker/evil:latest'], ['IMG', 'alpine'], ['TAG', 'latest'], ['TAG', 'x y'],
        ['BASE', 'debian:bookworm'], ['TARGETPLATFORM', 'linux/arm64'], ['BUILDPLATFORM', 'linux/arm64'],
        ['TARGETARCH', 'arm64'], ['V', '$IMG'], ['registry', 'evil.example.com'], ['REGISTRY', 'evil.example.com'],
        ['EMPTY', ''], ['NAME', 'build'], ['UNDECLARED', 'ghcr.io/attacker/evil:latest'],
      ] as const);
      args[name] = value;
    }
  }
  return args;
}
