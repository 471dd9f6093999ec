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
  const name = (table: string) => Prisma.raw(schema ? `"${schema.replaceAll('"', '""')}"."${table}"` : `"${table}"`);
  const tables: Tables = {
    provider: target.provider,
    deliveries: name('deliveries'),
    attempts: name('delivery_attempts'),
    engagements: name('engagements'),
    exports: name('exports'),
  };
  byConfig.set(deps.config, tables);
  return tables;
}
