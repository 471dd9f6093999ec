import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { setSessionCookies } from '../../../http/session-cookies.ts';
import { signInWithCredential } from './credential-kinds.ts';
import { tokenAnswer } from './issue-token.ts';

/**
 * `POST /v1/auth/session` (addition): the same credentials as `POST /v1/auth/token`, but the token
 * goes only into the HttpOnly `authtoken` cookie, never into the body, so a browser's scripts
 * cannot read it. The answer carries the CSRF token the page must send as `X-CSRF-Token`.
 */
export function openSession(deps: Deps): RequestHandler {
  return async (req, res) => {
    const result = await signInWithCredential(deps, req, res);
    const csrfToken = setSessionCookies(res, deps, result.token, result.claims);
    const { token: _inCookieOnly, ...answer } = tokenAnswer(result);
    res.set('Cache-Control', 'no-store');
    res.json({ ...answer, csrfToken });
  };
}
