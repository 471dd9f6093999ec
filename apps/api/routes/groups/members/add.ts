import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../../core/deps.ts';
import { addMember as add } from '../../../../core/groups/members.ts';
import { ROLES } from '../../../../core/groups/roles.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { parse } from '../../../../http/validate.ts';

/** Usernames end up in URLs (`DELETE …/members/:username`): keep them plain. */
export const usernameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\p{L}\p{N}._@+-]+$/u, 'may contain letters, digits and . _ @ + - only');

export const body = z.strictObject({
  username: usernameSchema,
  // 8 characters at least, as for the bootstrap admin (NIST SP 800-63B §3.1.1.2); 1,024 at most.
  password: z.string().min(8).max(1024).optional(),
  role: z.enum(ROLES),
});

/**
 * `POST /v1/groups/:group/members` (admin): adds this group's member by that name with the given
 * password, or with a one-time `setPasswordUrl` for the member to choose one; the same 201
 * whether or not another group knows the name (docs/api/groups-and-members.md).
 */
export function addMember(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(body, req.body);
    const member = await add(deps, callerOf(req), input);
    // The link is a credential until it is used: keep it out of caches.
    res.set('Cache-Control', 'no-store');
    res.status(201).json({
      username: member.username,
      role: member.role,
      createdAt: member.createdAt.toISOString(),
      setPasswordUrl: member.setPasswordUrl,
    });
  };
}
