import { AppError, forbidden } from '../errors.ts';
import { type Privilege, ROLE_PRIVILEGES, type Role } from '../groups/roles.ts';

/**
 * Who is calling, whatever the credential (member token, console cookie, API key signature, API
 * key login token, partner or SSO member): the one group it acts for, the privileges it holds
 * right now (a member's token narrowed to their current role), and who to name in the audit log.
 */
export interface Caller {
  groupId: string;
  kind: 'user' | 'api_key';
  /** The member's user id, or the API key's id. */
  id: string;
  privileges: readonly Privilege[];
  ip?: string | undefined;
  /**
   * How the credential came (authenticate.ts): an `Authorization: Bearer` token, the console's
   * cookie token, or an API key's request signature. Absent for a caller built outside a request.
   */
  via?: 'bearer' | 'cookie' | 'signature';
  /** The API key's name for a request signed with the key; tokens do not carry a username (auth/tokens/tokens.ts). */
  username?: string;
  /** The authorization token's id and expiry (bearer and cookie): what logout revokes. */
  tokenId?: string;
  tokenExpiresAt?: Date;
}

/** Throws a 403 unless the caller holds every listed privilege. */
export function assertPrivileges(caller: Caller, needed: readonly Privilege[]): void {
  const missing = needed.filter((p) => !caller.privileges.includes(p));
  if (missing.length) throw forbidden(`This action needs the privilege ${missing.join(', ')}`);
}

/** The member's user id; a caller that is no member (an API key) is refused with 403 MEMBER_REQUIRED. */
export function memberIdOf(caller: Caller, message: string): string {
  if (caller.kind !== 'user') throw new AppError('MEMBER_REQUIRED', message, 403);
  return caller.id;
}

/** The audit row's actor columns for this caller: the real credential, never a blank user. */
export function auditActor(caller: Caller) {
  return { actorType: caller.kind, actorId: caller.id, ip: caller.ip } as const;
}

/** The privileges in `wanted` that the caller does not hold itself. */
export function notHeld(caller: Caller, wanted: readonly Privilege[]): Privilege[] {
  return wanted.filter((p) => !caller.privileges.includes(p));
}

/**
 * Nobody grants what they do not hold: adding or re-roling a member, creating a partner or an API
 * key, or setting SSO's default role may give at most the caller's own privileges (403
 * PRIVILEGE_EXCEEDED otherwise). A role counts as the privileges it carries (roles.ts), so only a
 * caller holding every privilege can make an admin.
 */
export function assertMayGrant(caller: Caller, wanted: readonly Privilege[], what: string): void {
  const missing = notHeld(caller, wanted);
  if (missing.length) {
    throw new AppError(
      'PRIVILEGE_EXCEEDED',
      `You cannot grant ${what}: it carries privileges you do not hold (${missing.join(', ')})`,
      403,
      { title: 'You cannot grant more than you hold' },
    );
  }
}

/** `assertMayGrant` for a role: `what` names it in the refusal, e.g. `the role "admin"`. */
export function assertMayGrantRole(caller: Caller, role: Role, what = `the role "${role}"`): void {
  assertMayGrant(caller, ROLE_PRIVILEGES[role], what);
}

/**
 * Acting on a member who holds more than the caller (re-roling or removing them) is refused the
 * same way: otherwise a key that may manage members could demote or remove the group's admins.
 */
export function assertMayActOn(caller: Caller, role: Role, username: string): void {
  assertMayGrant(caller, ROLE_PRIVILEGES[role], `a change to ${username} (role "${role}")`);
}
