import type { Request, RequestHandler, Response } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { memberIdOf } from '../../../core/auth/caller.ts';
import { notFound } from '../../../core/errors.ts';
import type { GroupRef } from '../../../core/groups/lookup.ts';
import { callerOf } from '../../../http/authenticate.ts';

/**
 * Resolves `:group` (name or id) and lets the request through only when it is the caller's token
 * group: any other group answers 404, whether or not it exists, so tokens learn nothing about
 * other groups. Runs before the privilege check for the same reason.
 */
export function callerGroup(deps: Deps): RequestHandler {
  return async (req, res, next) => {
    const auth = callerOf(req);
    const ref = String(req.params.group ?? '');
    const group = await deps.db.group.findUnique({ where: { id: auth.groupId }, select: { id: true, name: true } });
    if (!group || (ref !== group.id && ref !== group.name)) throw notFound('Group');
    res.locals.group = group;
    next();
  };
}

/** The group `callerGroup` resolved. */
export function groupOf(res: Response): GroupRef {
  return res.locals.group as GroupRef;
}

/** The calling member's user id; credentials without a member (API keys) are refused with 403. */
export function memberOf(req: Request): string {
  return memberIdOf(callerOf(req), 'This action needs a member’s authorization token');
}
