import type Database from 'better-sqlite3';
import type pg from 'pg';
import { postgresPoolOf, sqliteConnectionOf } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import type { ClaimedRow, ClaimKey, NewEngagement, OutcomeRow } from './hot-path-rows.ts';
import { claimRows, insertIngest, writeOutcomeRows } from './postgres-hot-path.ts';
import { claimRowsOnSqlite, insertIngestOnSqlite, writeOutcomeRowsOnSqlite } from './sqlite-hot-path.ts';
import { type TableNames, tableNamesOf } from './sql.ts';

export type { ClaimedRow, ClaimKey, NewEngagement, OutcomeRow } from './hot-path-rows.ts';

// The three statements every delivery goes through, on whichever database is configured: each
// has a PostgreSQL form (named prepared statements over arrays) and a SQLite form (better-sqlite3
// prepared statements in one transaction). Everything else goes through Prisma.

type HotDeps = Pick<Deps, 'db' | 'config'>;

type Connection =
  | { kind: 'postgresql'; pool: pg.Pool; names: TableNames }
  | { kind: 'sqlite'; sqlite: Database.Database };

function database(deps: HotDeps): Connection {
  const pool = postgresPoolOf(deps.db);
  if (pool) return { kind: 'postgresql', pool, names: tableNamesOf(deps) };
  const sqlite = sqliteConnectionOf(deps.db);
  if (!sqlite) throw new Error('the database client was not opened by openDb');
  return { kind: 'sqlite', sqlite };
}

/** New engagements (ids already received in their group are skipped) and their deliveries, by engagement id. */
export function insertEngagements(deps: HotDeps, engagements: NewEngagement[], now: Date) {
  const db = database(deps);
  return db.kind === 'postgresql'
    ? insertIngest(db.pool, db.names, engagements, now)
    : insertIngestOnSqlite(db.sqlite, engagements, now);
}

/** Claims the deliveries still in the state their wake-ups name, with their engagements. */
export function claimDeliveryRows(deps: HotDeps, keys: ClaimKey[], now: Date): Promise<ClaimedRow[]> {
  const db = database(deps);
  return db.kind === 'postgresql' ? claimRows(db.pool, db.names, keys, now) : claimRowsOnSqlite(db.sqlite, keys, now);
}

/** Records attempts and each delivery's new state, atomically. */
export function writeDeliveryOutcomes(deps: HotDeps, rows: OutcomeRow[], now: Date): Promise<void> {
  const db = database(deps);
  return db.kind === 'postgresql'
    ? writeOutcomeRows(db.pool, db.names, rows, now)
    : writeOutcomeRowsOnSqlite(db.sqlite, rows, now);
}
