import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { getExport as get } from '../../../core/exports/export-service.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { exportIdOf } from './schemas.ts';

/** `GET /v1/exports/:id`: 404 for an export of another group. */
export function getExport(deps: Deps): RequestHandler {
  return async (req, res) => {
    res.json(await get(deps, callerOf(req).groupId, exportIdOf(req)));
  };
}
