import { isMap, isScalar } from 'yaml';
import type { z } from 'zod';
import { imageMetadataSchema, type ImageMetadata } from '../../config/image-metadata-schema.ts';
import { formatSize, lineOfPath, readYaml, type ReadYaml } from '../../config/read-yaml.ts';
import { parseSimpleYaml } from './parse-simple-yaml.ts';
import { maxMetadataBytes } from './source-limits.ts';
import type { MetadataSource, SourceFile } from './types.ts';

/** Reports a DY019 problem with image.yml at a line. */
export type MetadataReport = (line: number, message: string) => void;

const utf8 = new TextDecoder();
const topLevelKey = /^([A-Za-z_][A-Za-z0-9_-]*):/;

/**
 * Reads an image's `image.yml`. Whatever is wrong with it is reported and the defaults stand in,
 * so one bad file never stops the check of the rest.
 */
export function readMetadata(
  source: SourceFile,
  file: string,
  report: MetadataReport,
): { metadata: ImageMetadata; source?: MetadataSource } {
  const fallback: ImageMetadata = { owners: [] };
  const unusable = { metadata: fallback, source: { file, valid: false, lines: {} } };
  switch (source.kind) {
    case 'missing':
      return { metadata: fallback };
    case 'symlink':
      report(1, `\`${file}\` is a symlink; commit the metadata file itself.`);
      return unusable;
    case 'oversized':
      report(1, oversizedMessage(file, source.size));
      return unusable;
    case 'file':
      break;
  }
  if (source.bytes.byteLength > maxMetadataBytes) {
    report(1, oversizedMessage(file, source.bytes.byteLength));
    return unusable;
  }
  const text = utf8.decode(source.bytes);
  const simple = parseSimpleYaml(text);
  const read = simple === undefined ? readYaml(text) : undefined;
  if (read && 'problems' in read) {
    for (const problem of read.problems) report(problem.line, `\`${file}\`: ${problem.message}`);
    return unusable;
  }
  const lines = read ? keyLinesOf(read) : keyLinesOfSimple(text);
  const result = imageMetadataSchema.safeParse(simple ?? read?.data);
  if (result.success) return { metadata: result.data, source: { file, valid: true, lines } };
  for (const issue of result.error.issues) {
    const line = issueLine(issue, read, lines);
    report(line, `\`${file}\`: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
  }
  return { metadata: fallback, source: { file, valid: false, lines } };
}

function issueLine(issue: z.core.$ZodIssue, read: ReadYaml | undefined, lines: Record<string, number>): number {
  // An unknown key is best shown where it is written, not where the map that holds it starts.
  const key = issue.code === 'unrecognized_keys' && issue.path.length === 0 ? issue.keys[0] : undefined;
  if (key !== undefined && lines[key] !== undefined) return lines[key];
  if (read) return lineOfPath(read, issue.path);
  return lines[String(issue.path[0])] ?? 1;
}

function oversizedMessage(file: string, size: number): string {
  return `\`${file}\` is ${formatSize(size)}, over the ${formatSize(maxMetadataBytes)} Dockyard reads of an image.yml: keep it to the description, label, owners and jenkins settings.`;
}

/** The simple form has every key at the start of its own line. */
function keyLinesOfSimple(text: string): Record<string, number> {
  const lines: Record<string, number> = {};
  text.split('\n').forEach((line, index) => {
    const key = topLevelKey.exec(line)?.[1];
    if (key !== undefined) lines[key] = index + 1;
  });
  return lines;
}

function keyLinesOf(read: ReadYaml): Record<string, number> {
  const lines: Record<string, number> = {};
  const root = read.document.contents;
  if (!isMap(root)) return lines;
  for (const pair of root.items) {
    if (isScalar(pair.key) && pair.key.range) lines[String(pair.key.value)] = read.lineCounter.linePos(pair.key.range[0]).line;
  }
  return lines;
}
