import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Dispatcher } from 'undici';
import type { Config } from './config.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { createDb, type Db } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { resolveDatabase } from './db/target.ts';
import { resolveKeys } from './keys.ts';
import { createLogger, type Logger } from './logger.ts';
import { createDispatcher } from './net/dispatcher.ts';
import { createQueues, type Queues } from './queues.ts';
import { createRedis } from './redis/connection.ts';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded.ts';

export interface Clock {
  now(): Date;
}

/** Everything a service needs, built once per process and passed in (no singletons). */
export interface Deps {
  config: Config;
  logger: Logger;
  db: Db;
  /** Commands of the API and services (not BullMQ's blocking connections). */
  redis: Redis;
  redisUrl: string;
  queuePrefix: string;
  queues: Queues;
  secretBox: SecretBox;
  tokenSigningKey: Uint8Array;
  /** The one outbound HTTP dispatcher (keep-alive, private addresses refused at connect time). */
  dispatcher: Dispatcher;
  clock: Clock;
  close(): Promise<void>;
}

export interface DepsOptions {
  logger?: Logger;
  queuePrefix?: string;
  clock?: Clock;
}

/** The composition root: keys, Redis (embedded when REDIS_URL is unset), database (migrated), queues. */
export async function createDeps(config: Config, options: DepsOptions = {}): Promise<Deps> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const keys = resolveKeys(config, (m) => logger.warn(m));
  const closers: (() => Promise<unknown>)[] = [];
  try {
    let redisUrl = config.REDIS_URL;
    if (!redisUrl) {
      const embedded = await sharedEmbeddedRedis(config.DATA_DIR, logger);
      redisUrl = embedded.url;
      closers.push(() => embedded.stop());
    }
    const target = resolveDatabase(config);
    const applied = await migrate(target);
    if (applied.length) logger.info({ applied }, 'database migrated');
    const db = await createDb(config);
    closers.unshift(() => db.$disconnect());

    const redis = createRedis(redisUrl, 'connector');
    closers.unshift(() => redis.quit().catch(() => redis.disconnect()));
    const queuePrefix = options.queuePrefix ?? 'connector';
    const queues = createQueues({ url: redisUrl, maxRetriesPerRequest: null } as never, queuePrefix);
    closers.unshift(() => Promise.all(Object.values(queues).map((q) => q.close())));
    const dispatcher = createDispatcher({
      allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS,
      proxyUrl: config.OUTBOUND_PROXY_URL,
    });
    closers.unshift(() => dispatcher.close());

    return {
      config,
      logger,
      db,
      redis,
      redisUrl,
      queuePrefix,
      queues,
      secretBox: new SecretBox(
        keys.encryptionKey,
        (config.ENCRYPTION_KEYS_PREVIOUS ?? '')
          .split(',')
          .filter((k) => k.trim())
          .map((k) => Buffer.from(k.trim(), 'base64')),
      ),
      tokenSigningKey: keys.tokenSigningKey,
      dispatcher,
      clock: options.clock ?? { now: () => new Date() },
      close: () => runClosers(closers),
    };
  } catch (error) {
    await runClosers(closers);
    throw error;
  }
}

async function runClosers(closers: (() => Promise<unknown>)[]): Promise<void> {
  for (const close of closers) await close().catch(() => undefined);
}

/**
 * With REDIS_URL unset, the first process starts `redis-server` and records its port in
 * `$DATA_DIR/redis/endpoint.json`; `start:api` and `start:workers` started beside it on the same
 * DATA_DIR find that one answering and share it instead of starting their own.
 */
async function sharedEmbeddedRedis(dataDir: string, logger: Logger): Promise<EmbeddedRedis> {
  const dir = join(dataDir, 'redis');
  const endpointFile = join(dir, 'endpoint.json');
  if (existsSync(endpointFile)) {
    const { url, pid } = JSON.parse(readFileSync(endpointFile, 'utf8')) as { url: string; pid: number };
    if (pid !== process.pid && (await answers(url))) {
      logger.info({ url }, 'using the embedded redis-server another connector process started');
      return { url, port: Number(new URL(url).port), stop: async () => undefined };
    }
  }
  const embedded = await startEmbeddedRedis({ dir });
  writeFileSync(endpointFile, JSON.stringify({ url: embedded.url, pid: process.pid }));
  logger.info({ url: embedded.url }, 'started an embedded redis-server (REDIS_URL is not set)');
  return embedded;
}

async function answers(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
