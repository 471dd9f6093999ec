import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';

export type DatabaseTarget =
  | { provider: 'sqlite'; file: string }
  | { provider: 'postgresql'; connectionString: string; schema: string | undefined };

/**
 * Where the database is: `DATABASE_URL` unset means SQLite at `$DATA_DIR/connector.db`;
 * `file:` is SQLite; `postgresql://…?schema=name` is PostgreSQL, in that schema when given.
 */
export function resolveDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): DatabaseTarget {
  const url = config.DATABASE_URL;
  if (!url) return { provider: 'sqlite', file: resolve(join(config.DATA_DIR, 'connector.db')) };
  if (url.startsWith('file:')) return { provider: 'sqlite', file: resolve(url.slice('file:'.length)) };
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  // node-postgres does not know `schema` (a Prisma convention): take it out and pass it apart.
  parsed.searchParams.delete('schema');
  return { provider: 'postgresql', connectionString: parsed.toString(), schema };
}
