import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Dispatcher } from 'undici';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { type Db, openDatabase } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { resolveDatabase } from './db/target.ts';
import { type Claimer, createClaimer } from './deliveries/claim.ts';
import { createExportContextCache, type ExportContextCache } from './deliveries/export-context.ts';
import { FlowControl, type FlowOptions } from './deliveries/flow/flow-control.ts';
import { openDeliveryStore } from './deliveries/store/index.ts';
import type { DeliveryStore } from './deliveries/store/delivery-store.ts';
import { createOutcomeWriter, type OutcomeWriter } from './deliveries/write.ts';
import { createIngester, type Ingester } from './engagements/ingest.ts';
import {
  embeddedRedisPassword,
  ensurePrivateDir,
  ensurePrivateFile,
  resolveKeys,
  tightenIfPresent,
  writePrivateFile,
} from './keys.ts';
import { createLogger, type Logger } from './logger.ts';
import { createDispatcher } from './net/dispatcher.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createQueues, producerConnection, type Queues } from './queues.ts';
import { createRedis, redactRedisUrl, redisReady } from './redis/connection.ts';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded.ts';
import { createTokenCache, type TokenCache } from './tokens/token-cache.ts';
import { type AuthState, createAuthState } from './auth/state.ts';
import { createNotificationState, type NotificationState } from './notifications/state.ts';

export type { Clock } from './clock.ts';

/** Everything a service needs, built once per process and passed in (no singletons). */
export interface Deps {
  config: Config;
  logger: Logger;
  db: Db;
  /** Every statement of the delivery pipeline, on whichever database is configured (deliveries/store/). */
  store: DeliveryStore;
  /** Group commits over the store: engagements in, claims, attempt outcomes. */
  ingester: Ingester;
  claimer: Claimer;
  outcomeWriter: OutcomeWriter;
  /** What this process read of exports (deliveries/export-context.ts) and of tokens (tokens/token-service.ts). */
  exportContexts: ExportContextCache;
  tokenCache: TokenCache;
  /** Per-export maxInFlight and rate limit across every process, in Redis (deliveries/flow/). */
  flow: FlowControl;
  /**
   * Commands of the API and services (not BullMQ's blocking connections). Fails fast: while Redis
   * is unreachable a command rejects within about a second (redis/connection.ts).
   */
  redis: Redis;
  redisUrl: string;
  queuePrefix: string;
  queues: Queues;
  secretBox: SecretBox;
  tokenSigningKey: Uint8Array;
  /** The one outbound HTTP dispatcher (keep-alive, private addresses refused at connect time). */
  dispatcher: Dispatcher;
  clock: Clock;
  /** Authentication's per-process caches and coalesced Redis reads (auth/state.ts). */
  auth: AuthState;
  /** Notifications' per-process state: what it knows of export conditions, sends in flight, mail (notifications/state.ts). */
  notifications: NotificationState;
  /** This process's Prometheus registry and the connector's metrics (metrics.ts). */
  metrics: Metrics;
  close(): Promise<void>;
}

export interface DepsOptions {
  logger?: Logger;
  queuePrefix?: string;
  clock?: Clock;
  /** Flow control's lease time and rate window (tests shorten them). */
  flow?: FlowOptions;
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
    if (target.provider === 'sqlite') privateSqliteFile(config.DATA_DIR, target.file);
    const applied = await migrate(target);
    if (applied.length) logger.info({ applied }, 'database migrated');
    const opened = await openDatabase(target);
    const { db } = opened;
    closers.unshift(() => db.$disconnect());
    const store = openDeliveryStore(opened.store);
    closers.unshift(() => store.close());

