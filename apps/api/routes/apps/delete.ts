import type { RequestHandler } from 'express';
import { deleteApp } from '../../../core/auth/apps/apps.ts';
import type { Deps } from '../../../core/deps.ts';
import { callerOf } from '../../../http/authenticate.ts';

/** `DELETE /v1/apps/:id`: deletes an app of the caller's group and revokes every token and grant it has. */
export function deleteAppRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    await deleteApp(deps, callerOf(req), String(req.params.id));
    res.status(204).end();
  };
}
