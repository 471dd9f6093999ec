import type { RequestHandler } from 'express';
import { listApps } from '../../../core/auth/apps/apps.ts';
import type { Deps } from '../../../core/deps.ts';
import { pageQuerySchema } from '../../../core/pagination.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

/** `GET /v1/apps?cursor=&limit=`: the group's apps, newest first, never a secret. */
export function listAppsRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const page = parse(pageQuerySchema, req.query);
    res.json(await listApps(deps, callerOf(req).groupId, page));
  };
}
