import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { listExports as list } from '../../../core/exports/export-service.ts';
import { pageQuerySchema } from '../../../core/pagination.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

/** `GET /v1/exports?limit=&cursor=` → `{items, nextCursor}`, newest first. */
export function listExports(deps: Deps): RequestHandler {
  return async (req, res) => {
    const page = parse(pageQuerySchema, req.query);
    res.json(await list(deps, callerOf(req).groupId, page));
  };
}
