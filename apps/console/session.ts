import type { Request, RequestHandler } from 'express';
import { authenticate, callerOf } from '../http/authenticate.ts';
import { safeNext } from '../http/safe-next.ts';
import { AUTH_COOKIE } from '../http/session-cookies.ts';
import type { Deps } from '../core/deps.ts';
import { AppError } from '../core/errors.ts';
import { findGroup, usernameOf } from '../core/groups/lookup.ts';
import type { ViewSession } from '../http/views/layout.ts';

/** The sign-in page's URL that comes back to `next` afterwards. */
export function signInUrl(next: string, reason?: 'expired' | 'signed-out'): string {
  const query = new URLSearchParams();
  if (reason) query.set('reason', reason);
  query.set('next', safeNext(next));
  return `/console/sign-in?${query}`;
}

/**
 * Guards the console's pages with the same `authenticate` as the API (apps/http/authenticate.ts) (the signed `authtoken` cookie,
 * expiry, revocation and current membership): without a valid session the browser is sent to
 * sign-in, which brings it back here. Sets `req.caller` for the page.
 */
export function requirePageSession(deps: Deps): RequestHandler {
  const check = authenticate(deps);
  return async (req, res, next) => {
    try {
      await check(req, res, () => undefined);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 401) throw error;
      res.removeHeader('WWW-Authenticate');
      // A cookie that no longer works means the session ended under the manager (expired,
      // revoked, removed from the group): say so on the sign-in page.
      const hadCookie = (req.cookies as Record<string, unknown> | undefined)?.[AUTH_COOKIE] !== undefined;
      res.set('Cache-Control', 'no-store');
      return res.redirect(303, signInUrl(req.originalUrl, hadCookie ? 'expired' : undefined));
    }
    next();
  };
}

/** What the top bar shows for the signed-in member. */
export async function viewSession(deps: Deps, req: Request): Promise<ViewSession> {
  const auth = callerOf(req);
  const [group, username] = await Promise.all([
    findGroup(deps.db, auth.groupId),
    auth.username ?? (auth.kind === 'user' ? usernameOf(deps.db, auth.id) : null),
  ]);
  return { username: username ?? '', groupName: group?.name ?? '', privileges: auth.privileges };
}
