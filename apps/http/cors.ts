import type { Request, RequestHandler, Response } from 'express';
import onHeaders from 'on-headers';
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  groupsTrustingOrigin,
} from '../core/groups/origin-trust.ts';
import type { Deps } from '../core/deps.ts';
import { findGroup } from '../core/groups/lookup.ts';
import { AUTH_COOKIE } from './session-cookies.ts';

/**
 * CORS for the API (Fetch standard §3.2, docs/api/cors.md). Trust belongs to one group:
 * an answer carries `Access-Control-Allow-Origin` (the origin echoed, credentials allowed; never
 * `*`, which credentialed requests may not use) only when the group the request acts for trusts
 * the origin, so an origin group B trusts cannot read answers given to group A's credentials.
 *
 * - A preflight (`OPTIONS` with `Access-Control-Request-Method`) carries no credential: it is
 *   answered 204 here, with the CORS headers when any group trusts the origin, bare otherwise
 *   (which the browser treats as a refusal).
 * - Any other request is answered by its route; which group it acts for is known only once the
 *   credential is checked, so the headers are decided when the answer's headers are written
 *   (error answers included), from, in order: a group a route names with `judgeCorsBy` (the
 *   token route: the group in its body), the checked credential (`req.caller`, set by
 *   authenticate.ts), or, for an answer refusing a Bearer token or cookie that verified but was
 *   refused afterwards (revoked, former member, CSRF), the group the token was issued for. A
 *   request with no group known (no credential, a forged one, a bad signature) gets no CORS header.
 *
 * `Vary: Origin` on every answer to a request with an Origin, because the headers depend on it
 * (and shared caches must not mix them up).
 */
export function cors(deps: Deps): RequestHandler {
  return async (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined) return next();
    res.vary('Origin');
    const trusting = await groupsTrustingOrigin(deps, origin);
    if (req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined) {
      if (trusting.size > 0) {
        allowOrigin(res, origin);
        res.set('Access-Control-Allow-Methods', CORS_ALLOWED_METHODS);
        res.set('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
        res.set('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
      }
      return void res.status(204).end();
    }
    if (trusting.size === 0) return next();
    const tokenGroup = await tokenGroupOf(deps, req);
    // jshttp's on-headers: runs once, just before the status and headers are written, so error
    // answers get the same decision as successes.
    onHeaders(res, () => {
      const named = (res.locals as CorsLocals)[JUDGED_BY];
      const group = named !== undefined ? named : (req.caller?.groupId ?? tokenGroup);
      if (group !== null && group !== undefined && trusting.has(group)) {
        allowOrigin(res, origin);
        res.set('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS);
      }
    });
    next();
  };
}

const JUDGED_BY = 'corsJudgedByGroupId';
type CorsLocals = { [JUDGED_BY]?: string | null };

/**
 * Names the group whose trusted origins decide this answer's CORS headers, for a route that
 * learns its group other than through authenticate (`POST /v1/auth/token`: the group in the body;
 * null: no group, so no CORS header). Overrides the credential's group.
 */
export function judgeCorsBy(res: Response, groupId: string | null): void {
  (res.locals as CorsLocals)[JUDGED_BY] = groupId;
}

/**
 * `judgeCorsBy` for a group given by name or id in a request body (a string or nothing); a name
 * that finds no group means no CORS header. Costs a lookup only for cross-origin requests.
 * Answers whether a group was named.
 */
export async function judgeCorsByNamedGroup(deps: Pick<Deps, 'db'>, req: Request, res: Response): Promise<boolean> {
  const body = req.body as { group?: unknown } | undefined;
  const named = typeof body === 'object' && body !== null && !Array.isArray(body) ? body.group : undefined;
  if (typeof named !== 'string') return false;
  if (req.get('origin') !== undefined) judgeCorsBy(res, (await findGroup(deps.db, named.trim()))?.id ?? null);
  return true;
}

function allowOrigin(res: Response, origin: string): void {
  res.set('Access-Control-Allow-Origin', origin);
  res.set('Access-Control-Allow-Credentials', 'true');
}

/**
 * The group of the authorization token the request carries (Bearer header, else the console's
 * signed cookie, as authenticate.ts reads them), when its signature and lifetime check out; only
 * for answers that refuse it before `req.caller` is set. A `Signature` credential has no group
 * until authenticate has verified it.
 */
async function tokenGroupOf(deps: Deps, req: Request): Promise<string | undefined> {
  const header = req.get('authorization');
  let token: string | undefined;
  if (header !== undefined) {
    const [, scheme = '', credentials = ''] = /^\s*(\S+)\s*(.*)$/s.exec(header) ?? [];
    if (scheme.toLowerCase() === 'bearer') token = credentials.trim();
  } else {
    const cookie = (req.cookies as Record<string, unknown> | undefined)?.[AUTH_COOKIE];
    if (typeof cookie === 'string') token = cookie;
  }
  if (!token) return undefined;
  try {
    return (await deps.auth.tokens.verify(token, deps.clock.now())).groupId;
  } catch {
    return undefined; // not a token of this connector: no group vouches for the origin
  }
}
