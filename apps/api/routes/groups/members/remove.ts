import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { removeMember as remove } from '../../../../core/groups/members.ts';
import { authOf } from '../../../middleware/auth-context.ts';
import { groupOf } from '../caller-group.ts';

/** `DELETE /v1/groups/:group/members/:username` (admin): removes the member and revokes their tokens for the group. */
export function removeMember(deps: Deps): RequestHandler {
  return async (req, res) => {
    await remove(deps, groupOf(res).id, String(req.params.username), { userId: authOf(req).userId, ip: req.ip });
    res.status(204).end();
  };
}
