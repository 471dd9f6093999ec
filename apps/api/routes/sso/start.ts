import type { RequestHandler } from 'express';
import { startSsoSignIn } from '../../../core/auth/sso/login.ts';
import type { Deps } from '../../../core/deps.ts';
import { AppError } from '../../../core/errors.ts';
import { safeNext } from '../../../http/safe-next.ts';
import { chooseGroupPage, ssoErrorPage } from './pages.ts';

/** The cookie binding a pending SSO sign-in to the browser that started it. */
export const SSO_BINDING_COOKIE = 'sso_binding';
export const SSO_COOKIE_PATH = '/sso';

/**
 * `GET /sso/start?group=<name>&next=</console/…>`: starts "Sign in with SSO" for a group (302 to
 * its identity provider) and sets the browser-binding cookie; without a group, asks for it.
 */
export function startSso(deps: Deps): RequestHandler {
  return async (req, res) => {
    const group = typeof req.query.group === 'string' ? req.query.group.trim() : '';
    const next = safeNext(req.query.next);
    res.set('Cache-Control', 'no-store');
    if (!group) {
      res.type('html').send(chooseGroupPage(next));
      return;
    }
    try {
      const { authorizationUrl, binding } = await startSsoSignIn(deps, { group, next });
      // SameSite=Lax: the provider's redirect back is a top-level GET navigation, which carries it.
      res.cookie(SSO_BINDING_COOKIE, binding, {
        path: SSO_COOKIE_PATH,
        httpOnly: true,
        signed: true,
        sameSite: 'lax',
        secure: deps.config.secureCookies,
        maxAge: 10 * 60_000,
      });
      res.redirect(302, authorizationUrl.href);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const message = error.status === 404 ? `SSO is not set up for the group "${group}"` : error.message;
      res.status(error.status).type('html').send(ssoErrorPage(message, error.code));
    }
  };
}
