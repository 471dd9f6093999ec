import type { RequestHandler } from 'express';
import { deliveryView } from '../../../core/deliveries/queries.ts';
import { retryDelivery } from '../../../core/deliveries/retry.ts';
import type { Deps } from '../../../core/deps.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { requestIdOf } from '../../../http/request-id.ts';
import { parse } from '../../../http/validate.ts';
import { noBody } from './filters.ts';

/** `POST /v1/deliveries/:id/retry`: send a failed or dead delivery again → 202 the delivery. */
export function retryOne(deps: Deps): RequestHandler {
  return async (req, res) => {
    parse(noBody, req.body);
    const row = await retryDelivery(deps, callerOf(req), String(req.params.id), requestIdOf(req));
    res.status(202).json(deliveryView(row));
  };
}
