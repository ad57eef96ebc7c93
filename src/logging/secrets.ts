/**
 * Every secret Dockyard obtains (GitHub tokens, ECR passwords, Jenkins tokens) is registered here
 * the moment it is obtained, and every text that leaves the process (log records, error messages,
 * check runs, comments) passes through `redact`.
 */
const secrets = new Set<string>();

/** Shortest value worth registering: shorter strings would redact ordinary words. */
const minimumLength = 8;

/** Registers a secret (and its base64 form, as it appears in auth headers) for redaction. */
export function registerSecret(value: string): void {
  if (value.length < minimumLength) return;
  secrets.add(value);
  secrets.add(Buffer.from(value).toString('base64'));
}

/** Replaces every registered secret in a text with `[REDACTED]`. */
export function redact(text: string): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join('[REDACTED]');
  }
  return result;
}

/** Redacts secrets anywhere in a JSON-able value (log records, API bodies). */
export function redactDeep<T>(value: T): T {
  if (secrets.size === 0) return value;
  return JSON.parse(redact(JSON.stringify(value))) as T;
}
