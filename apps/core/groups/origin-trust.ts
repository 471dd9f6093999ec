import type { Deps } from '../deps.ts';

/**
 * The ids of the groups that trust `origin` (their `PUT /v1/groups/:group/origins` lists) for
 * browser calls to the API. The origin only decides whether the browser may read an answer, and
 * only the answer to a request of one of these groups (docs/api/cors.md); what a request
 * may do still comes from its own credential, never from the origin.
 */
export async function groupsTrustingOrigin(deps: Pick<Deps, 'db'>, origin: string): Promise<ReadonlySet<string>> {
  // "null" is what sandboxed frames and file: pages send (RFC 6454 §7.3): never trusted.
  if (origin === 'null') return new Set();
  const rows = await deps.db.groupOrigin.findMany({ where: { origin }, select: { groupId: true } });
  return new Set(rows.map((row) => row.groupId));
}

/** Request headers a trusted origin's script may send (the API's own, nothing else). */
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, X-CSRF-Token';
/** Methods the API uses. */
export const CORS_ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
/** Answer headers a script may read beyond the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = 'Retry-After, WWW-Authenticate';
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;
