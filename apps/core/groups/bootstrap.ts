import { recordAudit } from '../audit.ts';
import { hashPassword } from '../crypto/hashing.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';

/**
 * On a start with an empty database, creates BOOTSTRAP_GROUP with BOOTSTRAP_ADMIN_USERNAME as its
 * admin (docs/operations.md). Two processes starting at once: the unique group name makes
 * the second insert fail, which is taken as "already done".
 */
export async function bootstrapGroup(deps: Pick<Deps, 'config' | 'db' | 'logger'>): Promise<void> {
  const {
    BOOTSTRAP_GROUP: group,
    BOOTSTRAP_ADMIN_USERNAME: username,
    BOOTSTRAP_ADMIN_PASSWORD: password,
  } = deps.config;
  if (!group || !username || !password) return;
  if ((await deps.db.group.count()) > 0) return;
  const passwordHash = await hashPassword(password);
  try {
    await deps.db.$transaction(async (tx) => {
      const groupId = newId('grp');
      await tx.group.create({ data: { id: groupId, name: group } });
      const userId = newId('usr');
      await tx.user.create({ data: { id: userId, username, passwordHash, homeGroupId: groupId } });
      await tx.membership.create({ data: { id: newId('mem'), groupId, userId, role: 'admin' } });
    });
  } catch (error) {
    if ((await deps.db.group.count()) > 0) return;
    throw error;
  }
  await recordAudit(deps.db, {
    actorType: 'system',
    action: 'group.bootstrap',
    outcome: 'success',
    targetType: 'group',
    details: { group, username },
  });
  deps.logger.info({ group, username }, 'bootstrap: created the group and its admin');
}
