import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';

/** What the database of a bench connector holds and takes on disk. */
export interface DatabaseSize {
  /** Bytes of the files (SQLite: the database and its WAL; PostgreSQL: every table and index of the schema). */
  fileBytes: number;
  /** Bytes in use: SQLite's pages in use (page_count − freelist_count); PostgreSQL: sizes less the free space VACUUM recorded. */
  liveBytes: number;
  deliveries: number;
}

export type DatabaseLocation =
  | { provider: 'sqlite'; file: string }
  | { provider: 'postgresql'; url: string; schema: string };

const fileSize = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/**
 * Reads the database's size from the outside (a read-only SQLite connection, or a PostgreSQL
 * client): the bench's own measurement, not the connector's.
 */
export async function databaseSize(at: DatabaseLocation): Promise<DatabaseSize> {
  if (at.provider === 'sqlite') {
    const c = new Database(at.file, { readonly: true, timeout: 5_000 });
    try {
      const pragma = (name: string) => Number(c.pragma(name, { simple: true }));
      const pageSize = pragma('page_size');
      const live = (pragma('page_count') - pragma('freelist_count')) * pageSize;
      const deliveries = (c.prepare('SELECT count(*) AS n FROM "deliveries"').get() as { n: number }).n;
      return { fileBytes: fileSize(at.file) + fileSize(`${at.file}-wal`), liveBytes: live, deliveries };
    } finally {
      c.close();
    }
  }
  return withPostgres(at, async (c) => {
    const { rows } = await c.query<{ bytes: string }>(
      `SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [at.schema],
    );
    const count = await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${at.schema}"."deliveries"`);
    const bytes = Number(rows[0]?.bytes ?? 0);
    return {
      fileBytes: bytes,
      liveBytes: await postgresUsedBytes(c, at.schema, bytes),
      deliveries: Number(count.rows[0]?.n ?? 0),
    };
  });
}

/**
 * PostgreSQL's counterpart of SQLite's pages in use: each table's and index's size less the free
 * space its free space map records (pg_freespacemap, a contrib module; filled by VACUUM), so space
 * VACUUM made reusable is not counted as data. Without the module (it needs the right to create
 * it), the sizes themselves.
 */
async function postgresUsedBytes(c: pg.Client, schema: string, fallback: number): Promise<number> {
  try {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_freespacemap');
    const { rows } = await c.query<{ used: string }>(
      `SELECT COALESCE(sum(pg_relation_size(c.oid) - (SELECT COALESCE(sum(avail), 0) FROM pg_freespace(c.oid::regclass))), 0) AS used
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'i')`,
      [schema],
    );
    return Number(rows[0]?.used ?? fallback);
  } catch {
    return fallback;
  }
}

/** Plain VACUUM (what autovacuum does) of the tables retention deletes from, so freed space is reusable and counted so. */
export async function vacuum(at: Extract<DatabaseLocation, { provider: 'postgresql' }>): Promise<void> {
  await withPostgres(at, async (c) => {
    for (const table of ['delivery_attempts', 'deliveries', 'engagements', 'audit_log']) {
      await c.query(`VACUUM (ANALYZE) "${at.schema}"."${table}"`);
    }
  });
}

export async function withPostgres<T>(at: { url: string }, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: at.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** PostgreSQL: each table's and index's size, largest first, with the table's vacuum counts. */
export async function postgresRelations(
  at: Extract<DatabaseLocation, { provider: 'postgresql' }>,
): Promise<{ name: string; bytes: number; vacuums: string }[]> {
  return withPostgres(at, async (c) => {
    const { rows } = await c.query<{ name: string; bytes: string; vacuums: string | null }>(
      `SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes,
         CASE WHEN c.relkind = 'r' THEN s.n_live_tup || ' live, ' || s.n_dead_tup || ' dead, '
           || s.autovacuum_count || ' autovacuums, ' || s.vacuum_count || ' vacuums' END AS vacuums
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'i') ORDER BY pg_relation_size(c.oid) DESC LIMIT 12`,
      [at.schema],
    );
    return rows.map((r) => ({ name: r.name, bytes: Number(r.bytes), vacuums: r.vacuums ?? '' }));
  });
}
