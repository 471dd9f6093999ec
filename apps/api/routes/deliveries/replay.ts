import type { RequestHandler } from 'express';
import { z } from 'zod';
import { RETRYABLE_STATUSES, replayDeliveries } from '../../../core/deliveries/retry.ts';
import type { Deps } from '../../../core/deps.ts';
import { parse } from '../../../http/validate.ts';
import { isoDateTime } from './filters.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { requestIdOf } from '../../../http/request-id.ts';

const status = z.enum(RETRYABLE_STATUSES);
const bodySchema = z.strictObject({
  since: isoDateTime,
  status: z.union([status, z.array(status).min(1)]).optional(),
});

/**
 * `POST /v1/exports/:exportId/deliveries/replay {since, status?}`: send again every failed or dead
 * delivery (or only the given status) created since that time → 202 `{replayed}`.
 */
export function replay(deps: Deps): RequestHandler {
  return async (req, res) => {
    const body = parse(bodySchema, req.body);
    const statuses = body.status === undefined ? RETRYABLE_STATUSES : [body.status].flat();
    const replayed = await replayDeliveries(deps, callerOf(req), String(req.params.exportId), {
      since: new Date(body.since),
      statuses,
      requestId: requestIdOf(req),
    });
    res.status(202).json({ replayed });
  };
}
