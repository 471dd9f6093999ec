import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../apps/core/config.ts';
import { FlowControl, type FlowWake } from '../../apps/core/deliveries/flow/flow-control.ts';
import { CUT_OFF_ATTEMPT_ERROR } from '../../apps/core/deliveries/store/delivery-store.ts';
import { createDeps, type Deps } from '../../apps/core/deps.ts';
import { ingestEngagement } from '../../apps/core/engagements/ingest.ts';
import { createExport } from '../../apps/core/exports/export-service.ts';
import { newId } from '../../apps/core/ids.ts';
import { createLogger } from '../../apps/core/logger.ts';
import { freePort } from '../../apps/core/net/free-port.ts';
import { createRedis, redisReady } from '../../apps/core/redis/connection.ts';
import { saveTokens } from '../../apps/core/oauth/connection-store.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../apps/core/redis/embedded.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { LogSink, rememberSecret } from '../helpers/log-sink.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';

// Flow control (docs/api/deliveries.md, "Flow control and ordering") with real parts: worker
// processes sharing one Redis and one database, and loopback receivers that count the requests
// they hold open at once.

/** A receiver that counts the requests open at once; while its gate is shut it holds every request. */
interface CountingReceiver {
  url: string;
  /** Requests received and not yet answered (or dropped by their sender). */
  open: number;
  maxOpen: number;
  /** Every request, in arrival order: its webhook-id and when it arrived (ms). */
  arrivals: { webhookId: string; at: number }[];
  /** Webhook-ids answered 200. */
  answered: Set<string>;
  openGate(): void;
  close(): Promise<void>;
}

