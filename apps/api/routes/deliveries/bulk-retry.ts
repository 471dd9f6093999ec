import type { RequestHandler } from 'express';
import { z } from 'zod';
import { retryMatching } from '../../../core/deliveries/bulk-retry.ts';
import { RETRYABLE_STATUSES } from '../../../core/deliveries/retry.ts';
import type { Deps } from '../../../core/deps.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { requestIdOf } from '../../../http/request-id.ts';
import { parse } from '../../../http/validate.ts';
import { filterId, isoDateTime } from './filters.ts';

const status = z.enum(RETRYABLE_STATUSES, { message: 'must be failed or dead' });
const bodySchema = z.strictObject({
  exportId: filterId.optional(),
  status: z.union([status, z.array(status).min(1, 'must name at least one status')]).optional(),
  since: isoDateTime.optional(),
  until: isoDateTime.optional(),
  engagementId: filterId.optional(),
});

/**
 * `POST /v1/deliveries/retry {exportId?, status?, since?, until?, engagementId?}`: sends again the
 * group's failed and dead deliveries that match (at most 10,000 per call) → 202 `{retried, truncated}`.
 */
export function bulkRetry(deps: Deps): RequestHandler {
  return async (req, res) => {
    const body = parse(bodySchema, req.body);
    const answer = await retryMatching(
      deps,
      callerOf(req),
      {
        exportId: body.exportId,
        statuses: body.status === undefined ? undefined : [body.status].flat(),
        engagementId: body.engagementId,
        since: body.since ? new Date(body.since) : undefined,
        until: body.until ? new Date(body.until) : undefined,
      },
      requestIdOf(req),
    );
    res.status(202).json(answer);
  };
}
