import type { Request } from 'express';
import { z } from 'zod';
import type { Actor } from '../../../core/exports/export-service.ts';
import { authOf } from '../../middleware/auth-context.ts';

/** `:id` of every export route: ids are `exp_` + base64url; anything else cannot exist (404 later). */
export const exportIdOf = (req: Request): string => String(req.params.id ?? '');

/** The caller as the services record it (group, actor, address for the audit log). */
export function actorOf(req: Request): Actor {
  const auth = authOf(req);
  return {
    groupId: auth.groupId,
    type: auth.kind,
    id: auth.kind === 'api_key' ? (auth.apiKeyId ?? null) : (auth.userId ?? null),
    ip: req.ip,
  };
}

const name = z.string().trim().min(1, 'must not be empty').max(200);
// The reachability and address checks are async (DNS): the service runs them after this.
const url = z.string().trim().min(1, 'must not be empty').max(2048);

export const createExportBody = z.strictObject({
  name,
  webhookUrl: url,
  enabled: z.boolean().optional(),
});

export const updateExportBody = z
  .strictObject({
    name: name.optional(),
    webhookUrl: url.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one of name, webhookUrl, enabled');

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const scopeToken = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token (printable ASCII, no spaces, quotes or backslashes)');

export const oauthConfigBody = z.strictObject({
  authorizationUrl: url,
  tokenUrl: url,
  clientId: z.string().trim().min(1, 'must not be empty').max(500),
  clientSecret: z.string().min(1, 'must not be empty').max(2000).optional(),
  // The contract's array; a space-separated string (as the console's text field holds it) is accepted too.
  scopes: z
    .union([z.array(scopeToken).max(100), z.string().max(2000)])
    .transform((value) => (typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : value))
    .pipe(z.array(scopeToken).max(100))
    .optional(),
  tokenAuthMethod: z.enum(['client_secret_post', 'client_secret_basic']).optional(),
  issuer: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048)
    .nullable()
    .optional(),
});
