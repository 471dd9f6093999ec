import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.ts';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.ts';
import { resolveDatabase, type DatabaseTarget } from './target.ts';
import type { Config } from '../config.ts';

/**
 * The Prisma client the rest of the code uses. Both generated clients have the same models and
 * methods (they come from one schema), so one type serves both.
 */
export type Db = SqliteClient;
export type { Prisma } from './generated/sqlite/client.ts';

/** Opens the configured database through a driver adapter (no native Prisma engine needed). */
export async function createDb(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<Db> {
  return openDb(resolveDatabase(config));
}

const postgresPools = new WeakMap<Db, pg.Pool>();

/**
 * The PostgreSQL connection pool behind a client, for the few statements of the delivery hot path
 * that run as named prepared statements (deliveries/postgres-hot-path.ts); undefined on SQLite.
 */
export function postgresPoolOf(db: Db): pg.Pool | undefined {
  return postgresPools.get(db);
}

export async function openDb(target: DatabaseTarget): Promise<Db> {
  if (target.provider === 'postgresql') {
    // One pool for Prisma and the hot path; Prisma's $disconnect ends it.
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: 10,
      // The hot path's named statements (postgres-hot-path.ts) are planned on every execution. A
      // generic plan made while a table was small is kept until the next ANALYZE and, measured in
      // the bench, made the outcome statement scan `deliveries`: 8.6 ms per call instead of 2.9 ms
      // after 20,000 deliveries. Planning costs less than that. Prisma's statements are unnamed,
      // planned every time already.
      options: '-c plan_cache_mode=force_custom_plan',
    });
    const adapter = new PrismaPg(pool, {
      ...(target.schema ? { schema: target.schema } : {}),
      disposeExternalPool: true,
    });
    const db = new PostgresClient({ adapter }) as unknown as Db;
    postgresPools.set(db, pool);
    return db;
  }
  // busy timeout: a second process waits for SQLite's write lock instead of failing at once.
  const adapter = capturingConnection(new PrismaBetterSqlite3({ url: target.file, timeout: 10_000 }));
  const db = new SqliteClient({ adapter }) as unknown as Db;
  // WAL is persistent (set by the migration runner); synchronous is per connection.
  // WAL + NORMAL measured ≈ 2,800 inserts/s here against ≈ 600 with the default journal.
  await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  sqliteConnections.set(db, adapter.connection());
  return db;
}

const sqliteConnections = new WeakMap<Db, Database.Database>();

/**
 * The better-sqlite3 connection Prisma's adapter opened, for the delivery hot path's prepared
 * statements (deliveries/sqlite-hot-path.ts); undefined on PostgreSQL. One connection for both, so
 * that a process never waits on its own write lock (better-sqlite3 waits synchronously).
 */
export function sqliteConnectionOf(db: Db): Database.Database | undefined {
  return sqliteConnections.get(db);
}

/**
 * The adapter factory, keeping the connection it opens. The adapter keeps it as `client` and
 * offers no accessor: checked here, so a Prisma upgrade that moves it fails at start, loudly.
 */
function capturingConnection(factory: PrismaBetterSqlite3) {
  let opened: Database.Database | undefined;
  return {
    provider: factory.provider as 'sqlite',
    adapterName: factory.adapterName,
    connectToShadowDb: () => factory.connectToShadowDb(),
    connect: async () => {
      const adapter = await factory.connect();
      const client = (adapter as unknown as { client?: unknown }).client;
      if (!(client instanceof Database)) throw new Error("Prisma's SQLite adapter no longer exposes its connection");
      opened = client;
      return adapter;
    },
    connection: () => {
      if (!opened) throw new Error('the SQLite connection is not open yet');
      return opened;
    },
  };
}
