import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { sendTestNotification } from '../../../../core/notifications/test-event.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { groupOf } from '../caller-group.ts';

/**
 * `POST /v1/groups/:group/notifications/test` (admin): a `notification.test` event on each channel
 * of the group; answers how the first attempt on each went (one not sent is retried like any).
 */
export function testNotificationsRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    res.json(await sendTestNotification(deps, callerOf(req), groupOf(res)));
  };
}
