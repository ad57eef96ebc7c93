/**
 * JCasC resolves `${…}` in every scalar it reads as a variable, secret or file lookup (`${readFile:…}`,
 * `${base64:…}`, environment variables, secret sources) and reads `^${` as a literal `${`:
 * configuration-as-code-plugin plugin/src/main/java/io/jenkins/plugins/casc/SecretSourceResolver.java
 * (escape char `^`, prefix `${`; `encode` replaces `${` with `^${`) and docs/features/secrets.adoc
 * ("To escape a string from secret interpolation, put `^` in front of the value", SECURITY-1446).
 * Values Dockyard writes come from image.yml and the catalog, never meant as lookups, so each is encoded
 * the way the plugin's own export encodes them.
 */
export function escapeCascValue(value: string): string {
  return value.replaceAll('${', '^${');
}

/** A copy of a JCasC document with every string value encoded by `escapeCascValue`; keys are Dockyard's own. */
export function escapeCascDocument(value: unknown): unknown {
  if (typeof value === 'string') return escapeCascValue(value);
  if (Array.isArray(value)) return value.map(escapeCascDocument);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, escapeCascDocument(entry)]));
  }
  return value;
}