async function startCountingReceiver(options: { gated: boolean; delayMs?: number }): Promise<CountingReceiver> {
  let openGate: () => void = () => undefined;
  const gate = options.gated
    ? new Promise<void>((resolve) => {
        openGate = resolve;
      })
    : Promise.resolve();
  const receiver: CountingReceiver = {
    url: '',
    open: 0,
    maxOpen: 0,
    arrivals: [],
    answered: new Set(),
    openGate: () => openGate(),
    close: async () => {
      openGate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      const webhookId = String(req.headers['webhook-id']);
      receiver.arrivals.push({ webhookId, at: Date.now() });
      receiver.open++;
      receiver.maxOpen = Math.max(receiver.maxOpen, receiver.open);
      let done = false;
      const finish = () => {
        if (!done) receiver.open--;
        done = true;
      };
      // A sender that dies while its request is held closes the connection.
      res.on('close', finish);
      await gate;
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (res.destroyed) return;
      // Counted as closed before the answer leaves: the sender cannot start another request on the
      // strength of this answer before the count went down.
      finish();
      receiver.answered.add(webhookId);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${port}/hooks/engagements`;
  return receiver;
}

describe('flow control in Redis', () => {
  let redis: EmbeddedRedis;
  let dir: string;
  const flows: FlowControl[] = [];
  const clients: ReturnType<typeof createRedis>[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'connector-flow-redis-'));
    redis = await startEmbeddedRedis({ dir, appendOnly: false });
  });
  afterAll(async () => {
    for (const flow of flows) await flow.close();
    for (const client of clients) client.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A process's flow control (two of them share the Redis, as two worker processes do). */
  async function flowProcess(options: { leaseMs?: number; rateWindowMs?: number } = {}) {
    const client = createRedis(redis.url, 'flow-test');
    clients.push(client);
    await redisReady(client);
    const flow = new FlowControl(client, 'flowtest', options);
    flows.push(flow);
    return flow;
  }
  const wake = (n: number): FlowWake => ({ deliveryId: `dlv_${n}`, attemptCount: 0, rerun: false });
  const ids = (grants: { wake: FlowWake }[]) => grants.map((g) => g.wake.deliveryId);

  it('lets maxInFlight through, keeps the rest waiting in arrival order and hands a lease given back to the oldest', async () => {
    const [a, b] = [await flowProcess(), await flowProcess()];
    const limits = { maxInFlight: 2, ratePerMinute: null };
    const first = await a.admit('exp_max', limits, [wake(1), wake(2), wake(3)]);
    expect(ids(first.grants)).toEqual(['dlv_1', 'dlv_2']);
    // Another process finds no room: its wake-up waits behind the first process's.
    expect((await b.admit('exp_max', limits, [wake(4)])).grants).toEqual([]);
    // The same wake-up twice waits once.
    expect((await b.admit('exp_max', limits, [wake(3)])).grants).toEqual([]);
    expect(await a.busyExports()).toContain('exp_max');
    const handed = await a.release('exp_max', limits, first.grants[0]?.lease as string, false);
    expect(ids(handed.grants)).toEqual(['dlv_3']);
    const next = await b.release('exp_max', limits, first.grants[1]?.lease as string, false);
    expect(ids(next.grants)).toEqual(['dlv_4']);
    await a.release('exp_max', limits, handed.grants[0]?.lease as string, false);
    expect((await b.release('exp_max', limits, next.grants[0]?.lease as string, false)).grants).toEqual([]);
    expect(await a.busyExports()).not.toContain('exp_max');
  });

  it('starts at most rateLimitPerMinute per window, gives back the start of a delivery never sent, and says when to look again', async () => {
    const flow = await flowProcess({ rateWindowMs: 60_000 });
    const limits = { maxInFlight: 10, ratePerMinute: 2 };
    const first = await flow.admit('exp_rate', limits, [wake(1), wake(2), wake(3)]);
    expect(ids(first.grants)).toEqual(['dlv_1', 'dlv_2']);
    expect(first.retryMs).toBeGreaterThan(59_000);
    // A lease given back after sending keeps its start: the third still waits.
    const sent = await flow.release('exp_rate', limits, first.grants[0]?.lease as string, false);
    expect(sent.grants).toEqual([]);
    // One that was never sent (its claim found nothing to do) gives its start back.
    const refunded = await flow.release('exp_rate', limits, first.grants[1]?.lease as string, true);
    expect(ids(refunded.grants)).toEqual(['dlv_3']);
  });

  it('lets the leases of a process that stopped renewing them expire, and the sweeper nudge what waits', async () => {
    const limits = { maxInFlight: 1, ratePerMinute: null };
    const dead = await flowProcess({ leaseMs: 300 });
    await dead.admit('exp_dead', limits, [wake(1)]);
    // The process is gone: it renews nothing any more.
    await dead.close();
    const alive = await flowProcess({ leaseMs: 300 });
    expect((await alive.admit('exp_dead', limits, [wake(2)], false)).grants).toEqual([]);
    // Nobody hands the lease on: once it expired, the nudge pops the waiting one (without a lease).
    const nudged = await waitUntil(
      async () => {
        const popped = await alive.kick('exp_dead', limits);
        return popped.length ? popped.map((w) => w.deliveryId) : null;
      },
      { what: 'the dead lease to expire', timeoutMs: 5_000 },
    );
    expect(nudged).toEqual(['dlv_2']);
    expect(await alive.busyExports()).not.toContain('exp_dead');
  });

  it('renews the leases a live process holds', async () => {
    const limits = { maxInFlight: 1, ratePerMinute: null };
    const holder = await flowProcess({ leaseMs: 1_500 });
    const held = await holder.admit('exp_live', limits, [wake(1)]);
    expect(ids(held.grants)).toEqual(['dlv_1']);
    const other = await flowProcess({ leaseMs: 1_500 });
    // Well past the lease time, the holder's renewals (every 500 ms) keep its place.
    const deadline = Date.now() + 4_000;
    await waitUntil(() => Date.now() >= deadline, { what: 'a second to pass' });
    expect((await other.admit('exp_live', limits, [wake(2)])).grants).toEqual([]);
    expect(ids((await holder.release('exp_live', limits, held.grants[0]?.lease as string, false)).grants)).toEqual([
      'dlv_2',
    ]);
  });
});

describe('flow control across worker processes', () => {
  let redis: EmbeddedRedis;
  let database: TestDatabase;
  let dataDir: string;
  let deps: Deps;
  let env: Record<string, string>;
  let groupId: string;
  const workers: WorkerProcess[] = [];
  const receivers: CountingReceiver[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'connector-flow-'));
    redis = await startEmbeddedRedis({ dir: join(dataDir, 'redis'), appendOnly: false });
    database = await createTestDatabase();
    const encryptionKey = randomBytes(32).toString('base64');
    const signingKey = randomBytes(32).toString('base64url');
    rememberSecret(encryptionKey, signingKey);
    // This process ingests; the worker processes deliver, all on one Redis and one database.
    env = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      ENCRYPTION_KEY: encryptionKey,
      TOKEN_SIGNING_KEY: signingKey,
      LOG_LEVEL: 'debug',
      ALLOW_PRIVATE_TARGETS: 'true',
      ALLOW_INSECURE_HTTP: 'true',
      WORKER_CONCURRENCY: '10',
    };
    deps = await createDeps(loadConfig(env), { logger: createLogger('info', new LogSink('flow-test-ingest')) });
    groupId = newId('grp');
    await deps.db.group.create({ data: { id: groupId, name: 'acme' } });
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      worker.child.kill('SIGCONT');
      await worker.kill('SIGKILL');
    }
    for (const receiver of receivers.splice(0)) await receiver.close();
    // Each test starts from empty queues and flow state.
    await deps.redis.flushall();
  });
  afterAll(async () => {
    await deps?.close();
    await redis?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** An authorized export of the group (other exports disabled, so ingest makes deliveries for this one only). */
  async function exportTo(receiver: CountingReceiver, policy: { maxInFlight?: number; rateLimitPerMinute?: number }) {
    await deps.db.export.updateMany({ where: { groupId }, data: { enabled: false } });
    const exp = await createExport(
      deps,
      { groupId, kind: 'user', id: 'usr_flow_test', privileges: [] },
      { name: 'CRM', webhookUrl: receiver.url, ...policy },
    );
    rememberSecret(exp.signingSecret);
    const accessToken = `at-${randomBytes(18).toString('base64url')}`;
    rememberSecret(accessToken);
    await saveTokens(deps, exp.id, { accessToken, expiresAt: null, extra: {} }, { mode: 'authorize', message: 'ok' });
    return exp.id;
  }

  /** Posts `count` engagements together (one group commit, one wake-up job). */
  async function post(count: number): Promise<string[]> {
    const results = await Promise.all(
      Array.from({ length: count }, () => {
        const externalId = newId('ext');
        return ingestEngagement(deps, groupId, { externalId, json: JSON.stringify({ id: externalId }) });
      }),
    );
    return results.flatMap((r) => r.deliveries.map((d) => d.id));
  }

  const waiting = (exportId: string) => deps.redis.zcard(`connector:flow:${exportId}:waiting`);
  const delivered = (exportId: string) => deps.db.delivery.count({ where: { exportId, status: 'delivered' } });
  /** Deliveries a worker process recorded as delivered (its debug log; lines that are not pino's are skipped). */
  const deliveredBy = (worker: WorkerProcess) =>
    worker.logs
      .text()
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"msg":"delivered"') && line.includes('"deliveryId"'))
      .length;

  async function worker(name: string, options: Parameters<typeof startWorkerProcess>[2] = {}) {
    const started = startWorkerProcess(name, env, options);
    workers.push(started);
    await started.started;
    return started;
  }

  it('holds maxInFlight across two processes: the receiver never has more requests open at once', {
    timeout: 120_000,
  }, async () => {
    const receiver = await startCountingReceiver({ gated: true, delayMs: 20 });
    receivers.push(receiver);
    const exportId = await exportTo(receiver, { maxInFlight: 4 });
    const ids: string[] = [];

    // Two deliveries in flight from the first process, held open by the receiver …
    const first = await worker('flow-max-1');
    ids.push(...(await post(2)));
    await waitUntil(() => receiver.open === 2, { what: 'two requests open from the first process' });
    // … two from the second (the first is stopped, so the second takes the jobs) …
    first.child.kill('SIGSTOP');
    const second = await worker('flow-max-2');
    ids.push(...(await post(2)));
    await waitUntil(() => receiver.open === 4, { what: 'two more requests open from the second process' });
    // … and the export is full: twenty more wait in Redis, none is sent, no worker slot is held.
    ids.push(...(await post(20)));
    await waitUntil(async () => (await waiting(exportId)) === 20, {
      what: 'twenty deliveries waiting for room',
      detail: async () => ({ waiting: await waiting(exportId), open: receiver.open }),
    });
    expect(receiver.open).toBe(4);
    expect(receiver.arrivals).toHaveLength(4);
    first.child.kill('SIGCONT');

    // Answered, each lease given back is handed to the next waiting delivery, in either process.
    receiver.openGate();
    await waitUntil(async () => (await delivered(exportId)) === ids.length, {
      what: 'every delivery to be delivered',
      timeoutMs: 60_000,
      detail: async () => ({ delivered: await delivered(exportId), open: receiver.open }),
    });
    expect(receiver.answered).toEqual(new Set(ids));
    expect(receiver.maxOpen).toBe(4);
    // Each process logs a delivery after recording it: the last lines may still be in the pipe.
    await waitUntil(() => deliveredBy(first) + deliveredBy(second) === ids.length, {
      what: 'both processes to have logged every delivery',
      detail: async () => ({ first: deliveredBy(first), second: deliveredBy(second) }),
    });
    expect(deliveredBy(first)).toBeGreaterThanOrEqual(2);
    expect(deliveredBy(second)).toBeGreaterThanOrEqual(2);
    // Every lease was given back.
    expect(await deps.redis.zcard(`connector:flow:${exportId}:leases`)).toBe(0);
    expect(await waiting(exportId)).toBe(0);
  });

  it('holds rateLimitPerMinute across two processes: no window has more starts than the limit', {
    timeout: 120_000,
  }, async () => {
    // The window is shortened to 2 s (the limit is per window; a minute in production).
    const flow = { rateWindowMs: 2_000 };
    const limit = 3;
    const receiver = await startCountingReceiver({ gated: false });
    receivers.push(receiver);
    const exportId = await exportTo(receiver, { rateLimitPerMinute: limit });
    const ids: string[] = [];

    // The first process starts three, the window's worth …
    const first = await worker('flow-rate-1', { flow });
    ids.push(...(await post(limit)));
    await waitUntil(() => receiver.answered.size === limit, { what: 'the first window' });
    // … the second, alone, waits for the window to move on before it starts the next three …
    first.child.kill('SIGSTOP');
    const second = await worker('flow-rate-2', { flow });
    ids.push(...(await post(limit)));
    await waitUntil(() => receiver.answered.size === 2 * limit, { what: 'the second window', timeoutMs: 20_000 });
    first.child.kill('SIGCONT');
    // … and with both running, the rest keep to the limit as well.
    ids.push(...(await post(2 * limit)));
    await waitUntil(async () => (await delivered(exportId)) === ids.length, {
      what: 'every delivery to be delivered',
      timeoutMs: 60_000,
    });
    expect(receiver.answered).toEqual(new Set(ids));
    await waitUntil(() => deliveredBy(first) + deliveredBy(second) === ids.length, {
      what: 'both processes to have logged every delivery',
    });
    expect(deliveredBy(first)).toBeGreaterThanOrEqual(limit);
    expect(deliveredBy(second)).toBeGreaterThanOrEqual(limit);
    // Any `limit + 1` starts span at least a window. The arrival of a request trails the moment
    // its start was counted by the claim and the push (milliseconds): 300 ms of slack covers it.
    const starts = receiver.arrivals.map((a) => a.at).sort((x, y) => x - y);
    expect(starts).toHaveLength(ids.length);
    const spans = starts.slice(limit).map((at, i) => at - (starts[i] as number));
    for (const span of spans) expect(span).toBeGreaterThanOrEqual(flow.rateWindowMs - 300);
  });

  it('gives a SIGKILLed worker’s leases back and records the attempt it cut off', { timeout: 240_000 }, async () => {
    const flow = { leaseMs: 2_000 };
    const receiver = await startCountingReceiver({ gated: true });
    receivers.push(receiver);
    const exportId = await exportTo(receiver, { maxInFlight: 1 });

    const first = await worker('flow-kill-1', { flow });
    const [cut] = await post(1);
    await waitUntil(() => receiver.open === 1, { what: 'the request held open by the receiver' });
    await first.kill('SIGKILL');
    // The dead process held the export's one place: the next delivery needs it back.
    const [next] = await post(1);
    receiver.openGate();
    await worker('flow-kill-2', { flow });
    // The dead process's lease expires (2 s here) and the second process sends the next one, while
    // the cut-off delivery is still claimed by the dead one …
    const status = async (id: string | undefined) =>
      (await deps.db.delivery.findUniqueOrThrow({ where: { id: id as string } })).status;
    await waitUntil(async () => (await status(next)) === 'delivered', { what: 'the next delivery' });
    expect(await status(cut)).toBe('delivering');
    // … until BullMQ finds its job stalled (its lock expired: 30 to 90 s) and runs it again, which
    // takes the delivery back.
    await waitUntil(async () => (await delivered(exportId)) === 2, {
      what: 'the cut-off delivery to be delivered by the second process',
      timeoutMs: 200_000,
      detail: async () => ({ delivered: await delivered(exportId), waiting: await waiting(exportId) }),
    });
    expect(receiver.answered).toEqual(new Set([cut, next]));
    // The cut-off request went out (the receiver held it) and the second one was answered: two
    // attempts on record, the first saying what happened to it.
    expect(receiver.arrivals.filter((a) => a.webhookId === cut)).toHaveLength(2);
    const row = await deps.db.delivery.findUniqueOrThrow({
      where: { id: cut as string },
      include: { attempts: { orderBy: { attempt: 'asc' } } },
    });
    expect(row.attemptCount).toBe(2);
    expect(row.attempts.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, null, CUT_OFF_ATTEMPT_ERROR],
      [2, 200, null],
    ]);
    expect(receiver.maxOpen).toBe(1);
    expect(await deps.redis.zcard(`connector:flow:${exportId}:leases`)).toBe(0);
  });
});

describe('fairness in one worker process', () => {
  let connector: TestConnector;
  let slow: CountingReceiver;
  let fast: CountingReceiver;

  beforeAll(async () => {
    connector = await startConnector({ env: { WORKER_CONCURRENCY: '4' } });
    slow = await startCountingReceiver({ gated: true });
    fast = await startCountingReceiver({ gated: false });
  });
  afterAll(async () => {
    await slow?.close();
    await fast?.close();
    await connector?.close();
  });

  it('sends a fast export’s deliveries while a slow one’s backlog waits, holding no worker slot', async () => {
    const { deps } = connector;
    const groupId = (await deps.db.group.findFirstOrThrow()).id;
    const actor = { groupId, kind: 'user' as const, id: 'usr_fairness_test', privileges: [] };
    const exportIds: string[] = [];
    for (const [receiver, policy] of [
      [slow, { maxInFlight: 2 }],
      [fast, {}],
    ] as const) {
      const exp = await createExport(deps, actor, { name: 'CRM', webhookUrl: receiver.url, ...policy });
      rememberSecret(exp.signingSecret);
      const accessToken = `at-${randomBytes(18).toString('base64url')}`;
      rememberSecret(accessToken);
      await saveTokens(deps, exp.id, { accessToken, expiresAt: null, extra: {} }, { mode: 'authorize', message: 'ok' });
      exportIds.push(exp.id);
    }
    const [slowId, fastId] = exportIds as [string, string];
    // Every engagement goes to both exports; the slow CRM holds every request it gets.
    const total = 40;
    for (let start = 0; start < total; start += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          ingestEngagement(deps, groupId, { externalId: `F-${start + i}`, json: `{"id":"F-${start + i}"}` }),
        ),
      );
    }
    const count = (exportId: string, status: string) => deps.db.delivery.count({ where: { exportId, status } });
    await waitUntil(async () => (await count(fastId, 'delivered')) === total, {
      what: 'every delivery of the fast export',
      detail: async () => ({ fast: await count(fastId, 'delivered'), slowOpen: slow.open }),
    });
    // Meanwhile the slow export has its two in flight and the rest waiting, not in worker slots.
    expect(slow.open).toBe(2);
    expect(await count(slowId, 'delivering')).toBe(2);
    expect(await count(slowId, 'pending')).toBe(total - 2);

    slow.openGate();
    await waitUntil(async () => (await count(slowId, 'delivered')) === total, { what: 'the slow backlog' });
    expect(slow.maxOpen).toBe(2);
    expect(fast.answered.size).toBe(total);
  });
});
