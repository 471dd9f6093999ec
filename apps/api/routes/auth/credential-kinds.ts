import type { Request, Response } from 'express';
import { z } from 'zod';
import type { SignInResult } from '../../../core/auth/tokens/issue.ts';
import { signInWithPassword } from '../../../core/auth/passwords/sign-in.ts';
import { RateLimitedError } from '../../../core/auth/sign-in-limiter.ts';
import type { Deps } from '../../../core/deps.ts';
import { validationFailed } from '../../../core/errors.ts';
import { judgeCorsBy, judgeCorsByNamedGroup } from '../../../http/cors.ts';
import { parse } from '../../../http/validate.ts';
import { type CredentialKind, credentialKind } from './credential-kind.ts';
import { apiKeyLoginCredential, idTokenCredential, partnerLoginCredential } from './key-credentials.ts';

const username = z.string().trim().min(1).max(100);

export const passwordCredential = credentialKind({
  name: 'password',
  discriminator: 'password',
  schema: z.strictObject({
    username,
    password: z.string().min(1).max(1024),
    group: z.string().trim().min(1).max(100).optional(),
    duration: z.number().int().min(1).max(120).optional(),
  }),
  signIn: (deps, body, context) => signInWithPassword(deps, { ...body, ip: context.ip }),
});

/**
 * Every credential kind, tried in order by discriminator. Login keys add `{keyId, loginKey}`,
 * `{partnerId, partnerUserId, loginKey}` and `{idToken}` here (put the more specific
 * discriminator first: `partnerId` before `keyId`/`loginKey`).
 */
export const CREDENTIAL_KINDS: CredentialKind[] = [
  partnerLoginCredential,
  apiKeyLoginCredential,
  idTokenCredential,
  passwordCredential,
];

/** Picks the credential kind of a body and parses it; a body that fits none is checked as a password sign-in. */
export function parseCredential(body: unknown): { kind: CredentialKind; credential: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationFailed([{ field: 'body', message: 'must be a JSON object' }]);
  }
  const kind = CREDENTIAL_KINDS.find((k) => k.discriminator in body) ?? passwordCredential;
  return { kind, credential: parse(kind.schema, body) };
}

/**
 * Signs in with whatever credential the body carries; a rate-limited refusal gets `Retry-After`.
 * CORS (docs/api/cors.md) is judged by the group the body names, refusals included, so
 * that group's trusted page can read why; a body naming none is judged by the issued token's group.
 */
export async function signInWithCredential(deps: Deps, req: Request, res: Response): Promise<SignInResult> {
  const named = await judgeCorsByNamedGroup(deps, req, res);
  const { kind, credential } = parseCredential(req.body);
  let result: SignInResult;
  try {
    result = await kind.signIn(deps, credential, { ip: req.ip ?? '' });
  } catch (error) {
    if (error instanceof RateLimitedError) res.set('Retry-After', String(error.retryAfterSeconds));
    throw error;
  }
  if (!named) judgeCorsBy(res, result.group.id);
  return result;
}
