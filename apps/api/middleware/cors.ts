import type { RequestHandler } from 'express';
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  isTrustedOrigin,
} from '../../core/auth/cors.ts';
import type { Deps } from '../../core/deps.ts';

/**
 * CORS for the API (Fetch standard §3.2): a request whose `Origin` a group trusts gets that
 * origin echoed with credentials allowed (never `*`, which credentialed requests may not use),
 * and a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204 here. Every
 * other origin gets no CORS headers at all, so its scripts cannot read any answer; its preflights
 * get a bare 204 the browser treats as a refusal. `Vary: Origin` on every answer to a request
 * with an Origin, because the headers depend on it (and shared caches must not mix them up).
 */
export function cors(deps: Deps): RequestHandler {
  return async (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined) return next();
    res.vary('Origin');
    const preflight = req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined;
    if (await isTrustedOrigin(deps, origin)) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Access-Control-Allow-Credentials', 'true');
      if (preflight) {
        res.set('Access-Control-Allow-Methods', CORS_ALLOWED_METHODS);
        res.set('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
        res.set('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
        return void res.status(204).end();
      }
      res.set('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS);
      return next();
    }
    if (preflight) return void res.status(204).end();
    next();
  };
}
