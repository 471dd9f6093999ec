import type { RequestHandler } from 'express';
import type { SignInResult } from '../../../core/auth/tokens/issue.ts';
import type { Deps } from '../../../core/deps.ts';
import { signInWithCredential } from './credential-kinds.ts';

/** The answer of `POST /v1/auth/token` (docs/api/authentication.md), plus the group's id and the member's role. */
export function tokenAnswer(result: SignInResult) {
  return {
    token: result.token,
    expiresAt: result.claims.expiresAt.toISOString(),
    group: result.group.name,
    groupId: result.group.id,
    role: result.role,
    privileges: result.claims.privileges,
  };
}

/** `POST /v1/auth/token`: exchanges a credential for an authorization token for one group. */
export function issueToken(deps: Deps): RequestHandler {
  return async (req, res) => {
    const result = await signInWithCredential(deps, req, res);
    // RFC 6749 §5.1: answers carrying tokens must not be cached.
    res.set('Cache-Control', 'no-store');
    res.json(tokenAnswer(result));
  };
}
