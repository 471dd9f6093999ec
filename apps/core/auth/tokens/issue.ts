import type { Deps } from '../../deps.ts';
import { validationFailed } from '../../errors.ts';
import type { GroupRef } from '../../groups/lookup.ts';
import { ROLE_PRIVILEGES, type Role } from '../../groups/roles.ts';
import {
  type AuthTokenClaims,
  DEFAULT_TOKEN_MINUTES,
  issueAuthToken,
  MAX_TOKEN_MINUTES,
  MIN_TOKEN_MINUTES,
} from './tokens.ts';

/** What every way of signing in ends with: a token for one member of one group. */
export interface SignInResult {
  token: string;
  claims: AuthTokenClaims;
  group: GroupRef;
  /** The member's role in the group; null when the token acts for an API key, not a member. */
  role: Role | null;
}

/** Checks a requested lifetime in minutes (docs/api/authentication.md: 1–120, default 20); 400 naming `duration`. */
export function tokenMinutes(duration: number | undefined): number {
  if (duration === undefined) return DEFAULT_TOKEN_MINUTES;
  if (!Number.isInteger(duration) || duration < MIN_TOKEN_MINUTES || duration > MAX_TOKEN_MINUTES) {
    throw validationFailed([
      {
        field: 'duration',
        message: `must be a whole number of minutes from ${MIN_TOKEN_MINUTES} to ${MAX_TOKEN_MINUTES}`,
      },
    ]);
  }
  return duration;
}

/**
 * Issues the authorization token of a member whose credential has already been checked, with the
 * privileges of their role in that group. Every credential kind (password, login key, partner
 * login, SSO) ends here so tokens look the same whichever way the member came in.
 */
export async function issueMemberToken(
  deps: Pick<Deps, 'tokenSigningKey' | 'clock'>,
  member: { userId: string; username: string; group: GroupRef; role: Role },
  duration: number | undefined,
): Promise<SignInResult> {
  const { token, claims } = await issueAuthToken(
    deps.tokenSigningKey,
    {
      userId: member.userId,
      groupId: member.group.id,
      privileges: ROLE_PRIVILEGES[member.role],
    },
    tokenMinutes(duration),
    deps.clock.now(),
  );
  return { token, claims, group: member.group, role: member.role };
}
