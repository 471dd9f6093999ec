import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.ts';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.ts';
import { resolveDatabase, type DatabaseTarget } from './target.ts';
import { TransactionGate } from './transaction-gate.ts';
import type { Config } from '../config.ts';

/**
 * The Prisma client the rest of the code uses. Both generated clients have the same models and
 * methods (they come from one schema), so one type serves both.
 */
export type Db = SqliteClient;
export type { Prisma } from './generated/sqlite/client.ts';

/** The Prisma client alone (scripts and the bench, which need no delivery store). */
export async function createDb(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<Db> {
  return (await openDatabase(resolveDatabase(config))).db;
}

/** How long a query waits for a PostgreSQL connection (see openDatabase). */
export const DATABASE_CONNECT_TIMEOUT_MS = 1_500;
/** How long a SQLite statement waits for another process' write lock (see openDatabase). */
export const SQLITE_BUSY_TIMEOUT_MS = 1_000;

// node-postgres (pg and pg-pool): no connection within connectionTimeoutMillis, or the server went
// away under a connection.
const PG_MESSAGES = new Set([
  'timeout exceeded when trying to connect',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'Client has encountered a connection error and is not queryable',
]);
// PostgreSQL SQLSTATEs (postgresql.org/docs/current/errcodes-appendix.html): class 08 connection
// exception, 53300 too_many_connections, 57P01–57P03 shutting down or starting up.
const PG_UNAVAILABLE_STATE = /^(08...|53300|57P0[123])$/;
// Prisma's codes for the same (prisma.io/docs/orm/reference/error-reference): P1001 cannot reach
// the server, P1002 timed out, P1008 operation timed out (its adapter's name for SQLITE_BUSY), P1017
// server closed the connection, P2024 no connection from the pool in time, P2037 too many connections.
const PRISMA_UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
// Node's socket errors, as pg rejects with them when connecting. undici wraps its own in
// `TypeError: fetch failed` (an outbound call, not the database): not looked into.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether an error (or one of its causes) says the database could not be reached or could not
 * answer in time: the request answers 503, and it is worth trying again later.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    const { name: n, message: m, code: c, severity, syscall } = e as Record<string, unknown>;
    const name = typeof n === 'string' ? n : '';
    const message = typeof m === 'string' ? m : '';
    const code = typeof c === 'string' ? c : '';
    if (name === 'PrismaClientInitializationError') return true;
    if (name.startsWith('PrismaClient') && PRISMA_UNAVAILABLE_CODES.has(code)) return true;
    if (PG_MESSAGES.has(message)) return true;
    if (typeof severity === 'string' && PG_UNAVAILABLE_STATE.test(code)) return true;
    if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) return true;
    if (SOCKET_CODES.has(code) && typeof syscall === 'string') return true;
    if (name === 'TypeError' && message === 'fetch failed') return false;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** What the delivery store needs of the opened database to open its side of it. */
export type StoreConnection =
  | { provider: 'postgresql'; pool: pg.Pool; schema: string | undefined }
  | { provider: 'sqlite'; file: string; transactions: TransactionGate };

export interface OpenedDatabase {
  db: Db;
  store: StoreConnection;
}

/** Opens the configured database through a driver adapter (no native Prisma engine needed). */
export async function openDatabase(target: DatabaseTarget): Promise<OpenedDatabase> {
  if (target.provider === 'postgresql') {
    // One pool for Prisma and the delivery store; Prisma's $disconnect ends it.
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: 10,
      // A new connection (or a free one from a full pool) within this time, else the query fails
      // (pg-pool's connectionTimeoutMillis; its default waits forever). With the database
      // unreachable, a request answers 503 DEPENDENCY_UNAVAILABLE within the 2 s docs/operations.md promises instead
      // of hanging. Prisma's own wait for a transaction's connection (maxWait) is 2 s.
      connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS,
      // Dead connections are noticed by the operating system, not only by the next query.
      keepAlive: true,
      // The delivery store's named statements (deliveries/store/postgres/statements.ts) are
      // planned on every execution. A generic plan made while a table was small is kept until the
      // next ANALYZE and, measured in the bench, made the outcome statement scan `deliveries`:
      // 8.6 ms per call instead of 2.9 ms after 20,000 deliveries. Planning costs less than that.
      // Prisma's statements are unnamed, planned every time already.
      options: '-c plan_cache_mode=force_custom_plan',
    });
    // An idle connection the server closed (a restart, a failover) is dropped by the pool and
    // reported here; without a listener node-postgres' 'error' event would end the process. The
    // next query opens a new connection.
    pool.on('error', () => undefined);
    const adapter = new PrismaPg(pool, {
      ...(target.schema ? { schema: target.schema } : {}),
      disposeExternalPool: true,
    });
    // Both generated clients have the same models and methods (one schema), but TypeScript sees
    // two unrelated classes: the PostgreSQL one is used through the SQLite one's type (see Db).
    const db = new PostgresClient({ adapter }) as unknown as Db;
    return { db, store: { provider: 'postgresql', pool, schema: target.schema } };
  }
  // busy timeout: a second process (start:api beside start:workers) waits for SQLite's write lock
  // instead of failing at once, but not longer than a request may take: better-sqlite3 waits
  // synchronously, holding this process' event loop, and a lock held longer answers 503
  // DEPENDENCY_UNAVAILABLE (Prisma's P1008) instead (docs/operations.md: 503 within 2 s).
  const transactions = new TransactionGate();
  const adapter = countingTransactions(
    new PrismaBetterSqlite3({ url: target.file, timeout: SQLITE_BUSY_TIMEOUT_MS }),
    transactions,
  );
  const db = new SqliteClient({ adapter });
  // WAL is persistent (set by the migration runner); synchronous is per connection.
  // WAL + NORMAL measured ≈ 2,800 inserts/s here against ≈ 600 with the default journal.
  await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  return { db, store: { provider: 'sqlite', file: target.file, transactions } };
}

type AdapterFactory = PrismaBetterSqlite3;
type Adapter = Awaited<ReturnType<AdapterFactory['connect']>>;
type Transaction = Awaited<ReturnType<Adapter['startTransaction']>>;

/**
 * The adapter factory, with every interactive transaction counted on `gate` from its start to its
 * commit or rollback. Only the driver adapter interface Prisma calls is used; the adapter's
 * methods run on the adapter itself (they use its private fields), hence the binding.
 */
function countingTransactions(factory: AdapterFactory, gate: TransactionGate): AdapterFactory {
  const bound = <T extends object>(target: T, overrides: Partial<T>): T =>
    new Proxy(target, {
      get(object, key) {
        if (Object.hasOwn(overrides, key)) return overrides[key as keyof T];
        const value = Reflect.get(object, key, object);
        return typeof value === 'function' ? value.bind(object) : value;
      },
    });
  const ended = (tx: Transaction): Transaction => {
    let left = false;
    const leave = () => {
      if (!left) gate.leave();
      left = true;
    };
    return bound(tx, {
      commit: () => tx.commit().finally(leave),
      rollback: () => tx.rollback().finally(leave),
    });
  };
  return bound(factory, {
    connect: async () => {
      const adapter = await factory.connect();
      return bound(adapter, {
        startTransaction: async (...args: Parameters<Adapter['startTransaction']>) => {
          gate.enter();
          try {
            return ended(await adapter.startTransaction(...args));
          } catch (error) {
            gate.leave();
            throw error;
          }
        },
      });
    },
  });
}
