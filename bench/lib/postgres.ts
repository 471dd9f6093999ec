import pg from 'pg';

/** The PostgreSQL server of every benchmark's PostgreSQL runs. */
export const POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgresql://connector:connector@127.0.0.1:5432/connector_test';

/** Whether that server answers (the PostgreSQL runs are skipped when it does not). */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
