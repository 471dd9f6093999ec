import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Prisma } from '../../apps/core/db/generated/sqlite/client.ts';
import { migrate } from '../../apps/core/db/migrate.ts';
import { projectPath } from '../../apps/core/paths.ts';

// The schema lives in three places kept by hand: prisma/schema.prisma (the model the generated
// clients are made from) and the SQL migrations of each database (prisma/migrations/<provider>/).
// This migrates a fresh database of each kind and compares what it holds (tables, columns, types,
// nullability, indexes) with the model, so that neither can drift from it unnoticed.
//
// The model is read from schema.prisma itself: Prisma 7's `prisma-client` generator ships no DMMF
// (its runtime data model has names and types but neither nullability nor indexes), and the DMMF
// parser lives only inside the Prisma CLI's bundle. The subset parsed here is the one the schema
// uses; anything else in a model line fails the test rather than being skipped.

interface Column {
  type: 'String' | 'Int' | 'BigInt' | 'DateTime' | 'Boolean';
  nullable: boolean;
}
interface Index {
  columns: string[];
  unique: boolean;
}
interface Table {
  columns: Record<string, Column>;
  /** By index name, the primary key left out (it is the `@id` column, checked with the columns). */
  indexes: Record<string, Index>;
  primaryKey: string[];
}
type Schema = Record<string, Table>;

const SCALARS = new Set(['String', 'Int', 'BigInt', 'DateTime', 'Boolean']);

/** The model as schema.prisma declares it, with Prisma's default index names (`<table>_<columns>_key|idx`). */
function modelSchema(): Schema {
  const text = readFileSync(projectPath('prisma/schema.prisma'), 'utf8');
  const schema: Schema = {};
  for (const [, name, body] of text.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const lines = (body as string)
      .split('\n')
      .map((l) => l.replace(/\/\/.*$/, '').trim())
      .filter(Boolean);
    const table = /@@map\("([^"]+)"\)/.exec(body as string)?.[1] ?? (name as string);
    const columnOf = new Map<string, string>();
    const columns: Record<string, Column> = {};
    const uniques: string[][] = [];
    const indexes: string[][] = [];
    let primaryKey: string[] = [];
    for (const line of lines) {
      if (line.startsWith('@@')) {
        const fields = /^@@(unique|index|id)\(\[([^\]]+)\]\)$/.exec(line);
        if (line.startsWith('@@map(')) continue;
        if (!fields) throw new Error(`schema-drift: unknown model attribute in ${name}: ${line}`);
        const list = (fields[2] as string).split(',').map((f) => f.trim());
        if (fields[1] === 'unique') uniques.push(list);
        else if (fields[1] === 'index') indexes.push(list);
        else primaryKey = list;
        continue;
      }
      const field = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!field) throw new Error(`schema-drift: unreadable field in ${name}: ${line}`);
      const [, fieldName = '', type = '', list, optional, attributes = ''] = field;
      if (!SCALARS.has(type)) {
        if (!/^[A-Z]/.test(type)) throw new Error(`schema-drift: unknown type ${type} in ${name}`);
        continue; // a relation: no column of its own
      }
      if (list) throw new Error(`schema-drift: scalar lists are not mapped here (${name}.${fieldName})`);
      const column = /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? fieldName;
      columnOf.set(fieldName, column);
      columns[column] = { type: type as Column['type'], nullable: Boolean(optional) };
      if (/@id\b/.test(attributes)) primaryKey = [fieldName];
      if (/@unique\b/.test(attributes)) uniques.push([fieldName]);
    }
    const toColumns = (fields: string[]) => fields.map((f) => columnOf.get(f) ?? f);
    const named: Record<string, Index> = {};
    for (const u of uniques) named[`${table}_${toColumns(u).join('_')}_key`] = { columns: toColumns(u), unique: true };
    for (const i of indexes) named[`${table}_${toColumns(i).join('_')}_idx`] = { columns: toColumns(i), unique: false };
    schema[table] = { columns, indexes: named, primaryKey: toColumns(primaryKey) };
  }
  return schema;
}

const SQLITE_TYPES: Record<string, Column['type']> = {
  TEXT: 'String',
  INTEGER: 'Int',
  BIGINT: 'BigInt',
  DATETIME: 'DateTime',
  BOOLEAN: 'Boolean',
};

