import type { RequestHandler } from 'express';
import { sendTestEvent as sendTest } from '../../../core/deliveries/test-event.ts';
import type { Deps } from '../../../core/deps.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { requestIdOf } from '../../../http/request-id.ts';
import { parse } from '../../../http/validate.ts';
import { noBody } from '../deliveries/filters.ts';

/**
 * `POST /v1/exports/:id/test` ("Send test event"): a test event (`type: "engagement.test"`) to this
 * export alone, through its token, signature, flow control and log → 202 `{deliveryId}`.
 */
export function sendTestEvent(deps: Deps): RequestHandler {
  return async (req, res) => {
    parse(noBody, req.body);
    const answer = await sendTest(deps, callerOf(req), String(req.params.id), requestIdOf(req));
    res.status(202).json(answer);
  };
}
