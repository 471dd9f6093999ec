import type { RequestHandler } from 'express';
import { resendDelivery } from '../../../core/deliveries/resend.ts';
import type { Deps } from '../../../core/deps.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { requestIdOf } from '../../../http/request-id.ts';
import { parse } from '../../../http/validate.ts';
import { noBody } from './filters.ts';

/** `POST /v1/deliveries/:id/resend`: a new delivery of the same engagement to the same export → 202 `{deliveryId}`. */
export function resendOne(deps: Deps): RequestHandler {
  return async (req, res) => {
    parse(noBody, req.body);
    const answer = await resendDelivery(deps, callerOf(req), String(req.params.id), requestIdOf(req));
    res.status(202).json(answer);
  };
}
