import type { Request, Response } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { AUTHORIZATION_REQUEST_LIFETIME_MS } from '../../../core/oauth/authorize.ts';

/** Only the callback page, its script and its result poll ever see the binding cookie. */
export const BINDING_COOKIE_PATH = '/oauth/callback';

// One cookie per authorization request, so two exports authorized at once in one browser do not
// overwrite each other's binding. Request ids are base64url, valid in a cookie name (RFC 6265 §4.1.1).
const cookieName = (requestId: string) => `oauth_binding_${requestId}`;

/**
 * Sets the cookie that binds an authorization request to this browser: HttpOnly, SameSite=Lax
 * (sent on the top-level redirect back from the CRM, not on cross-site subrequests), Secure when
 * PUBLIC_URL is https, living as long as the request. The database holds only its hash.
 */
export function setBindingCookie(res: Response, deps: Pick<Deps, 'config'>, requestId: string, value: string): void {
  res.cookie(cookieName(requestId), value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.config.secureCookies,
    path: BINDING_COOKIE_PATH,
    maxAge: AUTHORIZATION_REQUEST_LIFETIME_MS,
  });
}

/** The binding cookie this browser holds for a request, if any. */
export function bindingCookieOf(req: Request, requestId: string): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[cookieName(requestId)];
  return typeof value === 'string' && value ? value : undefined;
}
