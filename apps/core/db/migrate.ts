import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { projectPath } from '../paths.ts';
import type { DatabaseTarget } from './target.ts';

const MIGRATIONS_ROOT = projectPath('prisma/migrations');
// Any constant: the advisory lock that serialises migrating processes on PostgreSQL.
const PG_LOCK_KEY = 727_274_001;

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** The SQL files of one provider, in name order (those named up to `upTo` when given). */
export function migrationFiles(provider: DatabaseTarget['provider'], upTo?: string): MigrationFile[] {
  const dir = join(MIGRATIONS_ROOT, provider);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql') && (upTo === undefined || f <= upTo))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Brings the database to the current schema and returns the names it applied. Prisma's own
 * migrate cannot run offline here (docs/field-notes.md), so this is the project's runner: a table of
 * applied files with checksums, one transaction per file, and a lock so that processes starting
 * at once apply each file exactly once (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock).
 */
export async function migrate(target: DatabaseTarget, options: MigrateOptions = {}): Promise<string[]> {
  return target.provider === 'sqlite' ? migrateSqlite(target.file, options) : migratePostgres(target, options);
}

export interface MigrateOptions {
  /** Stop after this file (e.g. `0007_…sql`): tests that check a data migration build the data before it. */
  upTo?: string | undefined;
}

function checkApplied(files: MigrationFile[], applied: Map<string, string>): MigrationFile[] {
  for (const [name, checksum] of applied) {
    const file = files.find((f) => f.name === name);
    if (file && file.checksum !== checksum) {
      throw new Error(`Migration ${name} was changed after it was applied (checksum differs); add a new file instead`);
    }
  }
  return files.filter((f) => !applied.has(f.name));
}

const BUSY_TIMEOUT_MS = 30_000;

/**
 * Switching a new database to WAL needs it to itself, and when another process is switching it at
 * the same moment SQLite answers SQLITE_BUSY at once instead of waiting through the busy timeout
 * (test/integration/migrate-processes.int.test.ts saw "database is locked"). So the switch is
 * retried, every 25 ms, for as long as the busy timeout; migrations run synchronously, hence the
 * blocking wait.
 */
function enableWal(db: Database.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
  }
}

function migrateSqlite(file: string, options: MigrateOptions): string[] {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    enableWal(db);
    db.exec(
      'CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const files = migrationFiles('sqlite', options.upTo);
    const done: string[] = [];
    // BEGIN IMMEDIATE takes the write lock up front: a second process waits here, then sees
    // the rows the first one wrote and skips those files.
    db.exec('BEGIN IMMEDIATE');
    try {
      const rows = db.prepare('SELECT name, checksum FROM _migrations').all() as { name: string; checksum: string }[];
      for (const m of checkApplied(files, new Map(rows.map((r) => [r.name, r.checksum])))) {
        db.exec(m.sql);
        db.prepare('INSERT INTO _migrations (name, checksum, applied_at) VALUES (?, ?, ?)').run(
          m.name,
          m.checksum,
          new Date().toISOString(),
        );
        done.push(m.name);
      }
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    return done;
  } finally {
    db.close();
  }
}

async function migratePostgres(
  target: Extract<DatabaseTarget, { provider: 'postgresql' }>,
  options: MigrateOptions,
): Promise<string[]> {
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PG_LOCK_KEY]);
    if (target.schema) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${target.schema.replaceAll('"', '""')}"`);
      await client.query(`SET search_path TO "${target.schema.replaceAll('"', '""')}"`);
    }
    await client.query(
      'CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
    );
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM _migrations');
    const done: string[] = [];
    for (const m of checkApplied(
      migrationFiles('postgresql', options.upTo),
      new Map(rows.map((r) => [r.name, r.checksum])),
    )) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO _migrations (name, checksum, applied_at) VALUES ($1, $2, now())', [
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
      done.push(m.name);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PG_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}
