import { resolveDatabase } from '../db/target.ts';
import type { Deps } from '../deps.ts';

/** The tables the PostgreSQL hot path names, schema-qualified when the database URL names a schema. */
export interface TableNames {
  deliveries: string;
  attempts: string;
  engagements: string;
  exports: string;
}

const byConfig = new WeakMap<object, TableNames>();

/**
 * Table names for statements written without Prisma. Prisma applies `?schema=` to its own queries
 * only; other statements resolve names through `search_path`, so they name the schema themselves.
 */
export function tableNamesOf(deps: Pick<Deps, 'config'>): TableNames {
  const cached = byConfig.get(deps.config);
  if (cached) return cached;
  const target = resolveDatabase(deps.config);
  const schema = target.provider === 'postgresql' ? target.schema : undefined;
  const name = (table: string) => (schema ? `"${schema.replaceAll('"', '""')}"."${table}"` : `"${table}"`);
  const names: TableNames = {
    deliveries: name('deliveries'),
    attempts: name('delivery_attempts'),
    engagements: name('engagements'),
    exports: name('exports'),
  };
  byConfig.set(deps.config, names);
  return names;
}
