import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { listMembers as list } from '../../../../core/groups/members.ts';
import { groupOf } from '../caller-group.ts';

/** `GET /v1/groups/:group/members`: the group's members and their roles. */
export function listMembers(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const members = await list(deps, groupOf(res).id);
    res.json({
      items: members.map((m) => ({ username: m.username, role: m.role, createdAt: m.createdAt.toISOString() })),
      nextCursor: null,
    });
  };
}
