import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { listOrigins } from '../../../../core/groups/origins.ts';
import { groupOf } from '../caller-group.ts';

/** `GET /v1/groups/:group/origins`: the browser origins the group trusts for CORS. */
export function getOrigins(deps: Deps): RequestHandler {
  return async (_req, res) => {
    res.json({ origins: await listOrigins(deps, groupOf(res).id) });
  };
}
