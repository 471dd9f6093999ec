import { recordAudit } from '../../audit.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import type { Privilege } from '../../groups/roles.ts';
import { storedPrivileges } from '../api-keys/api-keys.ts';
import { auditActor, type Caller, memberIdOf } from '../caller.ts';
import { revokeGrant } from './redis-storage.ts';

/**
 * Members' consents to apps: one row per oidc-provider grant (consent.ts writes it before the
 * code is issued). A row is what keeps an app's tokens working: withdrawing it, or deleting the
 * app, stops them at once in every process (app-token.ts reads it on every request).
 */

type ConsentDeps = Pick<Deps, 'db' | 'redis' | 'clock'>;

/** An app as its consenting member sees it in `GET /v1/auth/apps`. */
export interface AuthorizedAppView {
  id: string;
  name: string;
  /** What the member allowed (their role at each request may narrow it further). */
  privileges: Privilege[];
  authorizedAt: string;
}

export async function recordAuthorization(
  deps: Pick<Deps, 'db' | 'clock'>,
  consent: { grantId: string; appId: string; groupId: string; userId: string; privileges: Privilege[]; ip?: string },
): Promise<void> {
  await deps.db.appAuthorization.create({
    data: {
      grantId: consent.grantId,
      appId: consent.appId,
      groupId: consent.groupId,
      userId: consent.userId,
      privileges: JSON.stringify(consent.privileges),
      createdAt: deps.clock.now(),
    },
  });
  await recordAudit(deps.db, {
    groupId: consent.groupId,
    actorType: 'user',
    actorId: consent.userId,
    ip: consent.ip,
    action: 'app.authorize',
    outcome: 'success',
    targetType: 'app',
    targetId: consent.appId,
    details: { privileges: consent.privileges },
  });
}

/** The apps the calling member authorized in this group, one entry per app (its latest consent). */
export async function listAuthorizedApps(deps: Pick<Deps, 'db'>, caller: Caller): Promise<AuthorizedAppView[]> {
  const userId = memberIdOf(caller, 'Only a member authorizes apps');
  const rows = await deps.db.appAuthorization.findMany({
    where: { groupId: caller.groupId, userId },
    orderBy: [{ createdAt: 'desc' }, { grantId: 'desc' }],
    select: { createdAt: true, privileges: true, app: { select: { id: true, name: true } } },
  });
  const seen = new Map<string, AuthorizedAppView>();
  for (const row of rows) {
    if (seen.has(row.app.id)) continue;
    seen.set(row.app.id, {
      id: row.app.id,
      name: row.app.name,
      privileges: storedPrivileges(row.privileges),
      authorizedAt: row.createdAt.toISOString(),
    });
  }
  return [...seen.values()];
}

/** Withdraws every consent the calling member gave the app (404 when there is none): its tokens stop at once. */
export async function withdrawApp(deps: ConsentDeps, caller: Caller, appId: string): Promise<void> {
  const userId = memberIdOf(caller, 'Only a member authorizes apps');
  const where = { appId, groupId: caller.groupId, userId };
  const grants = await deps.db.appAuthorization.findMany({ where, select: { grantId: true } });
  if (!grants.length) throw notFound('Authorized app');
  await deps.db.appAuthorization.deleteMany({ where });
  await Promise.all(grants.map((g) => revokeGrant(deps.redis, g.grantId)));
  await recordAudit(deps.db, {
    groupId: caller.groupId,
    ...auditActor(caller),
    action: 'app.withdraw',
    outcome: 'success',
    targetType: 'app',
    targetId: appId,
    details: { grantsRevoked: grants.length },
  });
}

/** A grant oidc-provider revoked itself (refresh token reuse, RFC 7009 revocation): its consent goes too. */
export async function forgetAuthorization(deps: Pick<Deps, 'db'>, grantId: string): Promise<void> {
  await deps.db.appAuthorization.deleteMany({ where: { grantId } });
}
