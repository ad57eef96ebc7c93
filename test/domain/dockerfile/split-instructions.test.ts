import { describe, expect, it } from 'vitest';
import { splitInstructions, type RawInstruction, type SplitResult } from '../../../src/domain/dockerfile/split-instructions.ts';

function lines(...text: string[]): string {
  return text.join('\n');
}

/** What these tests are about: keyword, arguments and lines (flags and the joined text are checked elsewhere). */
function shape(instructions: readonly RawInstruction[]): { keyword: string; args: string; line: number; endLine: number }[] {
  return instructions.map(({ keyword, args, line, endLine }) => ({ keyword, args, line, endLine }));
}

function shapeOf(result: SplitResult): { escape: string; instructions: ReturnType<typeof shape>; error?: SplitResult['error'] } {
  return { ...result, instructions: shape(result.instructions) };
}

describe('splitInstructions', () => {
  it('upper-cases keywords and records the 1-based line of each instruction', () => {
    const result = splitInstructions(lines('from debian:bookworm', '', 'run echo hi', 'User jenkins'));

    expect(shapeOf(result)).toEqual({
      escape: '\\',
      instructions: [
        { keyword: 'FROM', args: 'debian:bookworm', line: 1, endLine: 1 },
        { keyword: 'RUN', args: 'echo hi', line: 3, endLine: 3 },
        { keyword: 'USER', args: 'jenkins', line: 4, endLine: 4 },
      ],
    });
  });

  it('drops comments, including indented ones, and ignores leading whitespace before a keyword', () => {
    const result = splitInstructions(lines('# a comment', '   # indented comment', '   FROM debian', '\tUSER root'));

    expect(shape(result.instructions)).toEqual([
      { keyword: 'FROM', args: 'debian', line: 3, endLine: 3 },
      { keyword: 'USER', args: 'root', line: 4, endLine: 4 },
    ]);
  });

  it('joins continuation lines directly, as BuildKit does (the escape and its newline vanish)', () => {
    const result = splitInstructions(lines('FROM debian:book\\', 'worm AS \\', '  build'));

    expect(shape(result.instructions)).toEqual([{ keyword: 'FROM', args: 'debian:bookworm AS   build', line: 1, endLine: 3 }]);
  });

  it('skips comment lines and blank lines inside a continuation and counts them in endLine', () => {
    const result = splitInstructions(
      lines(
        'FROM debian',
        'RUN apt-get update \\',
        '# install the tools',
        '',
        '    && apt-get install -y curl \\',
        '   # indented comment',
        '    && rm -rf /var/lib/apt/lists/*',
        'USER jenkins',
      ),
    );

    expect(shape(result.instructions)).toEqual([
      { keyword: 'FROM', args: 'debian', line: 1, endLine: 1 },
      {
        keyword: 'RUN',
        args: 'apt-get update     && apt-get install -y curl     && rm -rf /var/lib/apt/lists/*',
        line: 2,
        endLine: 7,
      },
      { keyword: 'USER', args: 'jenkins', line: 8, endLine: 8 },
    ]);
  });

  it('treats trailing whitespace after the escape as still continuing', () => {
    const result = splitInstructions(lines('RUN a \\   ', 'b'));

    expect(shape(result.instructions)).toEqual([{ keyword: 'RUN', args: 'a b', line: 1, endLine: 2 }]);
  });

  it('never continues a comment line that ends in the escape character', () => {
    const result = splitInstructions(lines('# this is a comment \\', 'FROM debian'));

    expect(shape(result.instructions)).toEqual([{ keyword: 'FROM', args: 'debian', line: 2, endLine: 2 }]);
  });

  it('ends an instruction whose continuation runs off the end of the file', () => {
    const result = splitInstructions(lines('FROM debian', 'RUN echo \\', '', '# nothing follows'));

    expect(shape(result.instructions)).toEqual([
      { keyword: 'FROM', args: 'debian', line: 1, endLine: 1 },
      { keyword: 'RUN', args: 'echo', line: 2, endLine: 4 },
    ]);
  });

  it('reads CRLF line endings like LF', () => {
    const result = splitInstructions('FROM debian \\\r\n  AS build\r\nUSER root\r\n');

    expect(shape(result.instructions)).toEqual([
      { keyword: 'FROM', args: 'debian   AS build', line: 1, endLine: 2 },
      { keyword: 'USER', args: 'root', line: 3, endLine: 3 },
    ]);
  });

  describe('parser directives', () => {
    it('switches the escape character to a backtick with `# escape=`', () => {
      const result = splitInstructions(
        lines('# escape=`', '', 'FROM mcr.microsoft.com/windows/servercore:ltsc2022 `', '  AS build', 'RUN dir C:\\'),
      );

      expect(shapeOf(result)).toEqual({
        escape: '`',
        instructions: [
          { keyword: 'FROM', args: 'mcr.microsoft.com/windows/servercore:ltsc2022   AS build', line: 3, endLine: 4 },
          // With a backtick escape, a trailing backslash is an ordinary character.
          { keyword: 'RUN', args: 'dir C:\\', line: 5, endLine: 5 },
        ],
      });
    });

    it('reads directives in any case and with spaces, after other directives', () => {
      const result = splitInstructions(lines('# syntax=docker/dockerfile:1', '#  ESCAPE = `', 'FROM debian'));

      expect(result.escape).toBe('`');
    });

    it('ignores an escape directive that comes after a comment, a blank line or an instruction', () => {
      expect(splitInstructions(lines('# a comment', '# escape=`', 'FROM debian')).escape).toBe('\\');
      expect(splitInstructions(lines('', '# escape=`', 'FROM debian')).escape).toBe('\\');
      expect(splitInstructions(lines('FROM debian', '# escape=`')).escape).toBe('\\');
    });

    it('ignores an escape directive with a value other than a backslash or a backtick', () => {
      expect(splitInstructions(lines('# escape=x', 'FROM debian')).escape).toBe('\\');
    });
  });

  describe('heredocs', () => {
    it('consumes a RUN heredoc body, so a FROM line inside it is not an instruction', () => {
      const result = splitInstructions(lines('FROM debian', 'RUN <<EOF', 'FROM evil', 'echo hi', 'EOF', 'USER root'));

      expect(shape(result.instructions)).toEqual([
        { keyword: 'FROM', args: 'debian', line: 1, endLine: 1 },
        { keyword: 'RUN', args: '<<EOF', line: 2, endLine: 5 },
        { keyword: 'USER', args: 'root', line: 6, endLine: 6 },
      ]);
    });

    it('consumes several heredocs opened by one COPY, quoted and with tab stripping', () => {
      const result = splitInstructions(
        lines(
          'FROM debian',
          'COPY <<"ONE" <<-TWO /etc/',
          'FROM evil-one',
          'ONE',
          'FROM evil-two',
          '\t\tTWO',
          'USER root',
        ),
      );

      expect(result.instructions.map(({ keyword, line, endLine }) => ({ keyword, line, endLine }))).toEqual([
        { keyword: 'FROM', line: 1, endLine: 1 },
        { keyword: 'COPY', line: 2, endLine: 6 },
        { keyword: 'USER', line: 7, endLine: 7 },
      ]);
    });

    it('does not strip tabs before the terminator of a plain `<<EOF`', () => {
      const result = splitInstructions(lines('FROM debian', 'RUN <<EOF', '\tEOF', 'FROM evil', 'EOF', 'USER root'));

      expect(result.instructions.map((instruction) => instruction.keyword)).toEqual(['FROM', 'RUN', 'USER']);
    });

    it('refuses an unterminated heredoc, as BuildKit v0.34 does (`unterminated heredoc`)', () => {
      const result = splitInstructions(lines('FROM debian', 'ADD <<EOF /x', 'FROM evil'));

      expect(shape(result.instructions)).toEqual([{ keyword: 'FROM', args: 'debian', line: 1, endLine: 1 }]);
      expect(result.error).toEqual({ message: 'unterminated heredoc', line: 2 });
    });

    it('opens heredocs only for RUN, COPY and ADD, and only for a `<<` that starts a word', () => {
      const result = splitInstructions(
        lines('FROM debian', 'ENV X=<<EOF', 'LABEL a <<EOF', 'RUN echo a<<EOF', 'FROM second', 'EOF'),
      );

      expect(result.instructions.map((instruction) => instruction.keyword)).toEqual(['FROM', 'ENV', 'LABEL', 'RUN', 'FROM', 'EOF']);
    });
  });

  it('turns text that is not an instruction into one, for the reader to judge', () => {
    const result = splitInstructions(lines('FORM debian', 'FROM'));

    expect(shape(result.instructions)).toEqual([
      { keyword: 'FORM', args: 'debian', line: 1, endLine: 1 },
      { keyword: 'FROM', args: '', line: 2, endLine: 2 },
    ]);
  });

  it('returns no instructions for an empty file, and the error BuildKit refuses it with', () => {
    expect(splitInstructions('')).toEqual({ escape: '\\', instructions: [], error: { message: 'file with no instructions', line: 0 } });
  });
});
