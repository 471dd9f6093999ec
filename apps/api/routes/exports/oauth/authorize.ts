import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { startAuthorization } from '../../../../core/oauth/authorize.ts';
import { setBindingCookie } from '../../oauth-callback/binding-cookie.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { exportIdOf } from '../schemas.ts';

/**
 * `GET /v1/exports/:id/oauth/authorize`, "Authorize Export": 302 to the CRM's authorization URL
 * with a fresh state and PKCE challenge, and the cookie that binds them to this browser.
 */
export function authorizeExport(deps: Deps): RequestHandler {
  return async (req, res) => {
    const started = await startAuthorization(deps, callerOf(req), exportIdOf(req));
    setBindingCookie(res, deps, started.requestId, started.browserBinding);
    res.set('Cache-Control', 'no-store');
    res.redirect(302, started.authorizationUrl);
  };
}
