import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../../core/deps.ts';
import { checkOAuthConfiguration as check } from '../../../../core/oauth/configuration-check.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { parse } from '../../../../http/validate.ts';
import { exportIdOf } from '../schemas.ts';

// No body is expected; an empty object (or none) is fine, anything else is refused like elsewhere.
const body = z.strictObject({});

/**
 * `POST /v1/exports/:id/oauth/check` → 200 `{authorizationEndpoint: {reachable, detail},
 * tokenEndpoint: {reachable, clientAuthentication, detail}}`; 409 OAUTH_NOT_CONFIGURED before
 * "Configure OAuth". Stores nothing (docs/api/exports.md, "Check configuration").
 */
export function checkOAuthConfiguration(deps: Deps): RequestHandler {
  return async (req, res) => {
    parse(body, req.body);
    res.set('Cache-Control', 'no-store');
    res.json(await check(deps, callerOf(req), exportIdOf(req)));
  };
}
