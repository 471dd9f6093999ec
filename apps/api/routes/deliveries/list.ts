import type { RequestHandler } from 'express';
import { z } from 'zod';
import { DELIVERY_STATUSES, listExportDeliveries } from '../../../core/deliveries/queries.ts';
import type { Deps } from '../../../core/deps.ts';
import { pageQuerySchema } from '../../../core/pagination.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

const querySchema = pageQuerySchema.extend({ status: z.enum(DELIVERY_STATUSES).optional() });

/** `GET /v1/exports/:exportId/deliveries?status=&cursor=&limit=`: the delivery log, newest first. */
export function listDeliveries(deps: Deps): RequestHandler {
  return async (req, res) => {
    const auth = callerOf(req);
    const query = parse(querySchema, req.query);
    res.json(await listExportDeliveries(deps, auth.groupId, String(req.params.exportId), query));
  };
}
