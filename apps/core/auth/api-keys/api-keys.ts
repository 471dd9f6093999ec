import { recordAudit } from '../../audit.ts';
import { secretContext } from '../../crypto/contexts.ts';
import type { Deps } from '../../deps.ts';
import { notFound, validationFailed } from '../../errors.ts';
import type { Privilege } from '../../groups/roles.ts';
import { PRIVILEGES } from '../../groups/roles.ts';
import { newId, randomToken } from '../../ids.ts';
import { afterCursor, newestFirst, type Page, toPage } from '../../pagination.ts';
import { assertMayGrant, auditActor, type Caller } from '../caller.ts';
import { revokeMemberTokens } from '../tokens/tokens.ts';

/**
 * Server API keys: an id (`apk_…`, public, sent with every request) and a secret (`sk_…`, shown
 * once). The secret is stored encrypted, not hashed: verifying an HMAC request signature needs
 * the secret itself (unlike a password), so it is AES-256-GCM with the row's own context.
 */

type KeyDeps = Pick<Deps, 'db' | 'redis' | 'secretBox' | 'clock'>;

/** A key as the API lists it: never its secret. */
export interface ApiKeyView {
  id: string;
  name: string;
  privileges: Privilege[];
  status: 'active' | 'revoked' | 'expired';
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

interface ApiKeyRow {
  id: string;
  name: string;
  privileges: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** The privileges stored on a key, keeping only those the connector still knows. */
export function storedPrivileges(column: string): Privilege[] {
  const parsed = JSON.parse(column) as unknown;
  return Array.isArray(parsed) ? PRIVILEGES.filter((p) => parsed.includes(p)) : [];
}

function statusOf(row: Pick<ApiKeyRow, 'revokedAt' | 'expiresAt'>, now: Date): ApiKeyView['status'] {
  if (row.revokedAt) return 'revoked';
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

function view(row: ApiKeyRow, now: Date): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    privileges: storedPrivileges(row.privileges),
    status: statusOf(row, now),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Creates a key for the actor's group. A key can carry only privileges its creator holds (no
 * escalation through a key: 403 PRIVILEGE_EXCEEDED). Answers the key with its secret: the only time the secret is shown.
 */
export async function createApiKey(
  deps: KeyDeps,
  actor: Caller,
  input: { name: string; privileges: Privilege[]; expiresAt?: Date | undefined },
): Promise<ApiKeyView & { secret: string }> {
  const now = deps.clock.now();
  assertMayGrant(actor, input.privileges, 'these privileges');
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    throw validationFailed([{ field: 'expiresAt', message: 'must be in the future' }]);
  }
  const id = newId('apk');
  const secret = `sk_${randomToken(32)}`;
  const privileges = PRIVILEGES.filter((p) => input.privileges.includes(p));
  const row = await deps.db.apiKey.create({
    data: {
      id,
      groupId: actor.groupId,
      name: input.name,
      privileges: JSON.stringify(privileges),
      secretEnc: deps.secretBox.encrypt(secret, secretContext.apiKeySecret(id)),
      expiresAt: input.expiresAt ?? null,
      createdById: actor.id,
      createdAt: now,
    },
  });
  await recordAudit(deps.db, {
    groupId: actor.groupId,
    ...auditActor(actor),
    action: 'api_key.create',
    outcome: 'success',
    targetType: 'api_key',
    targetId: id,
    details: { name: input.name, privileges, expiresAt: input.expiresAt?.toISOString() ?? null },
  });
  return { ...view(row, now), secret };
}

/** The group's keys, newest first, without secrets. */
export async function listApiKeys(
  deps: Pick<KeyDeps, 'db' | 'clock'>,
  groupId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<ApiKeyView>> {
  const rows = await deps.db.apiKey.findMany({
    where: { groupId, ...afterCursor(page.cursor) },
    orderBy: newestFirst,
    take: page.limit + 1,
    select: {
      id: true,
      name: true,
      privileges: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      createdAt: true,
    },
  });
  const now = deps.clock.now();
  return toPage(rows, page.limit, (row) => view(row, now));
}

/**
 * Revokes a key of the actor's group (404 for any other group's key). Requests it signs are
 * refused from now on, and so are the authorization tokens exchanged with its login keys
 * (revoked in Redis for every API process). Revoking twice is harmless.
 */
export async function revokeApiKey(deps: KeyDeps, actor: Caller, keyId: string): Promise<void> {
  const key = await deps.db.apiKey.findFirst({ where: { id: keyId, groupId: actor.groupId } });
  if (!key) throw notFound('API key');
  if (key.revokedAt) return;
  const now = deps.clock.now();
  await deps.db.apiKey.update({ where: { id: key.id }, data: { revokedAt: now } });
  await revokeMemberTokens(deps.redis, key.id, key.groupId, now);
  await recordAudit(deps.db, {
    groupId: actor.groupId,
    ...auditActor(actor),
    action: 'api_key.revoke',
    outcome: 'success',
    targetType: 'api_key',
    targetId: key.id,
    details: { name: key.name },
  });
}

/** A key ready to check a credential with: its row and decrypted secret. */
export interface UsableKey {
  id: string;
  groupId: string;
  name: string;
  privileges: Privilege[];
  expiresAt: Date | null;
  secret: string;
}

export type KeyRefusal = 'UNKNOWN' | 'REVOKED' | 'EXPIRED';

/** Loads a key by id for authentication: the key with its secret, or why it cannot be used. */
export async function loadUsableKey(
  deps: Pick<KeyDeps, 'db' | 'secretBox' | 'clock'>,
  keyId: string,
): Promise<{ key: UsableKey } | { refusal: KeyRefusal; groupId?: string }> {
  const row = await deps.db.apiKey.findUnique({ where: { id: keyId } });
  if (!row) return { refusal: 'UNKNOWN' };
  const status = statusOf(row, deps.clock.now());
  if (status === 'revoked') return { refusal: 'REVOKED', groupId: row.groupId };
  if (status === 'expired') return { refusal: 'EXPIRED', groupId: row.groupId };
  return {
    key: {
      id: row.id,
      groupId: row.groupId,
      name: row.name,
      privileges: storedPrivileges(row.privileges),
      expiresAt: row.expiresAt,
      secret: deps.secretBox.decrypt(row.secretEnc, secretContext.apiKeySecret(row.id)),
    },
  };
}

// A key's last use is for people ("is this key still used?"), so a write at most once a minute
// per key is enough and spares the database one write per signed request.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Records that a key was used, at most once a minute. */
export async function touchApiKey(deps: Pick<KeyDeps, 'db' | 'clock'>, keyId: string): Promise<void> {
  const now = deps.clock.now();
  await deps.db.apiKey.updateMany({
    where: {
      id: keyId,
      OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }],
    },
    data: { lastUsedAt: now },
  });
}
