import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { getNotificationSetting } from '../../../../core/notifications/settings.ts';
import { groupOf } from '../caller-group.ts';

/** `GET /v1/groups/:group/notifications`: where the group's notifications go (never the signing secret). */
export function getNotificationsRoute(deps: Deps): RequestHandler {
  return async (_req, res) => {
    res.json(await getNotificationSetting(deps, groupOf(res).id));
  };
}
