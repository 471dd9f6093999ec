import type { RequestHandler } from 'express';
import { z } from 'zod';
import { listAudit } from '../../../core/audit-listing.ts';
import type { Deps } from '../../../core/deps.ts';
import { pageQuerySchema } from '../../../core/pagination.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

const isoDateTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z',
});

export const query = pageQuerySchema.extend({
  action: z
    .string()
    .regex(/^[a-z_.]{1,100}$/, 'must be an action such as api_key.create, or a prefix ending in "." such as api_key.')
    .optional(),
  outcome: z.enum(['success', 'refused']).optional(),
  /** A member's user id, an API key id or a partner id: the rows that actor caused. */
  actorId: z.string().min(1).max(100).optional(),
  since: isoDateTime.optional(),
  until: isoDateTime.optional(),
});

/** `GET /v1/audit?cursor=&limit=&action=&outcome=&actorId=&since=&until=`: the group's audit log, newest first. */
export function listAuditRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await listAudit(deps, callerOf(req).groupId, parse(query, req.query)));
  };
}
