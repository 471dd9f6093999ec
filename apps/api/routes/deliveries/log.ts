import type { RequestHandler } from 'express';
import { z } from 'zod';
import { listGroupDeliveries } from '../../../core/deliveries/log.ts';
import { DELIVERY_STATUSES } from '../../../core/deliveries/queries.ts';
import type { Deps } from '../../../core/deps.ts';
import { pageQuerySchema } from '../../../core/pagination.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';
import { filterId, isoDateTime } from './filters.ts';

const querySchema = pageQuerySchema.extend({
  exportId: filterId.optional(),
  // One status or a comma-separated list (`failed,dead`).
  status: z
    .preprocess(
      (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value),
      z.array(z.enum(DELIVERY_STATUSES, { message: `must be one of ${DELIVERY_STATUSES.join(', ')}` })),
    )
    .optional(),
  engagementId: filterId.optional(),
  since: isoDateTime.optional(),
  until: isoDateTime.optional(),
});

/**
 * `GET /v1/deliveries?exportId=&status=&engagementId=&since=&until=&cursor=&limit=`: the group's
 * delivery log across exports, newest first; each item names its export and event type.
 */
export function listDeliveryLog(deps: Deps): RequestHandler {
  return async (req, res) => {
    const query = parse(querySchema, req.query);
    const page = await listGroupDeliveries(
      deps,
      callerOf(req).groupId,
      {
        exportId: query.exportId,
        statuses: query.status,
        engagementId: query.engagementId,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
      },
      { cursor: query.cursor, limit: query.limit },
    );
    res.json(page);
  };
}
