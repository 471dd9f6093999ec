import type { Deps } from '../deps.ts';

/**
 * Whether any group trusts `origin` (its `PUT /v1/groups/:group/origins` list) for browser calls
 * to the API. The origin only decides whether the browser may read answers; what a request may
 * do still comes from its own token or cookie, never from the origin.
 */
export async function isTrustedOrigin(deps: Pick<Deps, 'db'>, origin: string): Promise<boolean> {
  // "null" is what sandboxed frames and file: pages send (RFC 6454 §7.3): never trusted.
  if (origin === 'null') return false;
  const row = await deps.db.groupOrigin.findFirst({ where: { origin }, select: { id: true } });
  return row !== null;
}

/** Request headers a trusted origin's script may send (the API's own, nothing else). */
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, X-CSRF-Token';
/** Methods the API uses. */
export const CORS_ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
/** Answer headers a script may read beyond the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = 'Retry-After, WWW-Authenticate';
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;
