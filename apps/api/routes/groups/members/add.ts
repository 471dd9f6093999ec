import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../../core/deps.ts';
import { addMember as add } from '../../../../core/groups/members.ts';
import { ROLES } from '../../../../core/groups/roles.ts';
import { authOf } from '../../../middleware/auth-context.ts';
import { parse } from '../../../middleware/validate.ts';
import { groupOf } from '../caller-group.ts';

/** Usernames are global and end up in URLs (`DELETE …/members/:username`): keep them plain. */
export const usernameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\p{L}\p{N}._@+-]+$/u, 'may contain letters, digits and . _ @ + - only');

const body = z.strictObject({
  username: usernameSchema,
  // 8 characters at least, as for the bootstrap admin (NIST SP 800-63B §3.1.1.2); 1,024 at most.
  password: z.string().min(8).max(1024).optional(),
  role: z.enum(ROLES),
});

/** `POST /v1/groups/:group/members` (admin): adds an existing user or creates one with the password. */
export function addMember(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(body, req.body);
    const member = await add(deps, groupOf(res).id, input, { userId: authOf(req).userId, ip: req.ip });
    res.status(201).json({
      username: member.username,
      role: member.role,
      userCreated: member.userCreated,
      createdAt: member.createdAt.toISOString(),
    });
  };
}
