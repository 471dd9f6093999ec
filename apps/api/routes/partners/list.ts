import type { RequestHandler } from 'express';
import { listPartners } from '../../../core/auth/partners/partners.ts';
import type { Deps } from '../../../core/deps.ts';
import { pageQuerySchema } from '../../../core/pagination.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

/** `GET /v1/partners?cursor=&limit=`: the group's partners, newest first, never a secret. */
export function listPartnersRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const page = parse(pageQuerySchema, req.query);
    res.json(await listPartners(deps, callerOf(req).groupId, page));
  };
}
