import type { RequestHandler } from 'express';
import { z } from 'zod';
import { listAudit } from '../../../core/audit-listing.ts';
import type { Deps } from '../../../core/deps.ts';
import { pageQuerySchema } from '../../../core/pagination.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

const query = pageQuerySchema.extend({
  action: z
    .string()
    .regex(/^[a-z_.]{1,100}$/, 'must be an action such as api_key.create, or a prefix ending in "." such as api_key.')
    .optional(),
  outcome: z.enum(['success', 'refused']).optional(),
});

/** `GET /v1/audit?cursor=&limit=&action=&outcome=`: the group's audit log, newest first. */
export function listAuditRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await listAudit(deps, callerOf(req).groupId, parse(query, req.query)));
  };
}
