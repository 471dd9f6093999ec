import type { RequestHandler } from 'express';
import { z } from 'zod';
import { createPartner } from '../../../core/auth/partners/partners.ts';
import type { Deps } from '../../../core/deps.ts';
import { ROLES } from '../../../core/groups/roles.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

export const body = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES).default('viewer'),
});

/** `POST /v1/partners`: adds a partner whose users sign in with login keys; its secret appears only here. */
export function createPartnerRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(body, req.body);
    const partner = await createPartner(deps, callerOf(req), input);
    res.set('Cache-Control', 'no-store');
    res.status(201).json(partner);
  };
}
