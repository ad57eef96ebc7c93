/** A cloud as the simulated Jenkins holds it after a successful apply. */
export interface SimCloud {
  /** The JCasC symbol: `ecs`, `kubernetes` or `docker`. */
  kind: string;
  name: string;
  /** Cloud-level settings, everything but the templates. */
  attributes: Record<string, unknown>;
  templates: Record<string, unknown>[];
}

/**
 * Merges the documents of several sources the way JCasC merges CASC_JENKINS_CONFIG entries
 * (configuration-as-code-plugin yaml/YamlUtils.merge): mappings merge key by key, lists concatenate,
 * and two different values for the same scalar are a conflict.
 */
export function mergeDocuments(documents: readonly Record<string, unknown>[]): Record<string, unknown> {
  return documents.reduce<Record<string, unknown>>((merged, next) => mergeValue(merged, next, '') as Record<string, unknown>, {});
}

function mergeValue(left: unknown, right: unknown, path: string): unknown {
  if (left === undefined) return right;
  if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  if (isRecord(left) && isRecord(right)) {
    const merged: Record<string, unknown> = { ...left };
    for (const [key, value] of Object.entries(right)) merged[key] = mergeValue(left[key], value, `${path}/${key}`);
    return merged;
  }
  if (left === right) return left;
  throw new Error(`Found conflicting configuration at ${path || '/'}`);
}

/** The clouds of an applied document; `jenkins.clouds` replaces every cloud Jenkins had before. */
export function cloudsOf(document: Record<string, unknown>): SimCloud[] {
  const jenkins = isRecord(document['jenkins']) ? document['jenkins'] : {};
  const clouds = Array.isArray(jenkins['clouds']) ? jenkins['clouds'] : [];
  return clouds.filter(isRecord).map((entry) => {
    const [kind, value] = Object.entries(entry)[0] ?? ['', {}];
    const { templates, ...attributes } = isRecord(value) ? value : {};
    return {
      kind,
      name: String(attributes['name'] ?? ''),
      attributes,
      templates: Array.isArray(templates) ? templates.filter(isRecord) : [],
    };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
