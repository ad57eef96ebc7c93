import { isMap, isScalar } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { formatSize, lineOfPath, readYaml, type ReadYaml } from './read-yaml.ts';
import { configJsonSchema } from './config-json-schema.ts';
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
  const result = configSchema.safeParse(read.data, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(file, result.error.issues.map((issue) => toConfigIssue(issue, read)));
}

function toConfigIssue(issue: z.core.$ZodIssue, read: ReadYaml): ConfigIssue {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  let line = lineOfPath(read, path);
  let message = friendlyMessage(issue);
  if (issue.code === 'unrecognized_keys') {
    const map = read.document.getIn(path, true);
    const pair = isMap(map) ? map.items.find((item) => isScalar(item.key) && item.key.value === issue.keys[0]) : undefined;
    if (pair && isScalar(pair.key) && pair.key.range) line = read.lineCounter.linePos(pair.key.range[0]).line;
    const known = knownFields(path);
    const hints = issue.keys.map((key) => closest(key, known)).filter((hint) => hint !== undefined);
    message =
      `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}` +
      (hints.length > 0 ? `; did you mean ${hints.map((hint) => `"${hint}"`).join(', ')}?` : `; the fields here are ${known.map((key) => `"${key}"`).join(', ')}`);
  }
  return { field: path.join('.'), line, message };
}

// zod's own messages ("Invalid input: expected string, received undefined") speak of types and inputs; a
// config author needs to hear what to write. Messages the schema words itself are kept as they are.
function friendlyMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      // A field's own message (e.g. one saying it belongs to the operator) says more than its type.
      if (!issue.message.startsWith('Invalid')) return issue.message;
      const expected = issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a mapping of fields' : `a ${issue.expected}`;
      if (issue.input === undefined) return `is required: add it, as ${expected}`;
      return `must be ${expected}, not ${describeInput(issue.input)}`;
    }
    case 'invalid_value':
      if (issue.message.startsWith('Invalid') && issue.input === undefined) return `is required: one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
      return issue.message.startsWith('Invalid') ? `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}; found ${describeInput(issue.input)}` : issue.message;
    case 'too_small':
      if (issue.message.startsWith('Too small') && issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return issue.message.startsWith('Too small') ? `must be at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters long' : issue.origin === 'array' ? ' entries' : ''}` : issue.message;
    case 'too_big':
      return issue.message.startsWith('Too big') ? `must be at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters long' : issue.origin === 'array' ? ' entries' : ''}` : issue.message;
    case 'invalid_format':
      return issue.message.startsWith('Invalid') ? `is not a valid ${issue.format === 'regex' ? 'value here' : issue.format}; see the README for what it takes` : issue.message;
    default:
      return issue.message;
  }
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return `"${input.length > 40 ? `${input.slice(0, 39)}…` : input}"`;
  return `${typeof input} ${String(input)}`;
}

/** The fields the schema allows at a path of the config, from the JSON schema generated from it. */
function knownFields(path: readonly PropertyKey[]): string[] {
  let node: Record<string, unknown> | undefined = configJsonSchema();
  for (const part of path) {
    if (node === undefined) return [];
    node = (typeof part === 'number' ? node['items'] : (node['properties'] as Record<string, unknown> | undefined)?.[String(part)]) as Record<string, unknown> | undefined;
  }
  return Object.keys((node?.['properties'] as Record<string, unknown> | undefined) ?? {});
}

/** The known field a typo most likely meant: at most two edits away, or differing only in case or plural. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { field: string; distance: number } | undefined;
  for (const field of known) {
    const distance = editDistance(key.toLowerCase(), field.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { field, distance };
  }
  return best?.field;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
