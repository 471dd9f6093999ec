import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../../core/deps.ts';
import { MAX_ORIGINS_PER_GROUP, normalizeOrigins, replaceOrigins } from '../../../../core/groups/origins.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { parse } from '../../../../http/validate.ts';
import { groupOf } from '../caller-group.ts';

export const body = z.strictObject({ origins: z.array(z.string().max(300)).max(MAX_ORIGINS_PER_GROUP) });

/** `PUT /v1/groups/:group/origins` (admin): replaces the browser origins trusted for CORS; answers them normalized. */
export function putOrigins(deps: Deps): RequestHandler {
  return async (req, res) => {
    const origins = normalizeOrigins(parse(body, req.body).origins, deps.config.ALLOW_INSECURE_HTTP);
    const saved = await replaceOrigins(deps, groupOf(res).id, origins, callerOf(req));
    res.json({ origins: saved });
  };
}
