import type { RequestHandler } from 'express';
import { z } from 'zod';
import { changePassword } from '../../../core/auth/passwords/password-change.ts';
import { RateLimitedError } from '../../../core/auth/sign-in-limiter.ts';
import type { Deps } from '../../../core/deps.ts';
import { AppError } from '../../../core/errors.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { clearSessionCookies } from '../../../http/session-cookies.ts';
import { parse } from '../../../http/validate.ts';

export const body = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(8).max(1024),
});

/**
 * `PUT /v1/auth/password {currentPassword, newPassword}`: changes the caller's own password and
 * revokes all their live tokens, this one included (204; sign in again with the new password).
 * Wrong current passwords count as failed sign-ins: past the limit, 429 with `Retry-After`.
 */
export function changePasswordRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const auth = callerOf(req);
    if (auth.kind !== 'user' || auth.id.startsWith('apk_')) {
      throw new AppError('MEMBER_REQUIRED', 'Only a member can change their password', 403);
    }
    const input = parse(body, req.body);
    try {
      await changePassword(deps, { ...input, userId: auth.id, groupId: auth.groupId, ip: req.ip ?? '' });
    } catch (error) {
      // RFC 6585 §4: a 429 may say how long to wait; the limiter knows (sign-in-limiter.ts).
      if (error instanceof RateLimitedError) res.set('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
    if (auth.via === 'cookie') clearSessionCookies(res, deps);
    res.status(204).end();
  };
}
