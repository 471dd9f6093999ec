import type { Request, Response } from 'express';
import { z } from 'zod';
import type { SignInResult } from '../../../core/auth/tokens/issue.ts';
import { signInWithPassword } from '../../../core/auth/passwords/sign-in.ts';
import { RateLimitedError } from '../../../core/auth/sign-in-limiter.ts';
import type { Deps } from '../../../core/deps.ts';
import { validationFailed } from '../../../core/errors.ts';
import { authenticate } from '../../../core/auth/authenticate.ts';
import { exchangeSession } from '../../../core/auth/tokens/session-exchange.ts';
import { credentialsOf } from '../../../http/authenticate.ts';
import { judgeCorsBy, judgeCorsByNamedGroup } from '../../../http/cors.ts';
import { AUTH_COOKIE } from '../../../http/session-cookies.ts';
import { parse } from '../../../http/validate.ts';
import { type CredentialKind, credentialKind, isKindOf } from './credential-kind.ts';
import {
  apiKeyLoginCredential,
  idTokenCredential,
  memberLoginCredential,
  partnerLoginCredential,
} from './key-credentials.ts';

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
 * discriminator first: `partnerId` before `keyId`/`loginKey`, a member login key's
 * `keyId` + `username` before an API key's own `keyId`).
 */
export const CREDENTIAL_KINDS: CredentialKind[] = [
  partnerLoginCredential,
  memberLoginCredential,
  apiKeyLoginCredential,
  idTokenCredential,
  passwordCredential,
];

/** Picks the credential kind of a body and parses it; a body that fits none is checked as a password sign-in. */
export function parseCredential(body: unknown): { kind: CredentialKind; credential: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationFailed([{ field: 'body', message: 'must be a JSON object' }]);
  }
  const kind = CREDENTIAL_KINDS.find((k) => isKindOf(k, body)) ?? passwordCredential;
  return { kind, credential: parse(kind.schema, body) };
}

/** `{duration?}` and nothing else, sent with the console's cookie (and no Authorization header). */
export const sessionBody = z.strictObject({ duration: z.number().int().min(1).max(120).optional() });

function isSessionExchange(req: Request): boolean {
  const cookies = req.cookies as Record<string, unknown> | undefined;
  return (
    req.get('authorization') === undefined &&
    cookies?.[AUTH_COOKIE] !== undefined &&
    sessionBody.safeParse(req.body ?? {}).success
  );
}

/**
 * Signs in with whatever credential the body carries; a rate-limited refusal gets `Retry-After`.
 * CORS (docs/api/cors.md) is judged by the group the body names, refusals included, so
 * that group's trusted page can read why; a body naming none is judged by the issued token's group.
 */
export async function signInWithCredential(deps: Deps, req: Request, res: Response): Promise<SignInResult> {
  if (isSessionExchange(req)) {
    // The session cookie itself, CSRF header included, is the credential (session-exchange.ts).
    const session = await authenticate(deps, credentialsOf(req));
    judgeCorsBy(res, session.groupId);
    return exchangeSession(deps, session, parse(sessionBody, req.body ?? {}).duration);
  }
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
