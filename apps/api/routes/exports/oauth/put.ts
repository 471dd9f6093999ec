import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { putOAuthConfig } from '../../../../core/exports/oauth-config.ts';
import { parse } from '../../../../http/validate.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { exportIdOf, oauthConfigBody } from '../schemas.ts';

/** `PUT /v1/exports/:id/oauth` → 200 the configuration, the secret never (`clientSecretSet: true`). */
export function putOAuth(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(oauthConfigBody, req.body);
    res.json(await putOAuthConfig(deps, callerOf(req), exportIdOf(req), input));
  };
}
