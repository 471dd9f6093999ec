import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../../core/deps.ts';
import { putOAuthConfig } from '../../../../core/exports/oauth-config.ts';
import { controlCharacterProblem } from '../../../../core/net/url-policy.ts';
import { parse } from '../../../../http/validate.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { exportIdOf, oauthConfigBody } from '../schemas.ts';

// RFC 7009 revocation endpoint: the same rules as the other URLs of the body (control characters
// refused raw, before trimming); its address policy is checked by the service. null: none.
const revocationUrl = z
  .string()
  .refine((value) => controlCharacterProblem(value) === null, 'must not contain control characters (CR, LF, tab)')
  .trim()
  .min(1, 'must not be empty')
  .max(2048)
  .nullable()
  .optional();

export const putBody = oauthConfigBody.extend({ revocationUrl });

/**
 * `PUT /v1/exports/:id/oauth` → 200 the configuration, the secret never (`clientSecretSet: true`).
 * A new client ID, token URL or authorization URL forgets (and revokes) the old client's tokens.
 */
export function putOAuth(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(putBody, req.body);
    res.json(await putOAuthConfig(deps, callerOf(req), exportIdOf(req), input));
  };
}
