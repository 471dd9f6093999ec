import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { listGroupsOf } from '../../../core/groups/groups.ts';
import { memberOf } from './caller-group.ts';

/** `GET /v1/groups`: the caller's groups, each with the caller's role. */
export function listGroups(deps: Deps): RequestHandler {
  return async (req, res) => {
    const groups = await listGroupsOf(deps, memberOf(req));
    res.json({
      items: groups.map((g) => ({ id: g.id, name: g.name, role: g.role, createdAt: g.createdAt.toISOString() })),
      nextCursor: null,
    });
  };
}
