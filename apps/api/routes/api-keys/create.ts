import type { RequestHandler } from 'express';
import { z } from 'zod';
import { createApiKey } from '../../../core/auth/api-keys/api-keys.ts';
import type { Deps } from '../../../core/deps.ts';
import { PRIVILEGES } from '../../../core/groups/roles.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

export const body = z.strictObject({
  name: z.string().trim().min(1).max(100),
  privileges: z.array(z.enum(PRIVILEGES)).min(1),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

/** `POST /v1/api-keys`: creates a server API key; the answer is the only place its secret appears. */
export function createApiKeyRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(body, req.body);
    const key = await createApiKey(deps, callerOf(req), {
      name: input.name,
      privileges: input.privileges,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : undefined,
    });
    res.set('Cache-Control', 'no-store');
    res.status(201).json(key);
  };
}
