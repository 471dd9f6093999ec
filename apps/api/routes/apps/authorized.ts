import type { RequestHandler } from 'express';
import { listAuthorizedApps, withdrawApp } from '../../../core/auth/apps/authorizations.ts';
import type { Deps } from '../../../core/deps.ts';
import { callerOf } from '../../../http/authenticate.ts';

/** `GET /v1/auth/apps`: the apps the calling member authorized in this group. */
export function listAuthorizedAppsRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ items: await listAuthorizedApps(deps, callerOf(req)) });
  };
}

/** `DELETE /v1/auth/apps/:id`: withdraws the member's authorization of an app; its tokens stop at once. */
export function withdrawAppRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    await withdrawApp(deps, callerOf(req), String(req.params.id));
    res.status(204).end();
  };
}
