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

// Salesforce's OAuth endpoints sit side by side on the org's login host (login.salesforce.com,
// test.salesforce.com, My Domain, or an Experience Cloud site's path): …/services/oauth2/token and
// …/services/oauth2/revoke (Salesforce Help, "Revoke OAuth Tokens").
const SALESFORCE_TOKEN_PATH = /\/services\/oauth2\/token$/;

/**
 * The Salesforce preset's revocation URL: for a Salesforce token URL, its `revoke` neighbour on the
 * same host; null for any other token URL.
 */
export function salesforceRevocationUrl(tokenUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch {
    return null;
  }
  if (!SALESFORCE_TOKEN_PATH.test(url.pathname)) return null;
  return `${url.origin}${url.pathname.replace(SALESFORCE_TOKEN_PATH, '/services/oauth2/revoke')}`;
}
