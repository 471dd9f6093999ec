import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { rotateSigningSecret as rotate } from '../../../core/exports/export-service.ts';
import { parse } from '../../../http/validate.ts';
import { z } from 'zod';
import { callerOf } from '../../../http/authenticate.ts';
import { exportIdOf } from './schemas.ts';

// No body is expected; an empty object (or none) is fine, anything else is refused like elsewhere.
const body = z.strictObject({});

/** `POST /v1/exports/:id/signing-secret` → 200 `{signingSecret}`; the old one signs too for 24 h. */
export function rotateSigningSecret(deps: Deps): RequestHandler {
  return async (req, res) => {
    parse(body, req.body);
    res.set('Cache-Control', 'no-store');
    res.json(await rotate(deps, callerOf(req), exportIdOf(req)));
  };
}
