import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { configSchema, type Config } from './schema.ts';

/**
 * Parses and validates the text of `.github/dockyard.yml`. Throws a ConfigError that names the
 * file, each bad field, its line and what is wrong.
 */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((error) => ({
        field: '',
        line: lineCounter.linePos(error.pos[0]).line,
        message: `not valid YAML: ${error.message.split('\n')[0]}`,
      })),
    );
  }
  const data: unknown = document.toJS() ?? {};
  const result = configSchema.safeParse(data);
  if (result.success) return result.data;
  throw new ConfigError(file, result.error.issues.map((issue) => toConfigIssue(issue, document, lineCounter)));
}

function toConfigIssue(
  issue: z.core.$ZodIssue,
  document: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
): ConfigIssue {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  let line = 1;
  // Point at the deepest node of the path that exists in the file.
  for (let length = path.length; length >= 0; length--) {
    const node = document.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) {
      line = lineCounter.linePos(node.range[0]).line;
      break;
    }
  }
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const map = document.getIn(path, true);
    const pair = isMap(map) ? map.items.find((item) => isScalar(item.key) && item.key.value === issue.keys[0]) : undefined;
    if (pair && isScalar(pair.key) && pair.key.range) line = lineCounter.linePos(pair.key.range[0]).line;
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}; check the spelling against the README`;
  }
  return { field: path.join('.'), line, message };
}
