import type { CookieOptions, Response } from 'express';
import type { AuthTokenClaims } from '../core/auth/tokens/tokens.ts';
import { csrfTokenFor } from '../core/auth/tokens/csrf.ts';
import type { Deps } from '../core/deps.ts';

/**
 * The HttpOnly cookie that carries the console's authorization token. Not signed again by
 * cookie-parser: the token signs itself (apps/core/auth/tokens/tokens.ts).
 */
export const AUTH_COOKIE = 'authtoken';
/** The readable cookie the console copies into the `X-CSRF-Token` header of unsafe requests. */
export const CSRF_COOKIE = 'csrftoken';
/** The header (lower-case, as Node gives it) that must repeat the CSRF cookie. */
export const CSRF_HEADER = 'x-csrf-token';

function baseOptions(deps: Pick<Deps, 'config'>): CookieOptions {
  // SameSite=Lax keeps the cookie off cross-site POSTs and subresource requests but still sends
  // it on the top-level navigation back from the CRM's consent page (RFC 6265bis §5.4.7).
  return { path: '/', sameSite: 'lax', secure: deps.config.secureCookies };
}

/**
 * Puts a freshly issued authorization token in the `authtoken` cookie (HttpOnly) and its
 * CSRF token in the readable `csrftoken` cookie; both expire with the token. Returns the CSRF token.
 */
export function setSessionCookies(
  res: Response,
  deps: Pick<Deps, 'config' | 'tokenSigningKey'>,
  token: string,
  claims: Pick<AuthTokenClaims, 'tokenId' | 'expiresAt'>,
): string {
  const csrf = csrfTokenFor(deps.tokenSigningKey, claims.tokenId);
  const options = { ...baseOptions(deps), expires: claims.expiresAt };
  res.cookie(AUTH_COOKIE, token, { ...options, httpOnly: true });
  res.cookie(CSRF_COOKIE, csrf, { ...options, httpOnly: false });
  return csrf;
}

/** Removes both session cookies (sign-out). */
export function clearSessionCookies(res: Response, deps: Pick<Deps, 'config'>): void {
  res.clearCookie(AUTH_COOKIE, { ...baseOptions(deps), httpOnly: true });
  res.clearCookie(CSRF_COOKIE, baseOptions(deps));
}
