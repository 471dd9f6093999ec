import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { updateExport as update } from '../../../core/exports/export-service.ts';
import { parse } from '../../middleware/validate.ts';
import { actorOf, exportIdOf, updateExportBody } from './schemas.ts';

/** `PATCH /v1/exports/:id` with any of `{name, webhookUrl, enabled}`. */
export function updateExport(deps: Deps): RequestHandler {
  return async (req, res) => {
    const changes = parse(updateExportBody, req.body);
    res.json(await update(deps, actorOf(req), exportIdOf(req), changes));
  };
}
