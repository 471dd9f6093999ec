import type { RequestHandler } from 'express';
import { listPartners } from '../../../core/auth/partners.ts';
import type { Deps } from '../../../core/deps.ts';
import { pageQuerySchema } from '../../../core/pagination.ts';
import { authOf } from '../../middleware/auth-context.ts';
import { parse } from '../../middleware/validate.ts';

/** `GET /v1/partners?cursor=&limit=`: the group's partners, newest first, never a secret. */
export function listPartnersRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const page = parse(pageQuerySchema, req.query);
    res.json(await listPartners(deps, authOf(req).groupId, page));
  };
}
