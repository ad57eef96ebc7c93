import { isAlias, isNode, LineCounter, parseDocument, visit, type Document } from 'yaml';

/** One reason a YAML text could not be read, at its line. */
export interface YamlProblem {
  line: number;
  message: string;
}

/** A YAML text read into plain data, with what is needed to point at the line of any part of it. */
export interface ReadYaml {
  data: unknown;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

/**
 * How far aliases may expand, counted the way the `yaml` package counts them (each alias weighed by
 * the aliases inside what it names). Hand-written config needs a few; a billion-laughs document
 * needs millions, and is refused before it is expanded.
 */
const maxAliasCount = 100;

/** Parses a YAML document from a repository. Never throws: whatever is wrong comes back as problems. */
export function readYaml(text: string): ReadYaml | { problems: YamlProblem[] } {
  const lineCounter = new LineCounter();
  // prettyErrors builds excerpts with regular expressions that a hostile text can make very costly.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    // An error at the very end (an unclosed bracket) is shown on the last line there is.
    const lastLine = Math.max(1, lineCounter.lineStarts.length - (text.endsWith('\n') ? 1 : 0));
    return {
      problems: document.errors.map((error) => ({
        line: Math.min(lineCounter.linePos(error.pos[0]).line, lastLine),
        message: `not valid YAML: ${error.message.split('\n')[0]}`,
      })),
    };
  }
  try {
    return { data: document.toJS({ maxAliasCount }) ?? {}, document, lineCounter };
  } catch (error) {
    const alias = firstAlias(document, lineCounter);
    if (error instanceof ReferenceError && alias) {
      return {
        problems: [
          {
            line: alias.line,
            message: `its aliases (\`*${alias.name}\`) expand to more than Dockyard reads (a YAML resource-exhaustion pattern); write the values out instead.`,
          },
        ],
      };
    }
    return { problems: [{ line: alias?.line ?? 1, message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` }] };
  }
}

/** The line of the deepest node on the path that exists in the document; 1 when none does. */
export function lineOfPath(read: Pick<ReadYaml, 'document' | 'lineCounter'>, path: readonly PropertyKey[]): number {
  const keys = path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  for (let length = keys.length; length >= 0; length--) {
    const node = read.document.getIn(keys.slice(0, length), true);
    if (isNode(node) && node.range) return read.lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}

function firstAlias(document: Document.Parsed, lineCounter: LineCounter): { name: string; line: number } | undefined {
  let found: { name: string; line: number } | undefined;
  visit(document, {
    Alias(_, node) {
      if (!isAlias(node)) return undefined;
      found = { name: node.source, line: node.range ? lineCounter.linePos(node.range[0]).line : 1 };
      return visit.BREAK;
    },
  });
  return found;
}

/** A byte count as people read it: `300 KiB`, `1.5 MiB`. */
export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
