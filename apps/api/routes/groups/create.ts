import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../core/deps.ts';
import { createGroup as create } from '../../../core/groups/groups.ts';
import { GROUP_ID_PREFIX } from '../../../core/groups/lookup.ts';
import { parse } from '../../../http/validate.ts';
import { memberOf } from './caller-group.ts';

/** A group name: shown to people and accepted wherever a group is named, so it must not look like an id. */
export const groupName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}/]+$/u, 'must not contain control characters or "/"')
  .refine((v) => !v.startsWith(GROUP_ID_PREFIX), `must not start with "${GROUP_ID_PREFIX}" (group ids do)`);

export const body = z.strictObject({ name: groupName });

/** `POST /v1/groups`: creates a group; the caller becomes its admin. */
export function createGroup(deps: Deps): RequestHandler {
  return async (req, res) => {
    const { name } = parse(body, req.body);
    const group = await create(deps, { name, userId: memberOf(req), ip: req.ip });
    res
      .status(201)
      .json({ id: group.id, name: group.name, role: group.role, createdAt: group.createdAt.toISOString() });
  };
}