async function sqliteSchema(): Promise<Schema> {
  const dir = mkdtempSync(join(tmpdir(), 'schema-drift-'));
  const file = join(dir, 'drift.db');
  try {
    await migrate({ provider: 'sqlite', file });
    const db = new Database(file, { readonly: true });
    try {
      const schema: Schema = {};
      const tables = db
        .prepare<[], { name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_migrations'",
        )
        .all();
      for (const { name } of tables) {
        const info = db
          .prepare<[], { name: string; type: string; notnull: number; pk: number }>(`PRAGMA table_info("${name}")`)
          .all();
        const columns: Record<string, Column> = {};
        for (const c of info) {
          const type = SQLITE_TYPES[c.type.toUpperCase()];
          if (!type) throw new Error(`schema-drift: SQLite type ${c.type} of ${name}.${c.name} has no model type`);
          columns[c.name] = { type, nullable: c.notnull === 0 };
        }
        const primaryKey = info
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name);
        const indexes: Record<string, Index> = {};
        const list = db
          .prepare<[], { name: string; unique: number; origin: string }>(`PRAGMA index_list("${name}")`)
          .all();
        for (const index of list.filter((i) => i.origin !== 'pk')) {
          const cols = db
            .prepare<[], { seqno: number; name: string }>(`PRAGMA index_info("${index.name}")`)
            .all()
            .sort((a, b) => a.seqno - b.seqno)
            .map((c) => c.name);
          indexes[index.name] = { columns: cols, unique: index.unique === 1 };
        }
        schema[name] = { columns, indexes, primaryKey };
      }
      return schema;
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function postgresType(dataType: string, precision: number | null): Column['type'] {
  if (dataType === 'text') return 'String';
  if (dataType === 'integer') return 'Int';
  if (dataType === 'bigint') return 'BigInt';
  if (dataType === 'boolean') return 'Boolean';
  // Prisma's DateTime on PostgreSQL: TIMESTAMP(3) without time zone, holding UTC.
  if (dataType === 'timestamp without time zone' && precision === 3) return 'DateTime';
  throw new Error(`schema-drift: PostgreSQL type ${dataType}(${precision}) has no model type`);
}

async function postgresSchema(url: string): Promise<Schema> {
  const name = `drift_${randomBytes(6).toString('hex')}`;
  await migrate({ provider: 'postgresql', connectionString: url, schema: name });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const schema: Schema = {};
    const { rows: columns } = await client.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: 'YES' | 'NO';
      datetime_precision: number | null;
    }>(
      `SELECT table_name, column_name, data_type, is_nullable, datetime_precision
       FROM information_schema.columns WHERE table_schema = $1 AND table_name <> '_migrations'`,
      [name],
    );
    for (const c of columns) {
      schema[c.table_name] ??= { columns: {}, indexes: {}, primaryKey: [] };
      (schema[c.table_name] as Table).columns[c.column_name] = {
        type: postgresType(c.data_type, c.datetime_precision),
        nullable: c.is_nullable === 'YES',
      };
    }
    const { rows: keys } = await client.query<{ table_name: string; column_name: string }>(
      `SELECT k.table_name, k.column_name FROM information_schema.table_constraints t
       JOIN information_schema.key_column_usage k
         ON k.constraint_name = t.constraint_name AND k.constraint_schema = t.constraint_schema
       WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = $1 AND t.table_name <> '_migrations'
       ORDER BY k.table_name, k.ordinal_position`,
      [name],
    );
    for (const k of keys) (schema[k.table_name] as Table).primaryKey.push(k.column_name);
    const { rows: indexes } = await client.query<{ tablename: string; indexname: string; indexdef: string }>(
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_migrations'`,
      [name],
    );
    for (const i of indexes) {
      if (i.indexname === `${i.tablename}_pkey`) continue;
      const cols = /\(([^)]+)\)\s*$/.exec(i.indexdef)?.[1];
      if (!cols) throw new Error(`schema-drift: unreadable index ${i.indexdef}`);
      (schema[i.tablename] as Table).indexes[i.indexname] = {
        columns: cols.split(',').map((c) => c.trim().replace(/^"|"$/g, '')),
        unique: /^CREATE UNIQUE INDEX/.test(i.indexdef),
      };
    }
    return schema;
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => undefined);
    await client.end();
  }
}

describe('the migrated schema of each database matches the Prisma model', () => {
  const model = modelSchema();

  it('reads the model (a sanity check of the parser)', () => {
    // Every model the generated client knows, and no other.
    expect(Object.keys(model)).toHaveLength(Object.keys(Prisma.ModelName).length);
    expect(model.deliveries?.columns.next_attempt_at).toEqual({ type: 'DateTime', nullable: true });
    expect(model.deliveries?.indexes.deliveries_engagement_id_export_id_idx).toEqual({
      columns: ['engagement_id', 'export_id'],
      unique: false,
    });
    expect(model.oauth_connections?.primaryKey).toEqual(['export_id']);
  });

  it('SQLite: tables, columns, types, nullability, primary keys and indexes', async () => {
    expect(await sqliteSchema()).toEqual(model);
  });

  it.runIf(Boolean(process.env.TEST_POSTGRES_URL))(
    'PostgreSQL: tables, columns, types, nullability, primary keys and indexes',
    async () => {
      expect(await postgresSchema(process.env.TEST_POSTGRES_URL as string)).toEqual(model);
    },
  );
});
