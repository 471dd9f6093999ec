import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../apps/core/auth/caller.ts';
import { loadConfig } from '../../apps/core/config.ts';
import { createDeps, type Deps } from '../../apps/core/deps.ts';
import { ingestEngagement } from '../../apps/core/engagements/ingest.ts';
import { createExport } from '../../apps/core/exports/export-service.ts';
import { newId } from '../../apps/core/ids.ts';
import { createLogger } from '../../apps/core/logger.ts';
import { putNotificationSetting } from '../../apps/core/notifications/settings.ts';
import { saveTokens } from '../../apps/core/oauth/connection-store.ts';
import { freePort } from '../../apps/core/net/free-port.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../apps/core/redis/embedded.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { LogSink, rememberSecret } from '../helpers/log-sink.ts';
import { type NotificationReceiver, startNotificationReceiver } from '../helpers/notification-receiver.ts';
import { waitForValue, waitUntil } from '../helpers/wait.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';

const PER_PHASE = 20;
/** Deliveries each worker process has in flight at most (WORKER_CONCURRENCY, a hard cap). */
const SLOTS = 5;

/**
 * A CRM that holds every request until its gate opens, then answers `status`: with both processes'
 * slots full of held requests, each process is in the middle of deliveries when the answers come.
 */
async function startGatedCrm() {
  const crm = {
    status: 500,
    held: 0,
    gate: Promise.resolve(),
    open: (): void => undefined,
    url: '',
    close: async (): Promise<void> => undefined,
    closeGate() {
      crm.gate = new Promise<void>((resolve) => {
        crm.open = resolve;
      });
    },
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      crm.held++;
      await crm.gate;
      crm.held--;
      res.writeHead(crm.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  crm.url = `http://127.0.0.1:${port}/hooks/engagements`;
  crm.close = async () => {
    crm.open();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return crm;
}

describe('two worker processes meeting the same condition announce it once', () => {
  let redis: EmbeddedRedis;
  let database: TestDatabase;
  let dataDir: string;
  let deps: Deps;
  let crm: Awaited<ReturnType<typeof startGatedCrm>>;
  let notifications: NotificationReceiver;
  let secret: string | undefined;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'connector-notify-'));
    redis = await startEmbeddedRedis({ dir: join(dataDir, 'redis'), appendOnly: false });
    database = await createTestDatabase();
    const encryptionKey = randomBytes(32).toString('base64');
    const signingKey = randomBytes(32).toString('base64url');
    rememberSecret(encryptionKey, signingKey);
    // The configuration `npm run start:workers` reads: this process ingests, the two worker
    // processes deliver, all on one Redis and one database (default queue prefix).
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      ENCRYPTION_KEY: encryptionKey,
      TOKEN_SIGNING_KEY: signingKey,
      // Debug: each process logs its deliveries, so the test sees that both did some.
      LOG_LEVEL: 'debug',
      ALLOW_PRIVATE_TARGETS: 'true',
      ALLOW_INSECURE_HTTP: 'true',
      WORKER_CONCURRENCY: String(SLOTS),
    };
    deps = await createDeps(loadConfig(env), { logger: createLogger('info', new LogSink('notify-processes-ingest')) });
    for (const name of ['notify-worker-1', 'notify-worker-2']) workers.push(startWorkerProcess(name, env));
    await Promise.all(workers.map((w) => w.started));
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGTERM');
    await crm?.close();
    await notifications?.close();
    await deps?.close();
    await redis?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('deliveries going dead in both processes: one export.failing; successes in both: one export.recovered', {
    timeout: 180_000,
  }, async () => {
    const groupId = newId('grp');
    await deps.db.group.create({ data: { id: groupId, name: 'acme' } });
    const admin: Caller = { groupId, kind: 'user', id: 'usr_notify_test', privileges: [] };
    notifications = await startNotificationReceiver({ secret: () => secret });
    const setting = await putNotificationSetting(deps, admin, { webhookUrl: notifications.url });
    secret = setting.signingSecret;
    rememberSecret(secret);

    const accessToken = `at-${randomBytes(18).toString('base64url')}`;
    rememberSecret(accessToken);
    crm = await startGatedCrm();
    const exp = await createExport(deps, admin, { name: 'Shared CRM', webhookUrl: crm.url });
    rememberSecret(exp.signingSecret);
    // One attempt each: every delivery goes dead on its first failure.
    await deps.db.export.update({ where: { id: exp.id }, data: { retrySchedule: '[0]' } });
    await saveTokens(deps, exp.id, { accessToken, expiresAt: null, extra: {} }, { mode: 'authorize', message: 'ok' });

    // One at a time, so each is its own wake-up job and both processes take some.
    const post = async (prefix: string, count: number) => {
      for (let i = 0; i < count; i++) {
        await ingestEngagement(deps, groupId, { externalId: `${prefix}-${i}`, json: JSON.stringify({ id: i }) });
      }
    };
    const counts = () =>
      deps.db.delivery
        .groupBy({ by: ['status'], where: { exportId: exp.id }, _count: true })
        .then((rows) => Object.fromEntries(rows.map((r) => [r.status, r._count])) as Record<string, number>);

    // Requests pile up held: more than SLOTS means both processes are in the middle of deliveries
    // (one process has SLOTS in flight at most). Then the answers come, all 500: deliveries go dead
    // in both processes together.
    crm.closeGate();
    await post('D', PER_PHASE);
    await waitUntil(() => crm.held > SLOTS, {
      what: 'both processes to hold requests',
      timeoutMs: 60_000,
      detail: async () => ({ held: crm.held, counts: await counts() }),
    });
    crm.open();
    await waitForValue(counts, (c) => c.dead === PER_PHASE, { what: 'every delivery to go dead', timeoutMs: 90_000 });
    // Both processes recorded dead deliveries (so both met the condition).
    for (const worker of workers) expect(worker.logs.text()).toContain('"msg":"delivery dead"');
    const sentOrTried = async (type: string) =>
      deps.db.notificationOutbox.count({
        where: { type, OR: [{ status: { not: 'pending' } }, { attempts: { gt: 0 } }] },
      });
    await waitUntil(async () => (await sentOrTried('export.failing')) >= 1, { what: 'export.failing to be sent' });
    await waitUntil(() => notifications.accepted('export.failing').length >= 1, { what: 'export.failing received' });

    crm.status = 200;
    crm.closeGate();
    await post('R', PER_PHASE);
    await waitUntil(() => crm.held > SLOTS, {
      what: 'both processes to hold requests',
      timeoutMs: 60_000,
      detail: async () => ({ held: crm.held, counts: await counts() }),
    });
    crm.open();
    await waitForValue(counts, (c) => c.delivered === PER_PHASE, {
      what: 'the new deliveries to be delivered',
      timeoutMs: 90_000,
    });
    for (const worker of workers) expect(worker.logs.text()).toContain('"msg":"delivered"');
    await waitUntil(() => notifications.accepted('export.recovered').length >= 1, {
      what: 'export.recovered received',
    });

    // Each condition once: one outbox row per event (one channel), one request received for it.
    expect(await deps.db.notificationOutbox.count({ where: { type: 'export.failing' } })).toBe(1);
    expect(await deps.db.notificationOutbox.count({ where: { type: 'export.recovered' } })).toBe(1);
    expect(notifications.received.map((r) => r.type)).toEqual(['export.failing', 'export.recovered']);
    expect(notifications.refused).toEqual([]);
    // The process that lost a race was told so by its update, not by an error.
    for (const worker of workers) expect(worker.logs.text()).not.toContain('recording an export condition failed');
    expect(notifications.accepted('export.recovered')[0]?.data).toMatchObject({
      exportId: exp.id,
      exportName: 'Shared CRM',
      reason: 'delivered',
      ended: ['failing'],
    });
    const condition = await deps.db.exportCondition.findUniqueOrThrow({
      where: { exportId_kind: { exportId: exp.id, kind: 'failing' } },
    });
    expect(condition.active).toBe(false);
  });
});
