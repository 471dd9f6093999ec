import { recordAudit } from '../audit.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { isUniqueViolation } from './unique-violation.ts';

export interface GroupOfMember {
  id: string;
  name: string;
  role: string;
  joinedAt: Date;
  createdAt: Date;
}

/** Every group the user belongs to, with their role in each, oldest membership first. */
export async function listGroupsOf(deps: Pick<Deps, 'db'>, userId: string): Promise<GroupOfMember[]> {
  const memberships = await deps.db.membership.findMany({
    where: { userId },
    select: { role: true, createdAt: true, group: { select: { id: true, name: true, createdAt: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return memberships.map((m) => ({ ...m.group, role: m.role, joinedAt: m.createdAt }));
}

/** Creates a group with the user as its first admin (docs/api/groups-and-members.md `POST /v1/groups`); 409 when the name is taken. */
export async function createGroup(
  deps: Pick<Deps, 'db'>,
  input: { name: string; userId: string; ip?: string | undefined },
): Promise<GroupOfMember> {
  const id = newId('grp');
  try {
    const [group, membership] = await deps.db.$transaction([
      deps.db.group.create({ data: { id, name: input.name } }),
      deps.db.membership.create({ data: { id: newId('mem'), groupId: id, userId: input.userId, role: 'admin' } }),
    ]);
    await recordAudit(deps.db, {
      groupId: id,
      actorType: 'user',
      actorId: input.userId,
      action: 'group.create',
      outcome: 'success',
      targetType: 'group',
      targetId: id,
      ip: input.ip,
      details: { name: input.name },
    });
    return { id, name: group.name, role: membership.role, joinedAt: membership.createdAt, createdAt: group.createdAt };
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError('GROUP_NAME_TAKEN', `A group named "${input.name}" already exists`, 409);
    }
    throw error;
  }
}
