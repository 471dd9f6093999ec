import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../../core/deps.ts';
import { changeMemberRole } from '../../../../core/groups/members.ts';
import { ROLES } from '../../../../core/groups/roles.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { parse } from '../../../../http/validate.ts';

export const body = z.strictObject({ role: z.enum(ROLES) });

/**
 * `PATCH /v1/groups/:group/members/:username {role}` (admin): changes the member's role, effective
 * on their next request; 403 PRIVILEGE_EXCEEDED beyond the caller's own privileges, 409 LAST_ADMIN.
 */
export function changeRole(deps: Deps): RequestHandler {
  return async (req, res) => {
    const { role } = parse(body, req.body);
    const member = await changeMemberRole(deps, callerOf(req), String(req.params.username), role);
    res.json({ username: member.username, role: member.role, createdAt: member.createdAt.toISOString() });
  };
}
