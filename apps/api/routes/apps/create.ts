import type { RequestHandler } from 'express';
import { z } from 'zod';
import { createApp } from '../../../core/auth/apps/apps.ts';
import type { Deps } from '../../../core/deps.ts';
import { PRIVILEGES } from '../../../core/groups/roles.ts';
import { callerOf } from '../../../http/authenticate.ts';
import { parse } from '../../../http/validate.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * A redirect URI (RFC 6749 §3.1.2): absolute, no fragment, https, or http on a loopback host
 * (RFC 8252 §7.3: an app on the member's own machine).
 */
const redirectUri = z
  .string()
  .trim()
  .max(2000)
  .refine((value) => {
    const url = URL.parse(value);
    if (!url || url.hash || value.includes('#')) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  }, 'must be an absolute https URL (http only on a loopback host) without a fragment');

export const body = z.strictObject({
  name: z.string().trim().min(1).max(100),
  redirectUris: z.array(redirectUri).min(1).max(10),
  privileges: z.array(z.enum(PRIVILEGES)).min(1),
});

/** `POST /v1/apps`: registers an app; the answer is the only place its client secret appears. */
export function createAppRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(body, req.body);
    const app = await createApp(deps, callerOf(req), input);
    res.set('Cache-Control', 'no-store');
    res.status(201).json(app);
  };
}
