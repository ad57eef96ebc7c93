/** Probot's fallback when no secret is configured: public, so anyone could sign a delivery with it. */
const publicDefault = 'development';

export type WebhookSecretCheck = { ok: true; development: boolean } | { ok: false; message: string };

/**
 * Decides whether the app may accept webhooks with the secret it was given. Without a secret of
 * its own, Probot verifies deliveries against the public value `development`, so anyone could
 * forge a push and have it published. Only an explicit development mode may run that way.
 */
export function checkWebhookSecret(env: NodeJS.ProcessEnv): WebhookSecretCheck {
  if (env.DOCKYARD_DEVELOPMENT_MODE === 'true') return { ok: true, development: true };
  const secret = env.WEBHOOK_SECRET?.trim() ?? '';
  if (secret === '') {
    return {
      ok: false,
      message:
        'WEBHOOK_SECRET is not set, so anyone could send Dockyard a forged webhook. Set it to the webhook secret of your GitHub App (a long random value), or set DOCKYARD_DEVELOPMENT_MODE=true on a machine nobody else can reach.',
    };
  }
  if (secret === publicDefault) {
    return {
      ok: false,
      message:
        'WEBHOOK_SECRET is `development`, the public default anyone can sign webhooks with. Set it to the webhook secret of your GitHub App (a long random value).',
    };
  }
  return { ok: true, development: false };
}
