import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { notFound } from '../../../core/errors.ts';
import { currentRole, usernameOf } from '../../../core/groups/lookup.ts';
import { callerOf } from '../../../http/authenticate.ts';

/** `GET /v1/auth/me`: who the credential belongs to, for which group, with which privileges (for the console). */
export function me(deps: Deps): RequestHandler {
  return async (req, res) => {
    const auth = callerOf(req);
    const group = await deps.db.group.findUnique({ where: { id: auth.groupId }, select: { id: true, name: true } });
    if (!group) throw notFound('Group');
    const member = auth.kind === 'user' ? auth.id : undefined;
    const [role, username] = member
      ? await Promise.all([currentRole(deps.db, member, auth.groupId), usernameOf(deps.db, member)])
      : [null, null];
    res.set('Cache-Control', 'no-store');
    res.json({
      user: member ? { id: member, username } : null,
      group,
      role,
      privileges: auth.privileges,
      expiresAt: auth.tokenExpiresAt?.toISOString() ?? null,
    });
  };
}
