import { createHmac } from 'node:crypto';
import { safeEqual } from '../crypto/hashing.ts';

/**
 * Salesforce signs its token answers: `signature` is the base64 HMAC-SHA256 of `id + issued_at`
 * keyed with the client secret (Salesforce "OAuth 2.0 Web Server Flow", token response). A
 * mismatch means the answer did not come from the org that knows our secret, or was altered.
 * Returns null when the answer carries no signature (other CRMs), else whether it checks out.
 */
export function verifySalesforceSignature(answer: Record<string, unknown>, clientSecret: string): boolean | null {
  const { signature, id, issued_at: issuedAt } = answer;
  if (signature === undefined) return null;
  if (typeof signature !== 'string' || typeof id !== 'string' || issuedAt === undefined) return false;
  const expected = createHmac('sha256', clientSecret)
    .update(`${id}${String(issuedAt)}`)
    .digest('base64');
  return safeEqual(expected, signature);
}

/** Salesforce answers carry the org's API host; its refresh tokens come only with the `refresh_token` scope. */
export function looksLikeSalesforce(answer: Record<string, unknown>): boolean {
  return typeof answer.instance_url === 'string';
}
