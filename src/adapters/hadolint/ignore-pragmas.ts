import { splitInstructions } from '../../domain/dockerfile/split-instructions.ts';

/** One inline ignore pragma as hadolint reads it. */
export interface IgnorePragma {
  /** 1-based line of the comment. */
  line: number;
  /** `next`: the instruction on the following line; `stage`: the rest of its build stage; `global`: the file. */
  scope: 'next' | 'stage' | 'global';
  /** Rule codes as written, e.g. `DL3008`. */
  rules: string[];
}

// hadolint 2.15.1, src/Hadolint/Pragma.hs (ignoreParser, stageIgnoreParser, globalIgnoreParser):
// case-sensitive `hadolint`, then optional `global` or `stage`, then `ignore`, `=`, and a comma list of
// codes made of the letters DLSC and digits; spaces and tabs around each part, and a trailing `# …`
// comment after a code. Megaparsec.parseMaybe must consume the whole comment, so anything else
// (lower-case codes, a trailing comma, codes separated by spaces) makes the line no pragma at all.
const pragmaPattern =
  /^[ \t]*hadolint[ \t]+(?:(global|stage)[ \t]+)?ignore[ \t]*=[ \t]*([DLSC0-9]+(?:[ \t]*,[ \t]*[DLSC0-9]+)*)[ \t]*(?:#[^\n]*)?$/;

/**
 * Finds the inline ignore pragmas hadolint would honour in a Dockerfile. Only comment lines that
 * stand as instructions count: hadolint's parser (language-docker) drops comments inside a line
 * continuation, and a heredoc body is script text, so neither is split out as an instruction here.
 */
export function findIgnorePragmas(text: string): IgnorePragma[] {
  // hadolint turns CRLF into LF before parsing; a lone CR stays part of the line.
  const lines = text.replaceAll('\r\n', '\n').split('\n');
  const insideInstruction = new Set<number>();
  for (const instruction of splitInstructions(text).instructions) {
    for (let line = instruction.line; line <= instruction.endLine; line++) insideInstruction.add(line);
  }
  const pragmas: IgnorePragma[] = [];
  lines.forEach((content, index) => {
    const line = index + 1;
    if (insideInstruction.has(line)) return;
    const comment = /^[ \t]*#(.*)$/s.exec(content)?.[1];
    const match = comment === undefined ? null : pragmaPattern.exec(comment);
    if (!match) return;
    const scope = match[1] === 'global' ? 'global' : match[1] === 'stage' ? 'stage' : 'next';
    pragmas.push({ line, scope, rules: (match[2] ?? '').split(',').map((rule) => rule.trim()) });
  });
  return pragmas;
}
