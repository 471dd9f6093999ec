import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect } from 'vitest';
import { freePort } from '../../apps/core/net/free-port.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { postEngagement, seedTokens, setRetrySchedule, waitFor } from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { it } from '../helpers/fixtures.ts';

// What GET /v1/deliveries/:id shows of each push (docs/api/delivery-inspector.md), against a
// receiver on loopback that records the raw bytes it got.

const ISO_WITH_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface Got {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** A receiver that keeps every request's headers and raw body, and answers as `answer` says. */
async function startRecordingReceiver(answer: (nth: number) => Answer) {
  const got: Got[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const a = answer(got.length);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/engagements?tenant=acme`,
    got,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the delivery inspector: the request as sent and every answer, token masked', () => {
  let connector: TestConnector;
  let token: string;
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it.beforeAll(({ connector: started, adminToken }) => {
    connector = started;
    token = adminToken;
  });

  const show = async (id: string) => (await api(connector, 'GET', `/deliveries/${id}`, token)).text;

  it('shows the request with the token masked, the exact body, and each answer cut at 4 KiB', {
    timeout: 60_000,
  }, async () => {
    const bigBody = `{"error":"maintenance","detail":"${'d'.repeat(6000)}"}`;
    const receiver = await startRecordingReceiver(
      (nth): Answer =>
        nth === 1
          ? { status: 503, headers: { 'x-request-id': 'req-503', 'cache-control': 'no-store' }, body: bigBody }
          : { status: 200, headers: { 'x-request-id': 'req-200' }, body: '{"ok":true}' },
    );
    closers.push(receiver.close);
    const exp = await createExport(connector, token, { name: 'inspected', webhookUrl: receiver.url });
    await setRetrySchedule(connector, exp.id, [0, 0.05, 0.05]);
    const accessToken = await seedTokens(connector, exp.id);

    // Raw text: key order, a number beyond double precision and non-ASCII must come back as sent.
    const raw = '{"id":"E-inspect-1","visitor":{"name":"Zoë 😀"},"score":12345678901234567890}';
    const posted = await api(connector, 'POST', '/engagements', token, raw);
    expect(posted.status).toBe(202);
    const deliveryId = posted.body.deliveries[0].id as string;

    const text = await waitFor(
      () => show(deliveryId),
      (t) => JSON.parse(t).status === 'delivered',
      'the delivery to be delivered on its second attempt',
    );
    expect(text).not.toContain(accessToken);
    const view = JSON.parse(text);
    expect(view).toMatchObject({ status: 'delivered', attemptCount: 2, waitingFor: null });
    expect(receiver.got).toHaveLength(2);

    // The request: the URL and the second attempt's headers, the token shown by its last 4 characters.
    const last = receiver.got[1] as Got;
    expect(view.request.url).toBe(receiver.url);
    expect(view.request.headers).toEqual({
      'content-type': 'application/json',
      authorization: `Bearer ****${accessToken.slice(-4)}`,
      'webhook-id': deliveryId,
      'webhook-timestamp': last.headers['webhook-timestamp'],
      'webhook-signature': last.headers['webhook-signature'],
      'user-agent': last.headers['user-agent'],
    });
    expect(last.headers.authorization).toBe(`Bearer ${accessToken}`);
    // The body, byte for byte what the receiver got (on both attempts).
    expect(Buffer.from(view.request.body, 'utf8').equals(last.body)).toBe(true);
    expect((receiver.got[0] as Got).body.equals(last.body)).toBe(true);

    const [refused, accepted] = view.attempts;
    expect(refused).toMatchObject({ attempt: 1, statusCode: 503, error: expect.stringMatching(/^HTTP 503: /) });
    expect(refused.startedAt).toMatch(ISO_WITH_MS);
    expect(refused.durationMs).toEqual(expect.any(Number));
    expect(refused.responseHeaders).toMatchObject({
      'x-request-id': 'req-503',
      'cache-control': 'no-store',
      'content-type': 'application/json',
    });
    expect(refused.responseBody).toBe(`${bigBody.slice(0, 4096)}…`);
    expect(refused.responseSnippet).toBe(refused.responseBody);
    expect(accepted).toMatchObject({
      attempt: 2,
      statusCode: 200,
      error: null,
      responseHeaders: { 'x-request-id': 'req-200' },
      responseBody: '{"ok":true}',
    });
    expect(accepted.startedAt).toMatch(ISO_WITH_MS);
    expect(Date.parse(accepted.startedAt)).toBeGreaterThan(Date.parse(refused.startedAt));

    // The store keeps the masked request per attempt: the real token is in no column.
    const rows = await connector.deps.db.deliveryAttempt.findMany({ where: { deliveryId } });
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(accessToken);
  });

  it('shows no request before the first attempt', async () => {
    // A disabled export gets no delivery at ingest: its row is written here, as ingest would, and
    // no job is queued for it (the sweeper may park it meanwhile; it is never sent).
    const exp = await createExport(connector, token, { name: 'not yet sent', enabled: false });
    const { engagementId } = await postEngagement(connector, token, { id: 'E-inspect-unsent' });
    const engagement = await connector.deps.db.engagement.findUniqueOrThrow({ where: { id: engagementId } });
    const unsent = await connector.deps.db.delivery.create({
      data: {
        id: 'dlv_inspector_unsent',
        exportId: exp.id,
        groupId: engagement.groupId,
        engagementId,
        status: 'pending',
      },
    });
    const view = JSON.parse(await show(unsent.id));
    expect(view).toMatchObject({ attemptCount: 0, attempts: [], request: { url: null, headers: null, body: null } });
  });

  it('shows, for each held delivery of an ordered export, the one it waits for', { timeout: 60_000 }, async () => {
    const receiver = await startRecordingReceiver(() => ({ status: 500, body: '{"error":"down"}' }));
    closers.push(receiver.close);
    const exp = await createExport(connector, token, { name: 'ordered', webhookUrl: receiver.url });
    const patched = await api(connector, 'PATCH', `/exports/${exp.id}`, token, {
      ordered: true,
      retrySchedule: [3600],
    });
    expect(patched).toMatchObject({ status: 200, body: { ordered: true } });
    await seedTokens(connector, exp.id);

    const ids: string[] = [];
    for (let n = 1; n <= 4; n++) {
      const posted = await postEngagement(connector, token, { id: `E-ordered-${n}` });
      ids.push((posted.deliveries.find((d) => d.exportId === exp.id) as { id: string }).id);
    }
    const [head, ...held] = ids as [string, ...string[]];
    await waitFor(
      () => show(head),
      (t) => JSON.parse(t).attemptCount >= 1,
      'the head of the ordered export to fail its first attempt',
    );
    // Every delivery stays pending (the 500 is retried an hour later), so the first holds the rest.
    const views = await Promise.all(ids.map(async (id) => JSON.parse(await show(id))));
    expect(views.map((v) => v.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(views.map((v) => v.waitingFor)).toEqual([null, head, head, head]);

    const list = await api(connector, 'GET', `/exports/${exp.id}/deliveries`, token);
    expect(list.status).toBe(200);
    const listed = new Map(list.body.items.map((d: { id: string; waitingFor: string | null }) => [d.id, d.waitingFor]));
    expect(listed.get(head)).toBeNull();
    for (const id of held) expect(listed.get(id)).toBe(head);

    // Once the head is delivered (set here directly: this file tests the view, not the worker), the next one leads.
    await connector.deps.db.delivery.update({ where: { id: head }, data: { status: 'delivered' } });
    const after = await Promise.all(held.map(async (id) => JSON.parse(await show(id)).waitingFor));
    expect(after).toEqual([null, held[0], held[0]]);
  });
});

describe('a refused connection to OUTBOUND_PROXY_URL is recorded as the proxy fault', () => {
  it('names the proxy in the attempt, not the receiver', { timeout: 60_000 }, async () => {
    const proxyPort = await freePort();
    const proxied = await startConnector({ env: { OUTBOUND_PROXY_URL: `http://127.0.0.1:${proxyPort}` } });
    try {
      const token = await proxied.adminToken();
      const receiver = await startRecordingReceiver(() => ({ status: 200, body: '{}' }));
      try {
        const exp = await createExport(proxied, token, { name: 'behind a proxy', webhookUrl: receiver.url });
        await setRetrySchedule(proxied, exp.id, [0, 3600]);
        await seedTokens(proxied, exp.id);
        const { deliveries } = await postEngagement(proxied, token, { id: 'E-proxy-1' });
        const id = (deliveries[0] as { id: string }).id;
        const view = await waitFor(
          async () => (await api(proxied, 'GET', `/deliveries/${id}`, token)).body,
          (v) => v.attemptCount >= 1,
          'the first attempt through the refused proxy',
        );
        const message = `Could not connect to the outbound proxy 127.0.0.1:${proxyPort} (OUTBOUND_PROXY_URL): ECONNREFUSED`;
        expect(view).toMatchObject({ status: 'pending', lastStatusCode: null, lastError: message });
        expect(view.attempts).toMatchObject([{ attempt: 1, statusCode: null, error: message, responseHeaders: null }]);
        expect(view.request.url).toBe(receiver.url);
        expect(receiver.got).toHaveLength(0);
      } finally {
        await receiver.close();
      }
    } finally {
      await proxied.close();
    }
  });
});
