import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { sendProblem } from '../../http/problem.ts';
import { setSessionCookies } from '../../http/session-cookies.ts';
import { parse } from '../../http/validate.ts';
import { signInWithPassword } from '../../core/auth/passwords/sign-in.ts';
import type { Deps } from '../../core/deps.ts';
import { AppError } from '../../core/errors.ts';
import { safeNext } from '../../http/safe-next.ts';
import { cachedNoMemberYet } from '../../http/first-run.ts';
import { type SignInReason, signInPage } from '../views/sign-in.ts';

// Console sessions last an hour: long enough for a morning's work on an export, short enough
// that a forgotten browser tab does not stay signed in all day. The contract allows 1–120.
const CONSOLE_SESSION_MINUTES = 60;

const signInBody = z.strictObject({
  username: z.string().trim().min(1, 'is required').max(200),
  password: z.string().min(1, 'is required').max(1000),
  group: z.string().trim().min(1).max(200).optional(),
  next: z.string().max(2000).optional(),
});

const reasonOf = (req: Request): SignInReason => {
  const reason = req.query.reason;
  return reason === 'expired' || reason === 'signed-out' ? reason : undefined;
};

/**
 * `GET /console/sign-in`: the sign-in page, which says how to create the first admin while the
 * database holds no member (a check cached for a few seconds: the page is public).
 */
export function firstRunSignInView(deps: Pick<Deps, 'db'>): RequestHandler {
  const noMemberYet = cachedNoMemberYet(deps.db);
  return async (req, res) => {
    // `?group=` comes from a group-specific link (and names the group "Sign in with SSO" starts for).
    const group = typeof req.query.group === 'string' ? req.query.group.slice(0, 200) : undefined;
    const page = signInPage({
      next: safeNext(req.query.next),
      reason: reasonOf(req),
      group,
      firstRun: await noMemberYet(),
    });
    // Pages are never cached (a shared computer, the back button after sign-out).
    res.set('Cache-Control', 'no-store').type('html').send(page);
  };
}

/**
 * Login CSRF (a foreign site signing the manager in to the attacker's account): only a request
 * from the console's own page may sign in. Browsers send `Sec-Fetch-Site` and `Origin` on fetch
 * POSTs; a JSON body cannot come from a plain cross-site form without a CORS preflight.
 */
function assertSameOrigin(req: Request): void {
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const own = `${req.protocol}://${req.get('host')}`;
  if ((site && site !== 'same-origin') || (origin && origin !== own) || !req.is('application/json')) {
    throw new AppError('CROSS_SITE_SIGN_IN', 'Sign in from the console page itself', 403);
  }
}

/**
 * `POST /console/session`: signs a member in with A's `signInWithPassword` and sets the session
 * cookies. A member of several groups who named none gets 409 with their groups to choose from
 * (the password was already checked when that answer is given).
 */
export function signIn(deps: Deps): RequestHandler {
  return async (req, res) => {
    assertSameOrigin(req);
    const body = parse(signInBody, req.body);
    res.set('Cache-Control', 'no-store');
    try {
      const result = await signInWithPassword(deps, {
        username: body.username,
        password: body.password,
        group: body.group,
        duration: CONSOLE_SESSION_MINUTES,
        ip: req.ip ?? '',
      });
      setSessionCookies(res, deps, result.token, result.claims);
      res.json({ next: safeNext(body.next), group: result.group.name, expiresAt: result.claims.expiresAt });
    } catch (error) {
      if (error instanceof AppError && error.status === 429 && 'retryAfterSeconds' in error) {
        res.set('Retry-After', String(error.retryAfterSeconds));
      }
      if (!isGroupRequired(error)) throw error;
      const memberships = await deps.db.membership.findMany({
        where: { user: { username: body.username } },
        select: { role: true, group: { select: { name: true } } },
        orderBy: { group: { name: 'asc' } },
      });
      sendProblem(res, 409, 'GROUP_REQUIRED', 'You belong to several groups: choose the one to work in.', {
        groups: memberships.map((m) => ({ name: m.group.name, role: m.role })),
      });
    }
  };
}

/** `signInWithPassword` asks for the group (after the password checked out) when there are several. */
function isGroupRequired(error: unknown): boolean {
  return (
    error instanceof AppError &&
    error.code === 'VALIDATION_FAILED' &&
    (error.errors ?? []).some((e) => e.field === 'group')
  );
}
