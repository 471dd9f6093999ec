import { sha256Hex } from '../../crypto/hashing.ts';
import type { Db } from '../../db/client.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { currentRole } from '../../groups/lookup.ts';
import { isRole, type Role } from '../../groups/roles.ts';
import { newId } from '../../ids.ts';

/** What a validated ID token says about the person (OIDC Core §2 and §5.1). */
export interface SsoIdentityClaims {
  issuer: string;
  subject: string;
  email?: string | undefined;
  emailVerified?: boolean | undefined;
  preferredUsername?: string | undefined;
}

/** The identity a verified ID token's claims describe (OIDC Core §5.1); `issuer` is the one it was verified against. */
export function identityFromClaims(issuer: string, claims: Record<string, unknown>): SsoIdentityClaims {
  return {
    issuer,
    subject: String(claims.sub),
    email: typeof claims.email === 'string' ? claims.email : undefined,
    emailVerified: claims.email_verified === true,
    preferredUsername: typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined,
  };
}

/** The member an identity signs in as. */
export interface SsoMember {
  userId: string;
  username: string;
  role: Role;
  /** True when this sign-in created the membership (just-in-time provisioning). */
  created: boolean;
}

/**
 * The member behind an identity provider's user in one group. The person is `iss` + `sub`
 * (OIDC Core §5.7: only that pair is stable and unique; an email can be reassigned), linked in
 * `sso_identities`. First sign-in: a new member with the group's default role and an identity of
 * this group's own, even when the same iss + sub signed in to another group: credentials belong
 * to one group's membership (docs/api/groups-and-members.md), so another group's password must not
 * come along. Never adopts an existing user by name or email, which would let whoever controls
 * the IdP take over an account. Returns null
 * when the identity's member was removed by an admin (re-adding them is the admin's call).
 */
export async function ssoMember(
  deps: Pick<Deps, 'db'>,
  group: { id: string; defaultRole: string },
  identity: SsoIdentityClaims,
): Promise<SsoMember | null> {
  const { db } = deps;
  const linked = await db.ssoIdentity.findUnique({
    where: { groupId_issuer_subject: { groupId: group.id, issuer: identity.issuer, subject: identity.subject } },
  });
  if (linked) {
    const role = await currentRole(db, linked.userId, group.id);
    if (!role) return null;
    const user = await db.user.findUniqueOrThrow({ where: { id: linked.userId }, select: { username: true } });
    return { userId: linked.userId, username: user.username, role, created: false };
  }
  const role: Role = isRole(group.defaultRole) ? group.defaultRole : 'viewer';
  try {
    return await db.$transaction(async (tx) => {
      const userId = newId('usr');
      const username = await freeUsername(tx, group.id, identity);
      await tx.user.create({ data: { id: userId, username, homeGroupId: group.id } });
      await tx.membership.create({ data: { id: newId('mem'), groupId: group.id, userId, role } });
      await tx.ssoIdentity.create({
        data: { id: newId('sid'), groupId: group.id, issuer: identity.issuer, subject: identity.subject, userId },
      });
      return { userId, username, role, created: true };
    });
  } catch (cause) {
    // Two first sign-ins at once: the unique (group, iss, sub) lets one create; use its member.
    const winner = await db.ssoIdentity.findUnique({
      where: { groupId_issuer_subject: { groupId: group.id, issuer: identity.issuer, subject: identity.subject } },
    });
    if (winner) return ssoMember(deps, group, identity);
    throw new AppError('SSO_PROVISIONING_FAILED', 'The member could not be created; try again', 409, { cause });
  }
}

const USERNAME_MAX = 100;

/**
 * A readable username unused in the group: the verified email, else `preferred_username`, else the subject;
 * when that is taken, the same with a short hash of iss + sub, so it stays unique and stable.
 */
async function freeUsername(
  db: Pick<Db, 'user' | 'membership'>,
  groupId: string,
  identity: SsoIdentityClaims,
): Promise<string> {
  const base = (
    (identity.emailVerified ? identity.email : undefined) ??
    identity.preferredUsername ??
    identity.subject
  ).slice(0, USERNAME_MAX - 8);
  const suffixed = `${base}#${sha256Hex(`${identity.issuer}\n${identity.subject}`).slice(0, 6)}`;
  for (const candidate of [base, suffixed]) {
    // Unused by this group's identities and by its members (a founder's identity comes from elsewhere).
    const taken =
      (await db.user.findFirst({ where: { homeGroupId: groupId, username: candidate }, select: { id: true } })) ??
      (await db.membership.findFirst({ where: { groupId, user: { username: candidate } }, select: { id: true } }));
    if (!taken) return candidate;
  }
  throw new AppError('SSO_USERNAME_TAKEN', `No free username for this identity ("${base}" is taken)`, 409);
}
