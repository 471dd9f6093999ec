import { recordAudit } from '../../audit.ts';
import { secretContext } from '../../crypto/contexts.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import type { Role } from '../../groups/roles.ts';
import { newId, randomToken } from '../../ids.ts';
import { afterCursor, newestFirst, type Page, toPage } from '../../pagination.ts';
import { assertMayGrantRole, auditActor, type Caller } from '../caller.ts';
import { revokeMemberTokens } from '../tokens/tokens.ts';

/**
 * Partners: another company's server that signs its own users in to one group with partner
 * login keys (`POST /v1/auth/token {partnerId, partnerUserId, loginKey}`). The admin who adds a
 * partner chooses the role its users get; the secret (`psk_…`) is shown once and stored
 * encrypted, because checking a login key's HMAC needs it.
 */

type PartnerDeps = Pick<Deps, 'db' | 'redis' | 'secretBox' | 'clock'>;

/** A partner as the API lists it: never its secret. */
export interface PartnerView {
  id: string;
  name: string;
  role: Role;
  status: 'active' | 'revoked';
  revokedAt: string | null;
  createdAt: string;
}

interface PartnerRow {
  id: string;
  name: string;
  role: string;
  revokedAt: Date | null;
  createdAt: Date;
}

function view(row: PartnerRow): PartnerView {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    status: row.revokedAt ? 'revoked' : 'active',
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Adds a partner to the actor's group; answers it with its secret, the only time it is shown. */
export async function createPartner(
  deps: PartnerDeps,
  actor: Caller,
  input: { name: string; role: Role },
): Promise<PartnerView & { secret: string }> {
  // Every user the partner signs in gets its role: the caller must hold all it carries.
  assertMayGrantRole(actor, input.role);
  const taken = await deps.db.partner.findFirst({ where: { groupId: actor.groupId, name: input.name } });
  if (taken) throw new AppError('PARTNER_EXISTS', `The group already has a partner named "${input.name}"`, 409);
  const id = newId('ptn');
  const secret = `psk_${randomToken(32)}`;
  const row = await deps.db.partner.create({
    data: {
      id,
      groupId: actor.groupId,
      name: input.name,
      role: input.role,
      secretEnc: deps.secretBox.encrypt(secret, secretContext.partnerSecret(id)),
      createdById: actor.id,
      createdAt: deps.clock.now(),
    },
  });
  await recordAudit(deps.db, {
    groupId: actor.groupId,
    ...auditActor(actor),
    action: 'partner.create',
    outcome: 'success',
    targetType: 'partner',
    targetId: id,
    details: { name: input.name, role: input.role },
  });
  return { ...view(row), secret };
}

/** The group's partners, newest first. */
export async function listPartners(
  deps: Pick<PartnerDeps, 'db'>,
  groupId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<PartnerView>> {
  const rows = await deps.db.partner.findMany({
    where: { groupId, ...afterCursor(page.cursor) },
    orderBy: newestFirst,
    take: page.limit + 1,
    select: { id: true, name: true, role: true, revokedAt: true, createdAt: true },
  });
  return toPage(rows, page.limit, view);
}

/**
 * Revokes a partner of the actor's group (404 otherwise): its login keys stop working and the
 * live tokens of every user it signed in are revoked in every API process.
 */
export async function revokePartner(deps: PartnerDeps, actor: Caller, partnerId: string): Promise<void> {
  const partner = await deps.db.partner.findFirst({
    where: { id: partnerId, groupId: actor.groupId },
    include: { users: { select: { userId: true } } },
  });
  if (!partner) throw notFound('Partner');
  if (partner.revokedAt) return;
  const now = deps.clock.now();
  await deps.db.partner.update({ where: { id: partner.id }, data: { revokedAt: now } });
  for (const user of partner.users) await revokeMemberTokens(deps.redis, user.userId, partner.groupId, now);
  await recordAudit(deps.db, {
    groupId: actor.groupId,
    ...auditActor(actor),
    action: 'partner.revoke',
    outcome: 'success',
    targetType: 'partner',
    targetId: partner.id,
    details: { name: partner.name, usersSignedOut: partner.users.length },
  });
}
