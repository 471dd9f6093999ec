import { z } from 'zod';
import { PRIVILEGES, ROLES } from '../../../core/groups/roles.ts';

// Building blocks of the answer schemas (docs/api/README.md "What every route shares"). Answers
// are zod objects rendered for output, so every object lists its fields and refuses others
// (`additionalProperties: false`): a field a route starts to answer must be documented here first.

/** An instant as the API writes it: `Date.toISOString()`, UTC with milliseconds. */
export const instant = z.iso
  .datetime()
  .meta({ description: 'ISO 8601 date-time (UTC)', example: '2026-01-31T12:00:00.000Z' });

export const role = z.enum(ROLES).meta({ id: 'Role', description: 'A member role (docs/api/authentication.md)' });
export const privilege = z
  .enum(PRIVILEGES)
  .meta({ id: 'Privilege', description: 'A privilege a role, key or app holds' });

/** `{items, nextCursor}`: pass `nextCursor` back as `?cursor=` for the next page; null on the last. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'The next page’s `?cursor=`; null on the last page' }),
  });
}

/** A list that is never paged: every item in one answer. */
export function unpaged<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.null() });
}
