import type { RequestHandler } from 'express';
import { recordAudit } from '../../../core/audit.ts';
import { auditActor } from '../../../core/auth/caller.ts';
import { revokeToken } from '../../../core/auth/tokens/tokens.ts';
import type { Deps } from '../../../core/deps.ts';
import { AppError } from '../../../core/errors.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { clearSessionCookies } from '../../../http/session-cookies.ts';

/** `POST /v1/auth/logout`: revokes the presenting authorization token and clears the session cookies. */
export function logout(deps: Deps): RequestHandler {
  return async (req, res) => {
    const auth = callerOf(req);
    if (!auth.tokenId || !auth.tokenExpiresAt) {
      throw new AppError('NOT_A_TOKEN', 'Only an authorization token can be signed out', 400);
    }
    await revokeToken(deps.redis, { tokenId: auth.tokenId, expiresAt: auth.tokenExpiresAt }, deps.clock.now());
    clearSessionCookies(res, deps);
    await recordAudit(deps.db, {
      groupId: auth.groupId,
      ...auditActor(auth),
      action: 'auth.token.revoke',
      outcome: 'success',
      reason: 'LOGOUT',
      targetType: 'auth_token',
      targetId: auth.tokenId,
    });
    res.status(204).end();
  };
}
