import { createHmac } from 'node:crypto';

/** The Standard Webhooks signing secret prefix (docs/api/exports.md: `whsec_` + base64 of the key bytes). */
const SECRET_PREFIX = 'whsec_';

/** The key bytes of a `whsec_…` secret (the part after the prefix is base64). */
export function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/**
 * The `webhook-signature` header value (Standard Webhooks, "Signature scheme"): for each secret,
 * `v1,` + base64 HMAC-SHA256 over `${id}.${timestamp}.${body}`, space-separated. While a rotated
 * secret is still valid both are sent, so a receiver holding either one accepts the request.
 */
export function webhookSignature(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  const signed = `${id}.${timestamp}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', signingKey(secret)).update(signed).digest('base64')}`)
    .join(' ');
}
