/**
 * Replaces every given secret, and any `casc-reload-token=` value, with `***`, so no message Dockyard
 * builds from a Jenkins exchange can carry a credential into a log line, check run or comment.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text.replace(/(casc-reload-token=)[^&\s"'<>]*/gi, '$1***');
  for (const secret of secrets) {
    if (secret.length > 0) redacted = redacted.split(secret).join('***');
  }
  return redacted;
}
