/** Copies an object without its undefined fields, keeping key order, so unset settings are left out of the YAML. */
export function compactObject(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
