import type { Db } from '../core/db/client.ts';

/** How to create the first admin, as the start log and the sign-in page say it (docs/operations.md, "First run"). */
export const FIRST_ADMIN_HINT =
  'No member exists yet: create the first admin with `npm run admin -- create <group> <username>` ' +
  '(it asks for the password), or set BOOTSTRAP_GROUP, BOOTSTRAP_ADMIN_USERNAME and BOOTSTRAP_ADMIN_PASSWORD and restart.';

/** Whether the database holds no member at all (one indexed row read). */
export async function noMemberYet(db: Pick<Db, 'membership'>): Promise<boolean> {
  return (await db.membership.findFirst({ select: { id: true } })) === null;
}

/** How long the sign-in page trusts its last answer: a fresh admin sees the note go within seconds. */
const CACHE_MS = 5_000;

/**
 * `noMemberYet`, kept for a few seconds: the sign-in page is public, and a stream of requests to
 * it must not become a stream of queries. Once a member exists the answer never changes back in
 * practice (a group keeps its last admin), so it is then kept for good.
 */
export function cachedNoMemberYet(db: Pick<Db, 'membership'>): () => Promise<boolean> {
  let known: { value: boolean; at: number } | undefined;
  return async () => {
    const now = Date.now();
    if (known && (!known.value || now - known.at < CACHE_MS)) return known.value;
    // The database unreachable: no note this time, and nothing remembered.
    const value = await noMemberYet(db).catch(() => undefined);
    if (value === undefined) return false;
    known = { value, at: now };
    return value;
  };
}
