import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../apps/core/config.ts';
import { createDeps, type Deps } from '../../apps/core/deps.ts';
import { ingestEngagement } from '../../apps/core/engagements/ingest.ts';
import { createExport } from '../../apps/core/exports/export-service.ts';
import { newId } from '../../apps/core/ids.ts';
import { createLogger } from '../../apps/core/logger.ts';
import { saveTokens } from '../../apps/core/oauth/connection-store.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../apps/core/redis/embedded.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { LogSink, rememberSecret } from '../helpers/log-sink.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { waitForValue, waitUntil } from '../helpers/wait.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';

const TOTAL = 2000;
// The receiver answers this many, then holds every further request open: the kill lands with
// exactly this many delivered and the worker's other deliveries in flight, whatever the machine's pace.
const ANSWERED_BEFORE_KILL = 400;
const WORKER_CONCURRENCY = 50;

describe('a worker process killed with SIGKILL in the middle of 2,000 deliveries', () => {
  let redis: EmbeddedRedis;
  let database: TestDatabase;
  let dataDir: string;
  let deps: Deps;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'connector-crash-'));
    redis = await startEmbeddedRedis({ dir: join(dataDir, 'redis'), appendOnly: false });
    database = await createTestDatabase();
    const encryptionKey = randomBytes(32).toString('base64');
    const signingKey = randomBytes(32).toString('base64url');
    rememberSecret(encryptionKey, signingKey);
    // The same configuration as `npm run start:workers` reads: this process ingests, the worker
    // processes deliver, all on one Redis and one database (default queue prefix).
    env = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      ENCRYPTION_KEY: encryptionKey,
      TOKEN_SIGNING_KEY: signingKey,
      LOG_LEVEL: 'info',
      ALLOW_PRIVATE_TARGETS: 'true',
      ALLOW_INSECURE_HTTP: 'true',
      WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
    };
    deps = await createDeps(loadConfig(env), { logger: createLogger('info', new LogSink('crash-test-ingest')) });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGKILL');
    await receiver?.close();
    await deps?.close();
    await redis?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Deliveries a worker ran from its export's waiting line (apps/core/deliveries/flow/) are in no
  // BullMQ job, so after the SIGKILL they come back through the sweeper's claim lease (3 minutes,
  // apps/core/deliveries/sweeper.ts), not BullMQ's stall check: about 200 s on a quiet machine.
  it('loses none: every delivery reaches the receiver at least once (counted by webhook-id)', {
    timeout: 480_000,
  }, async () => {
    const groupId = newId('grp');
    await deps.db.group.create({ data: { id: groupId, name: 'acme' } });
    const accessToken = `at-${randomBytes(18).toString('base64url')}`;
    rememberSecret(accessToken);
    const secrets: string[] = [];
    receiver = await startWebhookReceiver({
      secrets: () => secrets,
      acceptToken: (t) => t === accessToken,
      holdAfter: ANSWERED_BEFORE_KILL,
    });
    const exp = await createExport(
      deps,
      { groupId, kind: 'user', id: 'usr_crash_test', privileges: [] },
      { name: 'CRM', webhookUrl: receiver.url },
    );
    secrets.push(exp.signingSecret);
    rememberSecret(exp.signingSecret);
    await saveTokens(
      deps,
      exp.id,
      { accessToken, expiresAt: null, extra: {} },
      { mode: 'authorize', message: 'Authorized' },
    );

    const deliveryIds: string[] = [];
    for (let start = 0; start < TOTAL; start += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          ingestEngagement(deps, groupId, {
            externalId: `K-${start + i}`,
            json: JSON.stringify({ id: `K-${start + i}` }),
          }),
        ),
      );
      for (const result of batch) deliveryIds.push(...result.deliveries.map((d) => d.id));
    }
    expect(deliveryIds).toHaveLength(TOTAL);

    const first = startWorkerProcess('crash-test-worker-1', env);
    workers.push(first);
    await first.started;
    // Mid-run: the worker has recorded the answered deliveries and holds others in flight
    // (sent, unanswered) when it is killed.
    const delivered = () => deps.db.delivery.count({ where: { exportId: exp.id, status: 'delivered' } });
    await waitUntil(async () => receiver.held.length > 0 && (await delivered()) === ANSWERED_BEFORE_KILL, {
      what: `the first worker to record ${ANSWERED_BEFORE_KILL} delivered with more in flight`,
      timeoutMs: 120_000,
      detail: async () => ({ held: receiver.held.length, delivered: await delivered() }),
    });
    await first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const answeredBeforeKill = receiver.ids();
    const inFlightAtKill = new Set(receiver.held.map((r) => r.webhookId));
    expect(answeredBeforeKill.size).toBe(ANSWERED_BEFORE_KILL);
    expect(inFlightAtKill.size).toBeGreaterThan(0);
    expect(inFlightAtKill.size).toBeLessThanOrEqual(WORKER_CONCURRENCY);
    for (const id of inFlightAtKill) expect(answeredBeforeKill.has(id)).toBe(false);
    expect(await delivered()).toBe(ANSWERED_BEFORE_KILL);

    receiver.release();
    const second = startWorkerProcess('crash-test-worker-2', env);
    workers.push(second);
    await second.started;
    const counts = await waitForValue(
      async () => deps.db.delivery.groupBy({ by: ['status'], where: { exportId: exp.id }, _count: true }),
      (rows) => rows.length === 1 && rows[0]?.status === 'delivered',
      { what: 'every delivery to be delivered', timeoutMs: 400_000 },
    );
    expect(counts).toEqual([{ status: 'delivered', _count: TOTAL }]);
    // None lost: every delivery reached the receiver and was answered (it dedupes by webhook-id).
    expect(receiver.ids()).toEqual(new Set(deliveryIds));
    expect(receiver.refused).toEqual([]);
    // What was in flight at the kill was never answered then, so its answer came from the second
    // worker; what the first worker had recorded as delivered was not sent again.
    for (const id of inFlightAtKill) {
      expect(receiver.requestsFor(id).map((r) => r.status)).toContain(200);
    }
    for (const id of answeredBeforeKill) expect(receiver.requestsFor(id)).toHaveLength(1);
    // At least once: the deliveries in flight when the worker died may have arrived twice.
    const duplicates = receiver.received.length - receiver.ids().size;
    expect(duplicates).toBeLessThanOrEqual(WORKER_CONCURRENCY);

    // A worker stopped with SIGTERM finishes what it holds and exits cleanly.
    await second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
