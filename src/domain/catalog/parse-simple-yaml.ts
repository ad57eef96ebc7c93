const keyLine = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;
const itemLine = /^( *)- +(.*)$/;
// Plain scalars the YAML core schema would not read as a string, or that need the real parser.
const notPlainString = /^(?:[-?:,[\]{}#&*!|>'"%@`~.+0-9]|(?:null|true|false)$)|: |:$| #/i;

/**
 * Reads the usual shape of image.yml (`key: value` lines, and `key:` followed by `  - item` lines,
 * with plain or simple double-quoted scalars) without the full YAML parser, which costs ~65 µs per
 * tiny file. Returns undefined for anything else, and the caller then uses the real parser.
 */
export function parseSimpleYaml(text: string): Record<string, unknown> | undefined {
  if (text.includes('\t') || text.includes('\r')) return undefined;
  const out: Record<string, unknown> = {};
  let list: string[] | undefined;
  let indent = -1;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.trimStart().startsWith('#')) return undefined;
    if (list) {
      const item = itemLine.exec(line);
      if (item && (indent === -1 || item[1]?.length === indent)) {
        indent = item[1]?.length ?? 0;
        const value = scalar(item[2] ?? '');
        if (value === undefined) return undefined;
        list.push(value);
        continue;
      }
      if (list.length === 0) return undefined;
      list = undefined;
    }
    const match = keyLine.exec(line);
    if (!match) return undefined;
    const key = match[1] as string;
    if (Object.hasOwn(out, key) || key === '__proto__') return undefined;
    if (match[2] === undefined || match[2].trim() === '') {
      list = [];
      indent = -1;
      out[key] = list;
    } else {
      const value = scalar(match[2]);
      if (value === undefined) return undefined;
      out[key] = value;
    }
  }
  if (list && list.length === 0) return undefined;
  return out;
}

function scalar(raw: string): string | undefined {
  const text = raw.trimEnd();
  if (text.startsWith('"')) return /^"([^"\\]*)"$/.exec(text)?.[1];
  return notPlainString.test(text) ? undefined : text;
}
