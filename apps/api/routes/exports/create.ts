import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { createExport as create } from '../../../core/exports/export-service.ts';
import { parse } from '../../../http/validate.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { createExportBody } from './schemas.ts';

/** `POST /v1/exports` → 201 the export and, in this answer only, its `signingSecret`. */
export function createExport(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(createExportBody, req.body);
    const created = await create(deps, callerOf(req), input);
    // The signing secret appears in this answer only: keep it out of every cache.
    res.set('Cache-Control', 'no-store');
    res.status(201).location(`/v1/exports/${created.id}`).json(created);
  };
}
