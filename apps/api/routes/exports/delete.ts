import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { deleteExport as remove } from '../../../core/exports/export-service.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { exportIdOf } from './schemas.ts';

/**
 * `DELETE /v1/exports/:id` → 204; its configuration, tokens and deliveries go with it, the refresh
 * token revoked at the CRM first (within 5 s; the audit row records the outcome).
 */
export function deleteExport(deps: Deps): RequestHandler {
  return async (req, res) => {
    await remove(deps, callerOf(req), exportIdOf(req));
    res.status(204).end();
  };
}
