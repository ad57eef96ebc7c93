/**
 * The one redaction path. Every secret Dockyard obtains (GitHub tokens, ECR passwords, Jenkins tokens)
 * is registered here the moment it is obtained, and every text that leaves the process (log records,
 * error messages, check runs, comments) passes through `redact`.
 */
const secrets = new Set<string>();

/** Shortest value worth registering: shorter strings would redact ordinary words. */
const minimumLength = 8;

/** What a redacted secret reads as. */
export const redactedMarker = '[REDACTED]';

// Parameters that carry a secret by name, redacted even when the value was never registered (a token
// read by another process, or one echoed back before registration): JCasC's reload token, which
// configuration-as-code-plugin's TokenReloadAction reads from the `casc-reload-token` parameter.
const secretParameters = /(casc-reload-token=)[^&\s"'<>]*/gi;

// The capability segment of a served document's URL (`…/<owner>/<repo>/<capability>/<cloud>.yaml`, the
// capability 256 random bits in base64url), redacted even when it was never registered: a guessed one,
// or one rotated away before this process started, that a request or Jenkins' own message still names.
const capabilitySegments = /(\/[A-Za-z0-9-]+\/[A-Za-z0-9._-]+\/)[A-Za-z0-9_-]{43}(?=\/[A-Za-z0-9._-]+\.yaml\b)/g;

/**
 * Registers a secret for redaction, with the forms it travels in: base64 (as in Basic auth headers),
 * URL-encoded (as in query strings and form bodies) and JSON-escaped (as in JSON log lines).
 */
export function registerSecret(value: string): void {
  if (value.length < minimumLength) return;
  for (const form of [value, Buffer.from(value).toString('base64'), encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) secrets.add(form);
}

/** Registers both secrets of a repository's serve credential, wherever it is made or read. */
export function registerServeCredential(credential: { capability: string; token: string }): void {
  registerSecret(credential.capability);
  registerSecret(credential.token);
}

/**
 * Replaces every registered secret, every secret-carrying parameter's value and every served URL's
 * capability segment with `[REDACTED]`.
 */
export function redact(text: string): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join(redactedMarker);
  }
  return result.replace(secretParameters, `$1${redactedMarker}`).replace(capabilitySegments, `$1${redactedMarker}`);
}

/** Redacts secrets anywhere in a JSON-able value (log records, API bodies). */
export function redactDeep<T>(value: T): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}