    const redis = createRedis(redisUrl, 'connector');
    closers.unshift(() => redis.quit().catch(() => redis.disconnect()));
    const queuePrefix = options.queuePrefix ?? 'connector';
    const queues = createQueues(producerConnection(redisUrl), queuePrefix);
    closers.unshift(() => Promise.all(Object.values(queues).map((q) => q.close())));
    // Both fail fast once connected, so the first requests must not find them still connecting:
    // the start waits for Redis (and says so when that takes a while).
    const waiting = setTimeout(
      () => logger.warn({ url: redactRedisUrl(redisUrl) }, 'waiting for Redis to answer before starting'),
      2_000,
    );
    try {
      await Promise.all([redisReady(redis), ...Object.values(queues).map((q) => q.waitUntilReady())]);
    } finally {
      clearTimeout(waiting);
    }
    const dispatcher = createDispatcher({
      allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS,
      proxyUrl: config.OUTBOUND_PROXY_URL,
    });
    closers.unshift(() => dispatcher.close());
    const clock = options.clock ?? { now: () => new Date() };
    const ingester = createIngester({ store, queues, clock, logger });
    const claimer = createClaimer(store, clock);
    const outcomeWriter = createOutcomeWriter(store, clock);
    const exportContexts = createExportContextCache(clock);
    const tokenCache = createTokenCache(clock);
    const flow = new FlowControl(redis, queuePrefix, options.flow);
    closers.unshift(() => flow.close());
    // Run first on close (closers run in order, each unshifted before the last): what was
    // submitted is written before the store and the database close.
    closers.unshift(async () => {
      await Promise.all([ingester.close(), claimer.close(), outcomeWriter.close(), tokenCache.close()]);
      exportContexts.clear();
    });
    const auth = createAuthState({ db, redis, clock, tokenSigningKey: keys.tokenSigningKey });
    closers.unshift(async () => auth.close());
    const notifications = createNotificationState(clock, config.EXPORT_FAILING_AFTER);
    closers.unshift(() => notifications.close());

    return {
      config,
      logger,
      db,
      store,
      ingester,
      claimer,
      outcomeWriter,
      exportContexts,
      tokenCache,
      flow,
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
      clock,
      auth,
      notifications,
      metrics: createMetrics({ queues, db }),
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
  ensurePrivateDir(dataDir);
  const dir = join(dataDir, 'redis');
  // Any local user can reach a loopback port: the server wants a password (docs/operations.md).
  const password = embeddedRedisPassword(dir);
  // endpoint.json holds the URL, password included: 0600 like the password file.
  const endpointFile = join(dir, 'endpoint.json');
  if (existsSync(endpointFile)) {
    tightenIfPresent(endpointFile);
    const { url, pid } = JSON.parse(readFileSync(endpointFile, 'utf8')) as { url: string; pid: number };
    if (pid !== process.pid && (await answers(url))) {
      logger.info({ url: redactRedisUrl(url) }, 'using the embedded redis-server another connector process started');
      const noop = async () => undefined;
      return { url, port: Number(new URL(url).port), stop: noop, restart: noop };
    }
  }
  const embedded = await startEmbeddedRedis({ dir, password });
  writePrivateFile(endpointFile, JSON.stringify({ url: embedded.url, pid: process.pid }));
  logger.info({ url: redactRedisUrl(embedded.url) }, 'started an embedded redis-server (REDIS_URL is not set)');
  return embedded;
}

/**
 * The SQLite file is created empty with mode 0600 before SQLite opens it: SQLite gives its WAL and
 * shared-memory files the database file's permissions (`findCreateFileMode` in SQLite's
 * os_unix.c), so they are private too. Under DATA_DIR, existing files are tightened; a file the
 * operator placed elsewhere keeps the permissions its owner gave it.
 */
function privateSqliteFile(dataDir: string, file: string): void {
  const inDataDir = resolve(dirname(file)) === resolve(dataDir);
  if (inDataDir) ensurePrivateDir(dataDir);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    ensurePrivateFile(file);
  } else if (inDataDir) {
    for (const suffix of ['', '-wal', '-shm']) tightenIfPresent(`${file}${suffix}`);
  }
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
