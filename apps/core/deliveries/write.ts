import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { postgresPoolOf } from '../db/client.ts';
import { GroupCommit } from './group-commit.ts';
import { writeOutcomeRows } from './postgres-hot-path.ts';
import { Prisma, tablesOf } from './sql.ts';

/** One request sent (or that could not be sent), as `delivery_attempts` keeps it. */
export interface AttemptRow {
  attempt: number;
  startedAt: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseSnippet: string | null;
}

/** The delivery's state after an attempt (fields left out keep their value). */
export interface DeliveryUpdate {
  status: 'pending' | 'delivered' | 'failed' | 'dead' | 'parked';
  nextAttemptAt: Date | null;
  lastError: string | null;
  scheduleIndex?: number;
  lastStatusCode?: number | null;
}

/** What one finished attempt writes: its attempt rows and the delivery's new state. */
export interface OutcomeWrite {
  deliveryId: string;
  /** The attempt count the worker claimed the row at (the update is guarded by it). */
  claimedAttemptCount: number;
  attempts: AttemptRow[];
  update: DeliveryUpdate;
}

type WriteDeps = Pick<Deps, 'db' | 'config' | 'clock'>;

const writers = new WeakMap<object, GroupCommit<OutcomeWrite, true>>();

/**
 * Records attempts and the delivery's new state in one transaction, shared with the other
 * attempts finishing at the same time (group commit): their attempt rows go in one INSERT, and
 * deliveries ending the same way (typically: delivered at the first attempt) in one UPDATE.
 */
export async function writeOutcome(deps: WriteDeps, write: OutcomeWrite): Promise<void> {
  let writer = writers.get(deps.db);
  if (!writer) writers.set(deps.db, (writer = new GroupCommit((items) => writeBatch(deps, items))));
  await writer.submit(write);
}

async function writeBatch(deps: WriteDeps, items: OutcomeWrite[]): Promise<true[]> {
  const t = tablesOf(deps);
  const now = deps.clock.now();
  const pool = postgresPoolOf(deps.db);
  if (pool) {
    await writeOutcomeRows(
      pool,
      t.names,
      items.map((w) => ({
        deliveryId: w.deliveryId,
        claimedAttemptCount: w.claimedAttemptCount,
        attempts: w.attempts.map((a) => ({ ...a, id: newId('att') })),
        ...w.update,
        attemptCount: w.claimedAttemptCount + w.attempts.length,
      })),
      now,
    );
    return items.map(() => true as const);
  }
  const statements: Prisma.Sql[] = [];
  const attempts = items.flatMap((w) =>
    w.attempts.map(
      (a) =>
        Prisma.sql`(${newId('att')}, ${w.deliveryId}, ${a.attempt}, ${a.startedAt}, ${a.statusCode}, ${a.durationMs}, ${a.error}, ${a.responseSnippet})`,
    ),
  );
  if (attempts.length) {
    statements.push(Prisma.sql`
      INSERT INTO ${t.attempts} (id, delivery_id, attempt, started_at, status_code, duration_ms, error, response_snippet)
      VALUES ${Prisma.join(attempts)}`);
  }
  // Deliveries that end the same way share one UPDATE; the guard on the claimed attempt count
  // keeps a row another worker has moved on from being overwritten.
  const groups = new Map<string, OutcomeWrite[]>();
  for (const w of items) {
    const key = JSON.stringify([w.claimedAttemptCount, w.attempts.length, w.update]);
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  for (const group of groups.values()) {
    const [first] = group as [OutcomeWrite];
    const u = first.update;
    const sets = [
      Prisma.sql`status = ${u.status}`,
      Prisma.sql`attempt_count = ${first.claimedAttemptCount + first.attempts.length}`,
      Prisma.sql`next_attempt_at = ${u.nextAttemptAt}`,
      Prisma.sql`last_error = ${u.lastError}`,
      Prisma.sql`updated_at = ${now}`,
    ];
    if (u.scheduleIndex !== undefined) sets.push(Prisma.sql`schedule_index = ${u.scheduleIndex}`);
    if (u.lastStatusCode !== undefined) sets.push(Prisma.sql`last_status_code = ${u.lastStatusCode}`);
    if (u.status === 'delivered') sets.push(Prisma.sql`delivered_at = ${now}`);
    sets.push(u.status === 'parked' ? Prisma.sql`parked_at = ${now}` : Prisma.sql`parked_at = NULL`);
    statements.push(Prisma.sql`
      UPDATE ${t.deliveries} SET ${Prisma.join(sets)}
      WHERE attempt_count = ${first.claimedAttemptCount} AND id IN (${Prisma.join(group.map((w) => w.deliveryId))})`);
  }
  await deps.db.$transaction(statements.map((statement) => deps.db.$executeRaw(statement)));
  return items.map(() => true as const);
}
