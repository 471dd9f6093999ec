import type { RequestHandler } from 'express';
import { z } from 'zod';
import { putSsoProvider } from '../../../../core/auth/sso/config.ts';
import type { Deps } from '../../../../core/deps.ts';
import { ROLES } from '../../../../core/groups/roles.ts';
import { issuerProblem } from '../../../../core/net/url-policy.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { parse } from '../../../../http/validate.ts';

export const body = z.strictObject({
  // Judged raw first (no CR, LF or tab, no query or fragment): zod's URL check hands on the
  // parsed URL, from which the WHATWG parser has already dropped tab, CR and LF.
  issuer: z
    .string()
    .superRefine((value, ctx) => {
      const problem = issuerProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, abort: true });
    })
    .pipe(z.url({ protocol: /^https?$/ }).max(500)),
  clientId: z.string().trim().min(1).max(300),
  clientSecret: z.string().min(1).max(1000).optional(),
  defaultRole: z.enum(ROLES).optional(),
});

/**
 * `PUT /v1/groups/:group/sso` (admin): `{issuer, clientId, clientSecret, defaultRole?}`, the
 * OpenID Connect provider members sign in with; `defaultRole` is the role of members created on
 * first sign-in. Discovery is tried before saving; the answer names the redirect URI to register.
 */
export function putSsoRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(body, req.body);
    res.json(await putSsoProvider(deps, callerOf(req), input));
  };
}
