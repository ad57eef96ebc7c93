import { isMap, isScalar } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { formatSize, lineOfPath, readYaml, type ReadYaml } from './read-yaml.ts';
import { configSchema, type Config } from './schema.ts';

/** Config files larger than this are refused unread: a policy is a page of YAML, never megabytes. */
export const maxConfigBytes = 256 * 1024;

/** The ConfigError for a config file that is larger than Dockyard reads. */
export function oversizedConfig(file: string, bytes: number): ConfigError {
  return new ConfigError(file, [
    {
      field: '',
      line: 1,
      message: `is ${formatSize(bytes)}, over the ${formatSize(maxConfigBytes)} Dockyard reads of this file; keep only the settings Dockyard uses.`,
    },
  ]);
}

/**
 * Parses and validates the text of `.github/dockyard.yml`. Throws a ConfigError that names the
 * file, each bad field, its line and what is wrong.
 */
export function parseConfig(text: string, file: string): Config {
  const bytes = Buffer.byteLength(text);
  if (bytes > maxConfigBytes) throw oversizedConfig(file, bytes);
  const read = readYaml(text);
  if ('problems' in read) {
    throw new ConfigError(file, read.problems.map((problem) => ({ field: '', ...problem })));
  }
  const result = configSchema.safeParse(read.data);
  if (result.success) return result.data;
  throw new ConfigError(file, result.error.issues.map((issue) => toConfigIssue(issue, read)));
}

function toConfigIssue(issue: z.core.$ZodIssue, read: ReadYaml): ConfigIssue {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  let line = lineOfPath(read, path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const map = read.document.getIn(path, true);
    const pair = isMap(map) ? map.items.find((item) => isScalar(item.key) && item.key.value === issue.keys[0]) : undefined;
    if (pair && isScalar(pair.key) && pair.key.range) line = read.lineCounter.linePos(pair.key.range[0]).line;
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}; check the spelling against the README`;
  }
  return { field: path.join('.'), line, message };
}
