import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { removeMember as remove } from '../../../../core/groups/members.ts';
import { callerOf } from '../../../../http/authenticate.ts';

/** `DELETE /v1/groups/:group/members/:username` (admin): removes the member and revokes their tokens for the group. */
export function removeMember(deps: Deps): RequestHandler {
  return async (req, res) => {
    await remove(deps, callerOf(req), String(req.params.username));
    res.status(204).end();
  };
}
