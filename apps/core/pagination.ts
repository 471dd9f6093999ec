import { z } from 'zod';
import { AppError } from './errors.ts';

/** A page of a list answer, as docs/api/README.md shapes it: `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The position after the last row of a page: rows are ordered newest first, ties broken by id. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=` of every list route (strings, as Express's simple query parser gives them). */
export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(200).optional(),
});

/** Encodes a position as an opaque cursor (base64url JSON), so clients cannot depend on its shape. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ t: position.createdAt.toISOString(), i: position.id })).toString('base64url');
}

/** Decodes a cursor made by `encodeCursor`; a cursor that was tampered with answers 400 naming the field. */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const { t, i } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t: unknown; i: unknown };
    const createdAt = new Date(String(t));
    if (typeof i !== 'string' || typeof t !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error();
    return { createdAt, id: i };
  } catch {
    throw new AppError('VALIDATION_FAILED', 'cursor: is not a cursor this API returned', 400, {
      errors: [{ field: 'cursor', message: 'is not a cursor this API returned' }],
      title: 'The request is not valid',
    });
  }
}

/** The Prisma `where` fragment selecting rows strictly after a position (newest-first order). */
export function afterCursor(cursor: string | undefined) {
  if (!cursor) return {};
  const { createdAt, id } = decodeCursor(cursor);
  return { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] };
}

/** The newest-first order every cursor list uses. */
export const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/**
 * Cuts a page from rows fetched with `take: limit + 1`: the extra row only tells whether another
 * page exists, so the last page answers `nextCursor: null` without a second query.
 */
export function toPage<R extends CursorPosition, T>(rows: R[], limit: number, view: (row: R) => T): Page<T> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(view),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}
