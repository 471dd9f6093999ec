import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  /** A DATABASE_URL for the connector. */
  url: string;
  provider: 'sqlite' | 'postgresql';
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file: a SQLite file in a temporary folder, or, when the
 * suite runs with TEST_DATABASE=postgresql (or `provider` says so), a schema of its own in
 * TEST_POSTGRES_URL.
 */
export async function createTestDatabase(
  provider: TestDatabase['provider'] = process.env.TEST_DATABASE === 'postgresql' ? 'postgresql' : 'sqlite',
): Promise<TestDatabase> {
  if (provider === 'postgresql') {
    const server = process.env.TEST_POSTGRES_URL;
    if (!server) throw new Error('TEST_DATABASE=postgresql needs TEST_POSTGRES_URL');
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const url = new URL(server);
    url.searchParams.set('schema', schema);
    return {
      url: url.toString(),
      provider: 'postgresql',
      drop: async () => {
        const client = new pg.Client({ connectionString: server });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'connector-db-'));
  return {
    url: `file:${join(dir, 'test.db')}`,
    provider: 'sqlite',
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
