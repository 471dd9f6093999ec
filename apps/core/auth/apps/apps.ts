import { recordAudit } from '../../audit.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { type Privilege, PRIVILEGES } from '../../groups/roles.ts';
import { newId, randomToken } from '../../ids.ts';
import { afterCursor, newestFirst, type Page, toPage } from '../../pagination.ts';
import { storedPrivileges } from '../api-keys/api-keys.ts';
import { assertMayGrant, auditActor, type Caller } from '../caller.ts';
import { revokeGrant } from './redis-storage.ts';

/**
 * Third-party apps (docs/api/third-party-apps.md): OAuth clients of the connector's own
 * authorization server, registered by a group's admin. An app may ask for at most the privileges
 * it was registered with, and a member consents to at most their own (consent.ts).
 */

type AppDeps = Pick<Deps, 'db' | 'redis' | 'secretBox' | 'clock'>;

/** The encryption context of an app's client secret (apps/core/crypto/contexts.ts names the others). */
export const appSecretContext = (appId: string) => `third-party-app:${appId}:client-secret`;

/** An app as the API shows it: never its secret. */
export interface AppView {
  id: string;
  clientId: string;
  name: string;
  redirectUris: string[];
  privileges: Privilege[];
  createdAt: string;
}

interface AppRow {
  id: string;
  clientId: string;
  name: string;
  redirectUris: string;
  privileges: string;
  createdAt: Date;
}

export function appView(row: AppRow): AppView {
  return {
    id: row.id,
    clientId: row.clientId,
    name: row.name,
    redirectUris: JSON.parse(row.redirectUris) as string[],
    privileges: storedPrivileges(row.privileges),
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Registers an app for the actor's group; it may carry only privileges the actor holds (403
 * PRIVILEGE_EXCEEDED). The answer is the only place the client secret appears: it is stored
 * encrypted (oidc-provider compares the secret a client sends with the stored one).
 */
export async function createApp(
  deps: AppDeps,
  actor: Caller,
  input: { name: string; redirectUris: string[]; privileges: Privilege[] },
): Promise<AppView & { clientSecret: string }> {
  assertMayGrant(actor, input.privileges, 'these privileges');
  const id = newId('app');
  // 32 random bytes each: 45 and 50 characters, far below the 255 every issued value stays under.
  const clientId = `cid_${randomToken(24)}`;
  const clientSecret = `cs_${randomToken(36)}`;
  const privileges = PRIVILEGES.filter((p) => input.privileges.includes(p));
  const redirectUris = [...new Set(input.redirectUris)];
  const row = await deps.db.thirdPartyApp.create({
    data: {
      id,
      groupId: actor.groupId,
      name: input.name,
      clientId,
      clientSecretEnc: deps.secretBox.encrypt(clientSecret, appSecretContext(id)),
      redirectUris: JSON.stringify(redirectUris),
      privileges: JSON.stringify(privileges),
      createdById: actor.id,
      createdAt: deps.clock.now(),
    },
  });
  await recordAudit(deps.db, {
    groupId: actor.groupId,
    ...auditActor(actor),
    action: 'app.create',
    outcome: 'success',
    targetType: 'app',
    targetId: id,
    details: { name: input.name, clientId, redirectUris, privileges },
  });
  return { ...appView(row), clientSecret };
}

/** The group's apps, newest first, without secrets. */
export async function listApps(
  deps: Pick<AppDeps, 'db'>,
  groupId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<AppView>> {
  const rows = await deps.db.thirdPartyApp.findMany({
    where: { groupId, ...afterCursor(page.cursor) },
    orderBy: newestFirst,
    take: page.limit + 1,
  });
  return toPage(rows, page.limit, appView);
}

/**
 * Deletes an app of the actor's group (404 for any other group's) and every consent to it; each
 * consent's grant is revoked in Redis with all its codes and tokens. Its access tokens stop at
 * once even before that: every request reads the consent row (app-token.ts), gone with the app.
 */
export async function deleteApp(deps: AppDeps, actor: Caller, appId: string): Promise<void> {
  const app = await deps.db.thirdPartyApp.findFirst({ where: { id: appId, groupId: actor.groupId } });
  if (!app) throw notFound('App');
  const grants = await deps.db.appAuthorization.findMany({ where: { appId }, select: { grantId: true } });
  // The consents go with the app (ON DELETE CASCADE).
  await deps.db.thirdPartyApp.delete({ where: { id: appId } });
  await Promise.all(grants.map((g) => revokeGrant(deps.redis, g.grantId)));
  await recordAudit(deps.db, {
    groupId: actor.groupId,
    ...auditActor(actor),
    action: 'app.delete',
    outcome: 'success',
    targetType: 'app',
    targetId: appId,
    details: { name: app.name, clientId: app.clientId, grantsRevoked: grants.length },
  });
}
