import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  type AuthDeps,
  authenticate as authenticateCredentials,
  challenge,
  type RequestCredentials,
} from '../core/auth/authenticate.ts';
import { assertPrivileges, type Caller } from '../core/auth/caller.ts';
import { AppError } from '../core/errors.ts';
import type { Privilege } from '../core/groups/roles.ts';
import { AUTH_COOKIE, CSRF_COOKIE, CSRF_HEADER } from './session-cookies.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who is calling: set by `authenticate` (apps/core/auth/caller.ts). */
    caller?: Caller;
    /** The exact request body bytes (for request signatures). */
    rawBody?: Buffer;
  }
}

/**
 * The Express adapter of apps/core/auth/authenticate.ts: reads the request's credentials, sets
 * `req.caller`, and on a 401 adds the WWW-Authenticate challenge (RFC 6750 §3). Refusals go on to
 * the problem handler.
 *
 * Mount it inside a resource router under its own path, e.g.
 * `router.use('/exports', exportsRouter(deps))` with `exportsRouter` starting with
 * `r.use(authenticate(deps))`, so unknown /v1 paths still answer 404.
 */
export function authenticate(deps: AuthDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      req.caller = await authenticateCredentials(deps, credentialsOf(req));
    } catch (error) {
      if (error instanceof AppError && error.status === 401) res.set('WWW-Authenticate', challenge(error));
      throw error;
    }
    next();
  };
}

/** The request's credentials as apps/core/auth reads them; cookie-parser has read the cookies. */
export function credentialsOf(req: Request): RequestCredentials {
  const cookies = req.cookies as Record<string, string> | undefined;
  return {
    authorization: req.get('authorization'),
    cookieToken: authCookieOf(req),
    csrfHeader: req.get(CSRF_HEADER),
    csrfCookie: cookies?.[CSRF_COOKIE],
    method: req.method,
    // The path and query as sent: what a request signature covers.
    target: req.originalUrl,
    rawBody: req.rawBody,
    ip: req.ip,
  };
}

/**
 * The `authtoken` cookie's token. The cookie is not signed by cookie-parser: the token is a JWT
 * signed with its own key (apps/core/auth/tokens/tokens.ts), so a second signature would add 46
 * characters and no protection (docs/api/authentication.md, "Token format"). An empty cookie is
 * refused (`false`) rather than ignored.
 */
function authCookieOf(req: Request): string | false | undefined {
  const cookie = (req.cookies as Record<string, string> | undefined)?.[AUTH_COOKIE];
  if (cookie === undefined) return undefined;
  return typeof cookie === 'string' && cookie ? cookie : false;
}

/** The caller; only for routes behind `authenticate`. */
export function callerOf(req: Request): Caller {
  if (!req.caller) throw new AppError('UNAUTHENTICATED', 'Authentication is required', 401);
  return req.caller;
}

/** Refuses with 403 unless the caller holds every listed privilege. */
export function requirePrivilege(...needed: Privilege[]): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    assertPrivileges(callerOf(req), needed);
    next();
  };
}
