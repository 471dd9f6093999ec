import { recordAudit } from '../../audit.ts';
import type { Deps } from '../../deps.ts';
import type { GroupRef } from '../../groups/lookup.ts';
import type { Role } from '../../groups/roles.ts';
import { issueMemberToken, type SignInResult } from './issue.ts';

/**
 * The last step of a sign-in whose credential has been checked and whose member is known (SSO,
 * ID token, partner login key): issues the member's token and audits it as `auth.token.issue`.
 * `details` says what the credential adds to the audit row (never a secret); it receives the
 * result so it can name e.g. the token's expiry.
 */
export async function issueSignedInMemberToken(
  deps: Pick<Deps, 'db' | 'tokenSigningKey' | 'clock'>,
  signIn: {
    member: { userId: string; username: string; role: Role };
    group: GroupRef;
    minutes: number | undefined;
    ip: string;
    details: (result: SignInResult) => Record<string, unknown>;
  },
): Promise<SignInResult> {
  const { member, group } = signIn;
  const result = await issueMemberToken(deps, { ...member, group }, signIn.minutes);
  await recordAudit(deps.db, {
    groupId: group.id,
    actorType: 'user',
    actorId: member.userId,
    action: 'auth.token.issue',
    outcome: 'success',
    targetType: 'auth_token',
    targetId: result.claims.tokenId,
    ip: signIn.ip,
    details: signIn.details(result),
  });
  return result;
}

/** Audits a refused sign-in by a caller not yet known (`auth.token.issue`, outcome refused, its reason code). */
export async function auditRefusedSignIn(
  deps: Pick<Deps, 'db'>,
  refusal: { groupId: string | null; reason: string; ip: string; details: Record<string, unknown> },
): Promise<void> {
  await recordAudit(deps.db, {
    groupId: refusal.groupId,
    actorType: 'anonymous',
    action: 'auth.token.issue',
    outcome: 'refused',
    reason: refusal.reason,
    ip: refusal.ip,
    details: refusal.details,
  });
}
