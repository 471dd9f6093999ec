import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, migrationFiles } from '../../apps/core/db/migrate.ts';
import { type DatabaseTarget, resolveDatabase } from '../../apps/core/db/target.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

// Several deployments' processes start at once on an empty database, each running the migrations
// (apps/core/db/migrate.ts): its lock (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL)
// must make exactly one of them apply each file. Each process is a separate OS process running
// test/helpers/migrate-process.ts; they load first and are released together, so their `migrate()`
// calls overlap instead of following each other a node start-up apart.

const PROCESSES = 4;
const SCRIPT = fileURLToPath(new URL('../helpers/migrate-process.ts', import.meta.url));

interface Migrator {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<{ code: number | null; applied: string[] | undefined; stderr: string }>;
}

function startMigrator(databaseUrl: string): Migrator {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let applied: string[] | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') markReady();
    else if (line.startsWith('{')) applied = (JSON.parse(line) as { applied: string[] }).applied;
  });
  const result = new Promise<{ code: number | null; applied: string[] | undefined; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, applied, stderr })),
  );
  // A process that dies before "ready" must fail the test, not leave it waiting.
  const readyOrDead = Promise.race([
    ready,
    result.then(({ code, stderr: err }) => {
      throw new Error(`a migrating process exited (${code}) before it was ready: ${err.slice(-2000)}`);
    }),
  ]);
  return { child, ready: readyOrDead, result };
}

/** Tables, columns, indexes and constraints as the database describes them, in a stable order. */
async function describeSchema(target: DatabaseTarget): Promise<string[]> {
  if (target.provider === 'sqlite') {
    const db = new Database(target.file, { readonly: true });
    try {
      const rows = db
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1, 2")
        .all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
      return rows.map((r) => `${r.type} ${r.tbl_name}.${r.name}: ${r.sql ?? ''}`);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    const schema = target.schema ?? 'public';
    const columns = await client.query<{ line: string }>(
      `SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' nullable=' || is_nullable
              || ' default=' || coalesce(column_default, '') AS line
         FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name`,
      [schema],
    );
    const indexes = await client.query<{ line: string }>(
      `SELECT 'index ' || tablename || '.' || indexname || ': ' || replace(indexdef, $1 || '.', '') AS line
         FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname`,
      [schema],
    );
    const constraints = await client.query<{ line: string }>(
      `SELECT 'constraint ' || c.conrelid::regclass::text || '.' || c.conname || ': ' || pg_get_constraintdef(c.oid) AS line
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = $1 ORDER BY c.conname`,
      [schema],
    );
    return [...columns.rows, ...indexes.rows, ...constraints.rows].map((r) => r.line.replaceAll(`${schema}.`, ''));
  } finally {
    await client.end();
  }
}

/** The `_migrations` rows, name and how many times each is there. */
async function migrationRows(target: DatabaseTarget): Promise<{ name: string; times: number }[]> {
  const sql = 'SELECT name, COUNT(*) AS times FROM _migrations GROUP BY name ORDER BY name';
  if (target.provider === 'sqlite') {
    const db = new Database(target.file, { readonly: true });
    try {
      return (db.prepare(sql).all() as { name: string; times: number }[]).map((r) => ({
        ...r,
        times: Number(r.times),
      }));
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    if (target.schema) await client.query(`SET search_path TO "${target.schema.replaceAll('"', '""')}"`);
    const { rows } = await client.query<{ name: string; times: string }>(sql);
    return rows.map((r) => ({ name: r.name, times: Number(r.times) }));
  } finally {
    await client.end();
  }
}

/** Every table the Prisma model maps (`@@map("…")` in prisma/schema.prisma). */
function modelTables(): string[] {
  const schema = readFileSync(fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url)), 'utf8');
  return [...schema.matchAll(/@@map\("([^"]+)"\)/g)].map((m) => m[1] as string).sort();
}

const providers: TestDatabase['provider'][] = process.env.TEST_POSTGRES_URL ? ['sqlite', 'postgresql'] : ['sqlite'];

describe.each(providers)('%s: processes starting at once on an empty database', (provider) => {
  const databases: TestDatabase[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const database of databases.splice(0)) await database.drop();
  });

  it(`applies each migration file exactly once across ${PROCESSES} migrating processes`, async () => {
    const database = await createTestDatabase(provider);
    databases.push(database);
    const target = resolveDatabase({ DATABASE_URL: database.url, DATA_DIR: '.' });
    const files = migrationFiles(provider).map((f) => f.name);
    expect(files.length).toBeGreaterThan(1);

    const migrators = Array.from({ length: PROCESSES }, () => startMigrator(database.url));
    children.push(...migrators.map((m) => m.child));
    await Promise.all(migrators.map((m) => m.ready));
    for (const m of migrators) m.child.stdin?.end('go\n');
    const results = await Promise.all(migrators.map((m) => m.result));

    for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const applied = results.map((r) => r.applied);
    // Every file applied by exactly one process …
    for (const file of files) expect(applied.filter((list) => list?.includes(file))).toHaveLength(1);
    // … and, as migrate.ts holds its lock for the whole run, by the same one; the others applied none.
    expect(applied.filter((list) => list?.length === 0)).toHaveLength(PROCESSES - 1);
    expect(applied.find((list) => list?.length)).toEqual(files);

    expect(await migrationRows(target)).toEqual(files.map((name) => ({ name, times: 1 })));

    // The schema is complete: every table of the Prisma model is there, and tables, columns,
    // indexes and constraints are exactly what one process migrating alone makes.
    const schema = await describeSchema(target);
    const tables = schema.filter((line) => line.startsWith('table ')).map((line) => line.split(/[ .]/)[1]);
    if (provider === 'sqlite') expect(tables).toEqual(expect.arrayContaining(modelTables()));
    else for (const table of modelTables()) expect(schema.some((l) => l.startsWith(`column ${table}.`))).toBe(true);
    const alone = await createTestDatabase(provider);
    databases.push(alone);
    const aloneTarget = resolveDatabase({ DATABASE_URL: alone.url, DATA_DIR: '.' });
    expect(await migrate(aloneTarget)).toEqual(files);
    expect(schema).toEqual(await describeSchema(aloneTarget));
  });
});
