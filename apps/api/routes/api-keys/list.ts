import type { RequestHandler } from 'express';
import { listApiKeys } from '../../../core/auth/api-keys/api-keys.ts';
import type { Deps } from '../../../core/deps.ts';
import { pageQuerySchema } from '../../../core/pagination.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

/** `GET /v1/api-keys?cursor=&limit=`: the group's keys, newest first, never a secret. */
export function listApiKeysRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const page = parse(pageQuerySchema, req.query);
    res.json(await listApiKeys(deps, callerOf(req).groupId, page));
  };
}
