import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRequestListener } from '../../apps/server.ts';
import { loadConfig } from '../../apps/core/config.ts';
import { createDeps, type Clock, type Deps } from '../../apps/core/deps.ts';
import type { FlowOptions } from '../../apps/core/deliveries/flow/flow-control.ts';
import { bootstrapGroup } from '../../apps/core/groups/bootstrap.ts';
import { createLogger } from '../../apps/core/logger.ts';
import { freePort } from '../../apps/core/net/free-port.ts';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../apps/core/redis/embedded.ts';
import { startWorkers, type RunningWorkers } from '../../workers/index.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { LogSink } from './log-sink.ts';

export interface TestConnector {
  baseUrl: string;
  deps: Deps;
  logs: LogSink;
  redis: EmbeddedRedis;
  database: TestDatabase;
  workers: RunningWorkers | undefined;
  /** Signs in the bootstrap admin and returns its authorization token. */
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

export const ADMIN = { group: 'acme', username: 'admin', password: 'correct horse battery' };

export interface StartOptions {
  env?: Record<string, string>;
  workers?: boolean;
  clock?: Clock;
  /** Share another connector's Redis and database (a second API process). */
  shareWith?: TestConnector;
  /** Start on this database (already holding data; the caller drops it) instead of a fresh one. */
  database?: TestDatabase;
  /**
   * Redis keeps an append-only file, as the embedded default does, so that `redis.stop()` and
   * `redis.restart()` (same port and data directory) are an outage, not a flush.
   */
  redisAppendOnly?: boolean;
  /** Flow control's lease time and rate window, shortened (apps/core/deliveries/flow/flow-control.ts). */
  flow?: FlowOptions;
}

/**
 * Starts the whole connector in this process, as `npm start` would, on real parts: its own
 * redis-server on a free port, a fresh database (SQLite file or PostgreSQL schema), the API on a
 * free loopback port, and the BullMQ workers. Private and http targets are allowed, as the
 * contract says tests set them.
 */
export async function startConnector(options: StartOptions = {}): Promise<TestConnector> {
  const name = `connector-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'connector-data-'));
  const redis =
    options.shareWith?.redis ??
    (await startEmbeddedRedis({ dir: join(dataDir, 'redis'), appendOnly: options.redisAppendOnly ?? false }));
  const database = options.database ?? options.shareWith?.database ?? (await createTestDatabase());
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    // A second process of the same deployment has the same keys as the first.
    ENCRYPTION_KEY: options.shareWith?.deps.config.ENCRYPTION_KEY ?? randomBytesB64(32, name),
    TOKEN_SIGNING_KEY: options.shareWith?.deps.config.TOKEN_SIGNING_KEY ?? `test-signing-key-${name}-0123456789abcdef`,
    LOG_LEVEL: 'debug',
    ALLOW_PRIVATE_TARGETS: 'true',
    ALLOW_INSECURE_HTTP: 'true',
    BOOTSTRAP_GROUP: ADMIN.group,
    BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    OAUTH_HTTP_TIMEOUT_SECONDS: '3',
    ...options.env,
  });
  const logs = new LogSink(name);
  const deps = await createDeps(config, {
    logger: createLogger('debug', logs),
    queuePrefix: options.shareWith?.deps.queuePrefix ?? `test-${name}`,
    clock: options.clock,
    flow: options.flow,
  });
  await bootstrapGroup(deps);
  const server: Server = createServer(createRequestListener(deps));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const workers = options.workers === false ? undefined : await startWorkers(deps);
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    deps,
    logs,
    redis,
    database,
    workers,
    adminToken: async () => {
      const res = await fetch(`${baseUrl}/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      if (res.status !== 200) throw new Error(`admin sign-in failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    close: async () => {
      await workers?.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await deps.close();
      if (!options.shareWith) {
        await redis.stop();
        if (!options.database) await database.drop();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A deterministic 32-byte key per label, so processes sharing a database share the key. */
function randomBytesB64(length: number, label: string): string {
  const seed = Buffer.alloc(length);
  Buffer.from(label).copy(seed);
  return seed.toString('base64');
}
