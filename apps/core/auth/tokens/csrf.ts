import { hmacSha256Hex, safeEqual } from '../../crypto/hashing.ts';

// Double-submit cookie bound to the session (OWASP CSRF cheat sheet, "signed double-submit
// cookie"): the `csrftoken` cookie is an HMAC of the authorization token's id, so a value planted
// by a sibling subdomain or left over from another session does not pass.
const LABEL = 'csrf-token:';

/** The CSRF token for one authorization token id. */
export function csrfTokenFor(signingKey: Uint8Array, tokenId: string): string {
  return hmacSha256Hex(Buffer.from(signingKey), LABEL + tokenId);
}

/** True when `candidate` is the CSRF token of `tokenId` (constant-time). */
export function isCsrfTokenFor(signingKey: Uint8Array, tokenId: string, candidate: string): boolean {
  return safeEqual(csrfTokenFor(signingKey, tokenId), candidate);
}
