import { resolveDatabase } from '../db/target.ts';
import { Prisma } from '../db/generated/sqlite/client.ts';
import type { Deps } from '../deps.ts';

export { Prisma };

/** The tables the hot paths write with raw SQL, schema-qualified on PostgreSQL. */
export interface Tables {
  /** PostgreSQL can do a batch in one statement (data-modifying CTEs, UPDATE … FROM … RETURNING). */
  provider: 'sqlite' | 'postgresql';
  deliveries: Prisma.Sql;
  attempts: Prisma.Sql;
  engagements: Prisma.Sql;
  exports: Prisma.Sql;
  /** The same names as plain SQL text, for statements written without Prisma. */
  names: { deliveries: string; attempts: string; engagements: string; exports: string };
}

const byConfig = new WeakMap<object, Tables>();

/**
 * Table names for raw SQL. Prisma's PostgreSQL adapter applies `?schema=` to model queries only;
 * raw statements resolve names through `search_path`, so they name the schema themselves.
 */
export function tablesOf(deps: Pick<Deps, 'config'>): Tables {
  const cached = byConfig.get(deps.config);
  if (cached) return cached;
  const target = resolveDatabase(deps.config);
  const schema = target.provider === 'postgresql' ? target.schema : undefined;
  const text = (table: string) => (schema ? `"${schema.replaceAll('"', '""')}"."${table}"` : `"${table}"`);
  const names = {
    deliveries: text('deliveries'),
    attempts: text('delivery_attempts'),
    engagements: text('engagements'),
    exports: text('exports'),
  };
  const tables: Tables = {
    provider: target.provider,
    deliveries: Prisma.raw(names.deliveries),
    attempts: Prisma.raw(names.attempts),
    engagements: Prisma.raw(names.engagements),
    exports: Prisma.raw(names.exports),
    names,
  };
  byConfig.set(deps.config, tables);
  return tables;
}
