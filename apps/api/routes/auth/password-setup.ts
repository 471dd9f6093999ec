import type { RequestHandler } from 'express';
import { z } from 'zod';
import { completePasswordSetup } from '../../../core/auth/passwords/password-setup.ts';
import type { Deps } from '../../../core/deps.ts';
import { parse } from '../../../http/validate.ts';

export const body = z.strictObject({
  token: z.string().min(1).max(255),
  // As for every password the connector takes (members/add.ts): 8 to 1,024 characters.
  password: z.string().min(8).max(1024),
});

/**
 * `POST /v1/auth/password-setup {token, password}` (public: the one-time token from a member's
 * `setPasswordUrl` is the credential): sets the member's password once; 200 `{username, group}`.
 */
export function passwordSetupRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(body, req.body);
    const done = await completePasswordSetup(deps, { ...input, ip: req.ip });
    res.set('Cache-Control', 'no-store');
    res.json({ username: done.username, group: done.group.name });
  };
}
