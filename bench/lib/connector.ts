import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../apps/core/config.ts';
import { SecretBox } from '../../apps/core/crypto/secret-box.ts';
import { createDb } from '../../apps/core/db/client.ts';
import { freePort } from '../../apps/core/net/free-port.ts';
import { saveTokens } from '../../apps/core/oauth/connection-store.ts';
import { type BenchProcess, startNpmScript, waitUntil } from './process.ts';

export const ADMIN = { group: 'bench', username: 'bench-admin', password: 'bench password 123' };

export interface RunningConnector {
  baseUrl: string;
  /** The process that serves the API (in one-process mode it also runs the workers). */
  process: BenchProcess;
  /** The separate workers process in two-process mode. */
  workers?: BenchProcess;
  token: string;
  exportIds: string[];
  /** Where its database is, for the benchmarks that fill or measure it (steady-state.ts, storage.ts). */
  databaseUrl: string;
  /** The PostgreSQL schema (also the SQLite file's name). */
  schema: string;
  /** The SQLite file; undefined on PostgreSQL. */
  file: string | undefined;
  groupId: string;
  stop(): Promise<void>;
}

export interface ConnectorOptions {
  dataDir: string;
  redisUrl: string;
  database: 'sqlite' | 'postgresql';
  postgresUrl: string;
  exports: number;
  webhookUrl: string;
  /** Run as docs/operations.md documents for production: `start:api` and `start:workers`, sharing Redis and the database. */
  split?: boolean;
  /** More environment, applied last (e.g. the retention settings). */
  env?: Record<string, string>;
  /** Delivery settings of every export it creates (POST /v1/exports fields, e.g. maxInFlight). */
  exportSettings?: Record<string, unknown>;
}

/**
 * Starts the connector as `npm start` runs it (API and workers in one process, production mode),
 * or with `split` as two processes (`npm run start:api` then `npm run start:workers`, same env),
 * on its own database, creates the exports through the API and gives them an access token (as if
 * a CRM had been authorized; the OAuth flow itself is not what this measures).
 */
export async function startBenchConnector(options: ConnectorOptions): Promise<RunningConnector> {
  const port = await freePort();
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const file = options.database === 'sqlite' ? join(options.dataDir, `bench-${schema}.db`) : undefined;
  const databaseUrl = file
    ? `file:${file}`
    : `${options.postgresUrl}${options.postgresUrl.includes('?') ? '&' : '?'}schema=${schema}`;
  const env = {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: options.dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: options.redisUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    TOKEN_SIGNING_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'warn',
    ALLOW_PRIVATE_TARGETS: 'true',
    ALLOW_INSECURE_HTTP: 'true',
    BOOTSTRAP_GROUP: ADMIN.group,
    BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    ...options.env,
  };
  const proc = startNpmScript(options.split ? 'start:api' : 'start', env);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${baseUrl}/readyz`)).ok, 'the connector to start', proc);
  // Started once the API has migrated the database and bootstrapped the group, and after its
  // build step finished (both scripts rebuild dist/ first; two builds at once would race).
  const workers = options.split ? startNpmScript('start:workers', env) : undefined;

  const signIn = await fetch(`${baseUrl}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...ADMIN, duration: 120 }),
  });
  const { token } = (await signIn.json()) as { token: string };
  const config = loadConfig(env);
  const db = await createDb(config);
  const secretBox = new SecretBox(Buffer.from(env.ENCRYPTION_KEY, 'base64'));
  const exportIds: string[] = [];
  for (let i = 0; i < options.exports; i++) {
    const created = await fetch(`${baseUrl}/v1/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: `CRM ${i + 1}`, webhookUrl: options.webhookUrl, ...options.exportSettings }),
    });
    if (created.status !== 201) throw new Error(`creating an export: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    await saveTokens(
      { db, secretBox, clock: { now: () => new Date() } },
      id,
      {
        accessToken: randomBytes(24).toString('base64url'),
        expiresAt: null,
        extra: {},
      },
      { mode: 'authorize', message: 'Authorized' },
    );
    exportIds.push(id);
  }
  const { groupId } = await db.export.findUniqueOrThrow({ where: { id: exportIds[0] as string } });
  await db.$disconnect();
  return {
    baseUrl,
    process: proc,
    workers,
    token,
    exportIds,
    databaseUrl,
    schema,
    file,
    groupId,
    stop: async () => {
      await Promise.all([proc.stop(), workers?.stop()]);
      if (options.database === 'postgresql') {
        const client = new pg.Client({ connectionString: options.postgresUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    },
  };
}
