import { readFileSync } from 'node:fs';
import { isMap, isScalar } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { operatorSettingsSchema, type OperatorSettings } from './operator-schema.ts';
import { lineOfPath, readYaml, type ReadYaml } from './read-yaml.ts';

/**
 * Parses and validates the operator's settings file. Throws a ConfigError that names the file, each
 * bad field, its line and what is wrong.
 */
export function parseOperatorSettings(text: string, file: string): OperatorSettings {
  const read = readYaml(text);
  if ('problems' in read) throw new ConfigError(file, read.problems.map((problem) => ({ field: '', ...problem })));
  const result = operatorSettingsSchema.safeParse(read.data);
  if (result.success) return result.data;
  throw new ConfigError(file, result.error.issues.map((issue) => toIssue(issue, read)));
}

/**
 * Reads the file named by DOCKYARD_OPERATOR_CONFIG, once, at start. Undefined when none is named: the app
 * then checks pull requests but publishes and registers nowhere. A named file that is missing or invalid
 * is a ConfigError, so the app refuses to start rather than run with settings other than the operator's.
 */
export function readOperatorSettings(file: string | undefined): OperatorSettings | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ field: '', line: 1, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); DOCKYARD_OPERATOR_CONFIG must name a readable file` }]);
  }
  return parseOperatorSettings(text, file);
}

function toIssue(issue: z.core.$ZodIssue, read: ReadYaml): ConfigIssue {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  let line = lineOfPath(read, path);
  let message = issue.message;
  let field = path.join('.');
  if (issue.code === 'unrecognized_keys') {
    field = [...path, issue.keys[0]].join('.');
    const map = read.document.getIn(path, true);
    const pair = isMap(map) ? map.items.find((item) => isScalar(item.key) && item.key.value === issue.keys[0]) : undefined;
    if (pair && isScalar(pair.key) && pair.key.range) line = read.lineCounter.linePos(pair.key.range[0]).line;
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}; check the spelling against the README`;
  }
  return { field, line, message };
}
