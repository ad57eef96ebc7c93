/**
 * The Dockerfiles BuildKit's own sources carry: the parser's test files, every Dockerfile in the
 * module, the Dockerfiles written inside the frontend's Go tests, and the ```dockerfile examples of
 * its docs. They are the cases BuildKit's authors thought worth pinning down.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OracleInput } from './oracle.ts';

export interface BuildkitCorpus {
  /** Files under `frontend/dockerfile/parser/testfiles*` and `testfile-line`. */
  parserTestFiles: OracleInput[];
  /** Everything else: other Dockerfiles in the module, Go test literals, doc examples. */
  others: OracleInput[];
}

/** Reads the corpus of one BuildKit module checkout, without duplicates. */
export function buildkitCorpus(moduleDir: string): BuildkitCorpus {
  const seen = new Set<string>();
  const add = (into: OracleInput[], id: string, dockerfile: string) => {
    if (seen.has(dockerfile)) return;
    seen.add(dockerfile);
    into.push({ id, dockerfile, buildArgs: {} });
  };
  const corpus: BuildkitCorpus = { parserTestFiles: [], others: [] };
  const files = walk(moduleDir).map((file) => path.relative(moduleDir, file));
  const parserTests = /^frontend\/dockerfile\/parser\/testfile[^/]*\/(.+\/)?Dockerfile$/;
  for (const file of files.filter((name) => parserTests.test(name))) {
    add(corpus.parserTestFiles, file, readFileSync(path.join(moduleDir, file), 'utf8'));
  }
  for (const file of files) {
    const full = path.join(moduleDir, file);
    const base = path.basename(file);
    if (/^Dockerfile|\.[Dd]ockerfile$/.test(base) && !parserTests.test(file)) {
      add(corpus.others, file, readFileSync(full, 'utf8'));
    } else if (file.startsWith('frontend/dockerfile/') && file.endsWith('_test.go')) {
      goStringLiterals(readFileSync(full, 'utf8'))
        .filter(looksLikeDockerfile)
        .forEach((text, i) => add(corpus.others, `${file}#${i + 1}`, text));
    } else if (file.startsWith('frontend/dockerfile/') && file.endsWith('.md')) {
      fencedDockerfiles(readFileSync(full, 'utf8')).forEach((text, i) => add(corpus.others, `${file}#${i + 1}`, text));
    }
  }
  return corpus;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'vendor' || entry.name === '.git' ? [] : walk(full);
    return entry.isFile() ? [full] : [];
  });
}

function looksLikeDockerfile(text: string): boolean {
  return /(^|\n)[ \t]*FROM[ \t]/i.test(text);
}

function fencedDockerfiles(markdown: string): string[] {
  return [...markdown.matchAll(/^```dockerfile[^\n]*\n([\s\S]*?)^```/gm)].map((match) => match[1] ?? '');
}

/** The string literals of a Go source file, decoded (raw strings drop `\r`, as the Go spec says). */
export function goStringLiterals(source: string): string[] {
  const found: string[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '/') {
      i = source.indexOf('\n', i);
      if (i === -1) break;
    } else if (c === '/' && source[i + 1] === '*') {
      i = source.indexOf('*/', i + 2);
      if (i === -1) break;
      i += 2;
    } else if (c === '`') {
      const end = source.indexOf('`', i + 1);
      if (end === -1) break;
      found.push(source.slice(i + 1, end).replaceAll('\r', ''));
      i = end + 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      if (c === '"') {
        const decoded = decodeGoString(source.slice(i + 1, j));
        if (decoded !== undefined) found.push(decoded);
      }
      i = j + 1;
    } else {
      i++;
    }
  }
  return found;
}

const simpleEscapes: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', a: '\u0007', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'",
};

function decodeGoString(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[i + 1] ?? '';
    const simple = simpleEscapes[e];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hex > 0 && /^[0-9a-fA-F]+$/.test(body.slice(i + 2, i + 2 + hex))) {
      // \x is a byte in Go; the corpus only wants text, so bytes above 0x7f are not worth decoding.
      const code = Number.parseInt(body.slice(i + 2, i + 2 + hex), 16);
      if (e === 'x' && code > 0x7f) return undefined;
      out += String.fromCodePoint(code);
      i += 1 + hex;
    } else if (/^[0-7]{3}$/.test(body.slice(i + 1, i + 4))) {
      const code = Number.parseInt(body.slice(i + 1, i + 4), 8);
      if (code > 0x7f) return undefined;
      out += String.fromCharCode(code);
      i += 3;
    } else {
      return undefined;
    }
  }
  return out;
}
