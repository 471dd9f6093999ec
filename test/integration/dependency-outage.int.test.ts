import { connect, createServer, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { seedTokens, waitFor } from '../helpers/deliveries.ts';
import { createExport } from '../helpers/exports.ts';
import { requestJson } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { freePort } from '../../apps/core/net/free-port.ts';

// docs/operations.md: an API that cannot reach Redis or the database answers 503
// with code DEPENDENCY_UNAVAILABLE within 2 s; it never hangs. Every request below is made with a
// client-side deadline of 2 s: an answer that does not come in time fails the request itself.
const ANSWER_WITHIN_MS = 2_000;
// Longer than BullMQ's default drainDelay (5 s): workers of BullMQ 6.0.10–6.1.2 never resumed
// after an outage that long (docs/field-notes.md, "Redis and BullMQ").
const OUTAGE_MS = 6_000;

interface Answer {
  status: number;
  ms: number;
  contentType: string | null;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

/** One request with the 2 s deadline; its status, body and how long it took. */
async function timed(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<Answer> {
  const method = init.method ?? 'GET';
  const started = performance.now();
  const answer = await requestJson<Record<string, unknown> | undefined>(method, url, {
    token: init.token,
    body: init.body,
    timeoutMs: ANSWER_WITHIN_MS,
  }).catch((error: Error) => {
    throw new Error(`${method} ${url} gave no answer within ${ANSWER_WITHIN_MS} ms (${error.name})`);
  });
  return {
    status: answer.status,
    ms: Math.round(performance.now() - started),
    contentType: answer.contentType,
    retryAfter: answer.headers.get('retry-after'),
    body: answer.body ?? {},
  };
}

function postEngagement(connector: TestConnector, token: string, id: string): Promise<Answer> {
  return timed(`${connector.baseUrl}/v1/engagements`, { method: 'POST', token, body: { id, channel: 'chat' } });
}

/** The delivery ids a 202 answered with. */
const deliveryIds = (answer: Answer) =>
  ((answer.body.deliveries ?? []) as { id: string }[]).map((delivery) => delivery.id);

function expectDependencyUnavailable(answer: Answer): void {
  expect(answer.status).toBe(503);
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' });
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
}

describe('Redis stopped for longer than drainDelay and started again on the same port', () => {
  let connector: TestConnector;
  let receiver: WebhookReceiver;
  let token: string;

  beforeAll(async () => {
    // The append-only file keeps Redis' data across the restart, as the embedded default does:
    // this is an outage, not a flush.
    connector = await startConnector({ redisAppendOnly: true });
    rememberSecret(ADMIN.password);
    token = await connector.adminToken();
    rememberSecret(token);
    const secrets: string[] = [];
    let accessToken = '';
    receiver = await startWebhookReceiver({ secrets: () => secrets, acceptToken: (t) => t === accessToken });
    const exp = await createExport(connector, token, { name: 'CRM', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    accessToken = await seedTokens(connector, exp.id);
  });
  afterAll(async () => {
    await receiver?.close();
    await connector?.close();
  });

  it('answers 503 within 2 s during the outage, recovers by itself, and delivers every engagement it accepted', async () => {
    const { baseUrl, deps } = connector;
    const figures: Record<string, number[]> = { readyz: [], get: [], post: [], redisCommand: [], queueAdd: [] };
    const accepted: string[] = [];

    // Before: everything answers.
    expect((await timed(`${baseUrl}/readyz`)).status).toBe(200);
    expect((await timed(`${baseUrl}/v1/exports`, { token })).status).toBe(200);
    const before = await postEngagement(connector, token, `before-${randomUUID()}`);
    expect(before.status).toBe(202);
    accepted.push(...deliveryIds(before));

    // Engagements posted while Redis goes away, four at a time: each is 202 (committed to the
    // database; its wake-up job may not have reached Redis) or 503, never a hang.
    const edge: Answer[] = [];
    let stoppedAt = Number.POSITIVE_INFINITY;
    const poster = async () => {
      while (Date.now() - stoppedAt < 1_000) edge.push(await postEngagement(connector, token, `edge-${randomUUID()}`));
    };
    const posters = Array.from({ length: 4 }, poster);
    await waitFor(
      async () => edge.length,
      (n) => n >= 8,
      'engagements posted before the stop',
    );
    stoppedAt = Date.now();
    await connector.redis.stop();

    const probeKey = `outage-probe:${randomUUID()}`;
    const probeJobId = `outage-probe-${randomUUID()}`;
    let rounds = 0;
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      rounds++;
      const ready = await timed(`${baseUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'not_ready', database: 'ok' });
      figures.readyz?.push(ready.ms);

      // A signed-in GET: the token's revocation cannot be checked, so it is refused (fails closed).
      const list = await timed(`${baseUrl}/v1/exports`, { token });
      expectDependencyUnavailable(list);
      figures.get?.push(list.ms);

      const posted = await postEngagement(connector, token, `during-${randomUUID()}`);
      expect([202, 503]).toContain(posted.status);
      if (posted.status === 202) accepted.push(...deliveryIds(posted));
      else expectDependencyUnavailable(posted);
      figures.post?.push(posted.ms);

      // The request-side connection and the producers' queue handles reject at once, and keep
      // nothing to send later (checked after the restart).
      let started = performance.now();
      await expect(deps.redis.set(probeKey, 'sent during the outage')).rejects.toThrow();
      figures.redisCommand?.push(Math.round(performance.now() - started));
      started = performance.now();
      await expect(
        deps.queues.maintenance.add('outage-probe', { task: 'sweep' }, { jobId: probeJobId, delay: 3_600_000 }),
      ).rejects.toThrow();
      figures.queueAdd?.push(Math.round(performance.now() - started));
      // Sampled five times a second: the outage lasts as long as it does whatever the pace.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await Promise.all(posters);
    for (const answer of edge) {
      expect([202, 503]).toContain(answer.status);
      if (answer.status === 202) accepted.push(...deliveryIds(answer));
    }
    const outageMs = Date.now() - stoppedAt;
    expect(outageMs).toBeGreaterThan(5_000);
    expect(rounds).toBeGreaterThan(3);

    await connector.redis.restart();

    // After: the same connector answers again, without a restart of its own.
    const recovered = await waitFor(
      () => timed(`${baseUrl}/readyz`),
      (answer) => answer.status === 200,
      '/readyz to answer 200 again',
      20_000,
    );
    expect(recovered.body).toMatchObject({ status: 'ready', database: 'ok', redis: 'ok' });
    expect((await timed(`${baseUrl}/v1/exports`, { token })).status).toBe(200);
    const after = await postEngagement(connector, token, `after-${randomUUID()}`);
    expect(after.status).toBe(202);
    accepted.push(...deliveryIds(after));

    // Nothing asked for during the outage was sent once Redis was back.
    expect(await deps.redis.get(probeKey)).toBeNull();
    expect(await deps.queues.maintenance.getJob(probeJobId)).toBeUndefined();

    // Every engagement answered 202 reaches the CRM: those whose wake-up job was lost with the
    // outage through the sweeper (deliveries/sweeper.ts), the others through their job.
    await waitFor(
      async () => receiver.ids(),
      (ids) => accepted.every((id) => ids.has(id)),
      `the ${accepted.length} accepted deliveries at the receiver`,
      90_000,
    );

    const max = (values: number[] = []) => Math.max(...values);
    const logged = (msg: string) => connector.logs.records().filter((r) => r.msg === msg).length;
    console.log(
      `Redis outage of ${outageMs} ms, ${rounds} rounds; slowest answers (ms): /readyz ${max(figures.readyz)}, ` +
        `GET /v1/exports ${max(figures.get)}, POST /v1/engagements ${max(figures.post)}, ` +
        `request-side command ${max(figures.redisCommand)}, queue add ${max(figures.queueAdd)}; ` +
        `engagements posted around the stop: ${edge.filter((a) => a.status === 202).length} × 202, ` +
        `${edge.filter((a) => a.status === 503).length} × 503 (ingests whose wake-up job failed: ` +
        `${logged('could not queue delivery jobs; the sweeper will')}); ${accepted.length} deliveries accepted, all delivered`,
    );
  }, 150_000);

  it('answers 503 within 2 s while Redis is frozen with its connections open, and 200 once it runs again', async () => {
    const { baseUrl, deps } = connector;
    // The server's own pid: SIGSTOP freezes it without closing a socket, as a hung host or a
    // network partition would, so nothing but the command timeout (redis/connection.ts) can end a wait.
    const pid = Number(/process_id:(\d+)/.exec(await deps.redis.info('server'))?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGSTOP');
    let ready: Answer;
    let list: Answer;
    try {
      ready = await timed(`${baseUrl}/readyz`);
      list = await timed(`${baseUrl}/v1/exports`, { token });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(ready.status).toBe(503);
    expectDependencyUnavailable(list);
    await waitFor(
      () => timed(`${baseUrl}/readyz`),
      (answer) => answer.status === 200,
      '/readyz to answer 200 again',
      20_000,
    );
    expect((await timed(`${baseUrl}/v1/exports`, { token })).status).toBe(200);
    console.log(
      `Redis frozen: /readyz ${ready.status} in ${ready.ms} ms, GET /v1/exports ${list.status} in ${list.ms} ms`,
    );
  }, 60_000);
});

/**
 * A TCP proxy on loopback in front of PostgreSQL that can stop answering: `silence()` cuts every
 * connection and then accepts new ones without ever forwarding a byte (a database host that no
 * longer answers, the case a connect timeout is for); `resume()` forwards again.
 */
async function startSilenceableProxy(target: { host: string; port: number }) {
  let silent = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (silent) return;
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    silence() {
      silent = true;
      for (const socket of sockets) socket.destroy();
    },
    resume() {
      silent = false;
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.skipIf(process.env.TEST_DATABASE !== 'postgresql')('PostgreSQL stops answering', () => {
  let first: TestConnector;
  let connector: TestConnector;
  let proxy: Awaited<ReturnType<typeof startSilenceableProxy>>;
  let token: string;

  beforeAll(async () => {
    const server = new URL(process.env.TEST_POSTGRES_URL as string);
    proxy = await startSilenceableProxy({ host: server.hostname, port: Number(server.port || 5432) });
    // Owns the Redis and the database; `connector` reaches the same database through the proxy.
    first = await startConnector({ workers: false });
    // The same database, reached through the proxy.
    const proxied = new URL(first.database.url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    connector = await startConnector({
      workers: false,
      shareWith: first,
      env: { DATABASE_URL: proxied.toString() },
    });
    rememberSecret(ADMIN.password);
    token = await connector.adminToken();
    rememberSecret(token);
  });
  afterAll(async () => {
    await connector?.close();
    await proxy?.close();
    await first?.close();
  });

  it('answers /readyz and a database route 503 within 2 s, and 200 again once it answers', async () => {
    const { baseUrl } = connector;
    expect((await timed(`${baseUrl}/readyz`)).status).toBe(200);
    expect((await timed(`${baseUrl}/v1/exports`, { token })).status).toBe(200);

    proxy.silence();
    // The first finds its pooled connection cut; the second waits for a new one that never opens.
    const ready = await timed(`${baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not_ready', redis: 'ok' });
    const readyAgain = await timed(`${baseUrl}/readyz`);
    expect(readyAgain.status).toBe(503);
    const list = await timed(`${baseUrl}/v1/exports`, { token });
    expectDependencyUnavailable(list);
    // Engagements arriving together share one transaction (group commit): a batch that cannot
    // reach the database fails for all of them within one connect timeout, not one after another.
    const together = await Promise.all(
      Array.from({ length: 10 }, () => postEngagement(connector, token, `db-down-${randomUUID()}`)),
    );
    for (const answer of together) expectDependencyUnavailable(answer);
    const posted = await postEngagement(connector, token, `db-down-${randomUUID()}`);
    expectDependencyUnavailable(posted);

    proxy.resume();
    await waitFor(
      () => timed(`${baseUrl}/readyz`),
      (answer) => answer.status === 200,
      '/readyz to answer 200 again',
      20_000,
    );
    expect((await timed(`${baseUrl}/v1/exports`, { token })).status).toBe(200);
    console.log(
      `PostgreSQL silent: /readyz ${ready.status} in ${ready.ms} ms, then ${readyAgain.ms} ms, GET /v1/exports ${list.status} in ${list.ms} ms, ` +
        `POST /v1/engagements ${posted.status} in ${posted.ms} ms, ten at once: slowest ` +
        `${Math.max(...together.map((a) => a.ms))} ms`,
    );
  }, 60_000);
});
