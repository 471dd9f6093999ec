import type { RequestHandler } from 'express';
import { getDelivery } from '../../../core/deliveries/queries.ts';
import type { Deps } from '../../../core/deps.ts';
import { callerOf } from '../../../http/authenticate.ts';

/** `GET /v1/deliveries/:id`: one delivery with its attempts. */
export function showDelivery(deps: Deps): RequestHandler {
  return async (req, res) => {
    res.json(await getDelivery(deps, callerOf(req).groupId, String(req.params.id)));
  };
}
