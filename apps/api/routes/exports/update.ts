import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { updateExport as update } from '../../../core/exports/export-service.ts';
import { parse } from '../../../http/validate.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { exportIdOf, updateExportBody } from './schemas.ts';

/** `PATCH /v1/exports/:id` with any of `{name, webhookUrl, enabled}`. */
export function updateExport(deps: Deps): RequestHandler {
  return async (req, res) => {
    const changes = parse(updateExportBody, req.body);
    res.json(await update(deps, callerOf(req), exportIdOf(req), changes));
  };
}
