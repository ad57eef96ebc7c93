import { createHmac, randomUUID } from 'node:crypto';

/** What the app answered one delivery, and how long it took. */
export interface DeliveryAnswer {
  id: string;
  status: number;
  body: string;
  ms: number;
}

/**
 * Sends one webhook delivery the way GitHub does: a JSON body, `X-GitHub-Event`, `X-GitHub-Delivery` and
 * `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body with the webhook secret>`
 * (docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries).
 */
export async function deliver(webhookUrl: string, secret: string, event: string, payload: unknown, id: string = randomUUID()): Promise<DeliveryAnswer> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const started = performance.now();
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/e2e',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-github-hook-id': '1',
      'x-github-hook-installation-target-type': 'integration',
      'x-hub-signature-256': signature,
    },
    body,
  });
  const text = await response.text();
  return { id, status: response.status, body: text, ms: performance.now() - started };
}
