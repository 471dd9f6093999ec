import type { RequestHandler } from 'express';
import { ssoRedirectUri } from '../../../core/auth/sso/client.ts';
import { finishSsoSignIn } from '../../../core/auth/sso/login.ts';
import type { Deps } from '../../../core/deps.ts';
import { AppError } from '../../../core/errors.ts';
import { setSessionCookies } from '../../../http/session-cookies.ts';
import { ssoErrorPage } from './pages.ts';
import { SSO_BINDING_COOKIE, SSO_COOKIE_PATH } from './start.ts';

/**
 * `GET /sso/callback` (the redirect URI registered with the identity provider): completes the
 * sign-in, sets the console's session cookies and continues to the console; a refusal shows a
 * page with the reason. The URL handed to openid-client is built from PUBLIC_URL, never from the
 * Host header (the token request's redirect_uri must equal the registered one).
 */
export function ssoCallback(deps: Deps): RequestHandler {
  return async (req, res) => {
    const search = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const binding = (req.signedCookies as Record<string, string | false | undefined>)[SSO_BINDING_COOKIE];
    res.clearCookie(SSO_BINDING_COOKIE, { path: SSO_COOKIE_PATH });
    res.set('Cache-Control', 'no-store');
    try {
      const result = await finishSsoSignIn(deps, {
        callbackUrl: new URL(ssoRedirectUri(deps.config) + search),
        binding: typeof binding === 'string' ? binding : undefined,
        ip: req.ip ?? '',
      });
      setSessionCookies(res, deps, result.token, result.claims);
      res.redirect(303, result.next);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.status >= 500) deps.logger.warn({ code: error.code, detail: error.message }, 'SSO sign-in failed');
      res.status(error.status).type('html').send(ssoErrorPage(error.message, error.code));
    }
  };
}
