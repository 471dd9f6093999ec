import { afterAll, describe, expect } from 'vitest';
import { ADMIN, type TestConnector } from '../helpers/connector.ts';
import {
  authorizeWithProvider,
  postEngagement,
  providerHonours,
  setRetrySchedule,
  waitFor,
} from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { it } from '../helpers/fixtures.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { signInNewMember } from '../helpers/members.ts';
import type { TestOidcProvider } from '../helpers/oidc-provider.ts';
import {
  type ReceiverAnswer,
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.ts';

const FINAL = ['delivered', 'failed', 'dead'];
it.override('oidcProviderOptions', { rotateRefreshTokens: true });

describe('engagements pushed to CRM webhooks: every answer ends in the right state', () => {
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let token: string;
  const receivers: WebhookReceiver[] = [];
  let refreshGrants = 0;

  /** An export whose webhook is a verifying receiver answering as `respond` says, authorized at the provider. */
  async function exportWithReceiver(name: string, respond: (r: ReceivedWebhook) => ReceiverAnswer, schedule: number[]) {
    const secrets: string[] = [];
    const receiver = await startWebhookReceiver({
      secrets: () => secrets,
      acceptToken: providerHonours(provider),
      respond,
    });
    receivers.push(receiver);
    const exp = await createExport(connector, token, { name, webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    await setRetrySchedule(connector, exp.id, schedule);
    await authorizeWithProvider(connector, token, exp.id, provider);
    return { id: exp.id, receiver };
  }

  const delivery = async (id: string) => (await api(connector, 'GET', `/deliveries/${id}`, token)).body;

  it.beforeAll(({ connector: started, adminToken, oidcProvider }) => {
    connector = started;
    token = adminToken;
    provider = oidcProvider;
    provider.provider.on('grant.success', (...args: unknown[]) => {
      const ctx = args[0] as { oidc: { params?: { grant_type?: string } } };
      if (ctx.oidc.params?.grant_type === 'refresh_token') refreshGrants++;
    });
  });
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
  });

  let ok: { id: string; receiver: WebhookReceiver };
  let rejecting: { id: string; receiver: WebhookReceiver };
  let slow: { id: string; receiver: WebhookReceiver };
  let rejectingMode: 'reject' | 'accept' = 'reject';
  let slowMode: 'slow' | 'fast' = 'slow';
  let firstDeliveries: { id: string; exportId: string }[] = [];

  it('delivers, retries, fails, disables and gives up exactly as each receiver answers', {
    timeout: 120_000,
  }, async () => {
    ok = await exportWithReceiver('always 200', () => ({ status: 200 }), [0, 0.05]);
    slow = await exportWithReceiver(
      'slower than the timeout',
      () => (slowMode === 'slow' ? { status: 200, delayMs: 16_000 } : { status: 200 }),
      [0, 0.05],
    );
    const throttled = await exportWithReceiver(
      '429 with Retry-After',
      (r) => (r.nth === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }),
      [0, 0.05, 0.05],
    );
    // RFC 9110 §10.2.3: Retry-After as an HTTP-date, here two seconds ahead, against a 50 ms schedule.
    const unavailable = await exportWithReceiver(
      '503 with Retry-After as a date',
      (r) =>
        r.nth === 1
          ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 2_000).toUTCString() } }
          : { status: 200 },
      [0, 0.05, 0.05],
    );
    const expiredSession = await exportWithReceiver(
      '401 once',
      (r) => ({ status: r.nth === 1 ? 401 : 200 }),
      [0, 0.05],
    );
    const gone = await exportWithReceiver('410', () => ({ status: 410 }), [0, 0.05]);
    rejecting = await exportWithReceiver(
      '400',
      () => (rejectingMode === 'reject' ? { status: 400, body: '{"error":"unknown field: mood"}' } : { status: 200 }),
      [0, 0.05],
    );
    // 400 fails at once only because this export names it permanent; any other 4xx is retried.
    const policy = await api(connector, 'PATCH', `/exports/${rejecting.id}`, token, { permanentStatuses: [400, 422] });
    expect(policy).toMatchObject({ status: 200, body: { permanentStatuses: [400, 422] } });
    const limited = await exportWithReceiver(
      "Salesforce's 403 REQUEST_LIMIT_EXCEEDED once",
      (r) =>
        r.nth === 1
          ? {
              status: 403,
              body: '[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]',
            }
          : { status: 200 },
      [0, 0.05],
    );
    const notYet = await exportWithReceiver('404 once', (r) => ({ status: r.nth === 1 ? 404 : 200 }), [0, 0.05]);

    // Sent as raw text: a number beyond double precision must reach the CRM exactly as sent.
    const raw = '{"id":"E-100","channel":"chat","visitor":{"name":"Ada"},"score":12345678901234567890}';
    const posted = await api(connector, 'POST', '/engagements', token, raw);
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ id: 'E-100', duplicate: false });
    firstDeliveries = posted.body.deliveries;
    expect(firstDeliveries).toHaveLength(9);
    const deliveryOf = (exportId: string) => firstDeliveries.find((d) => d.exportId === exportId)?.id as string;

    await waitFor(
      () => Promise.all(firstDeliveries.map((d) => delivery(d.id))),
      (all) => all.every((d) => FINAL.includes(d.status)),
      'every delivery to reach a final state',
      90_000,
    );

    const okDelivery = await delivery(deliveryOf(ok.id));
    expect(okDelivery).toMatchObject({ status: 'delivered', attemptCount: 1, lastStatusCode: 200, lastError: null });
    expect(okDelivery.attempts).toMatchObject([{ attempt: 1, statusCode: 200, error: null }]);
    expect(okDelivery.deliveredAt).toBeTruthy();
    const [received] = ok.receiver.received;
    expect(received?.webhookId).toBe(okDelivery.id);
    expect(received?.body.type).toBe('engagement.completed');
    expect(received?.body.data).toMatchObject({ id: 'E-100', channel: 'chat', visitor: { name: 'Ada' } });

    const slowDelivery = await delivery(deliveryOf(slow.id));
    expect(slowDelivery).toMatchObject({ status: 'dead', attemptCount: 2, lastStatusCode: null });
    expect(slowDelivery.attempts).toHaveLength(2);
    for (const attempt of slowDelivery.attempts) expect(attempt.error).toMatch(/within 15 s/);

    const throttledDelivery = await delivery(deliveryOf(throttled.id));
    expect(throttledDelivery).toMatchObject({ status: 'delivered', attemptCount: 2 });
    expect(throttledDelivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([429, 200]);
    const [first, second] = throttled.receiver.requestsFor(throttledDelivery.id);
    // Retry-After: 1 was honoured although the schedule said 50 ms.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);

    const unavailableDelivery = await delivery(deliveryOf(unavailable.id));
    expect(unavailableDelivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 200]);
    const [refusedOnce, acceptedLater] = unavailable.receiver.requestsFor(unavailableDelivery.id);
    // The date is whole seconds: at least one full second later, never the schedule's 50 ms.
    expect((acceptedLater?.at ?? 0) - (refusedOnce?.at ?? 0)).toBeGreaterThanOrEqual(1000);

    const refreshedDelivery = await delivery(deliveryOf(expiredSession.id));
    expect(refreshedDelivery).toMatchObject({ status: 'delivered', attemptCount: 2 });
    expect(refreshedDelivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([401, 200]);
    expect(refreshedDelivery.attempts[0].error).toMatch(/refreshing it and sending again/);
    const [refused, accepted] = expiredSession.receiver.requestsFor(refreshedDelivery.id);
    expect(accepted?.bearer).not.toBe(refused?.bearer);
    expect(refreshGrants).toBe(1);

    const goneDelivery = await delivery(deliveryOf(gone.id));
    expect(goneDelivery).toMatchObject({ status: 'failed', attemptCount: 1, lastStatusCode: 410 });
    const goneExport = (await api(connector, 'GET', `/exports/${gone.id}`, token)).body;
    expect(goneExport).toMatchObject({
      enabled: false,
      status: 'disabled',
      disabledReason: expect.stringMatching(/410 Gone/),
    });

    const rejected = await delivery(deliveryOf(rejecting.id));
    expect(rejected).toMatchObject({ status: 'failed', attemptCount: 1, lastStatusCode: 400 });
    expect(rejected.lastError).toContain('unknown field: mood');
    expect(rejected.attempts[0].responseSnippet).toBe('{"error":"unknown field: mood"}');

    for (const passing of [limited, notYet]) {
      const retried = await delivery(deliveryOf(passing.id));
      expect(retried).toMatchObject({ status: 'delivered', attemptCount: 2 });
      expect(retried.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([
        passing === limited ? 403 : 404,
        200,
      ]);
    }

    // Every request verified (signature and Bearer token): nothing was refused by a receiver.
    for (const receiver of receivers) expect(receiver.refused).toEqual([]);
  });

  it('takes a retry schedule, permanent statuses and flow control through the API, and shows the defaults', async () => {
    const created = await api(connector, 'POST', '/exports', token, {
      name: 'policy',
      webhookUrl: 'http://127.0.0.1:9/hook',
      enabled: false,
    });
    expect(created.body).toMatchObject({
      retrySchedule: [5, 300, 1800, 7200, 18000, 36000, 36000],
      permanentStatuses: [],
      maxInFlight: 20,
      rateLimitPerMinute: null,
      ordered: false,
    });
    const path = `/exports/${created.body.id}`;
    const changed = await api(connector, 'PATCH', path, token, { retrySchedule: [1, 60], permanentStatuses: [422] });
    expect(changed).toMatchObject({ status: 200, body: { retrySchedule: [1, 60], permanentStatuses: [422] } });
    const column = await connector.deps.db.export.findUniqueOrThrow({ where: { id: String(created.body.id) } });
    expect(JSON.parse(String(column.retrySchedule))).toEqual([0, 1, 60]);
    const flow = await api(connector, 'PATCH', path, token, { maxInFlight: 3, rateLimitPerMinute: 600 });
    expect(flow.body).toMatchObject({ maxInFlight: 3, rateLimitPerMinute: 600, ordered: false });
    // Ordered sends one at a time whatever maxInFlight says; null takes the rate limit off.
    const ordered = await api(connector, 'PATCH', path, token, { ordered: true, rateLimitPerMinute: null });
    expect(ordered.body).toMatchObject({ maxInFlight: 1, rateLimitPerMinute: null, ordered: true });
    for (const [body, field] of [
      [{ retrySchedule: [] }, 'retrySchedule'],
      [{ retrySchedule: Array(21).fill(1) }, 'retrySchedule'],
      [{ retrySchedule: [86_401] }, 'retrySchedule.0'],
      [{ retrySchedule: [1.5] }, 'retrySchedule.0'],
      [{ permanentStatuses: [401] }, 'permanentStatuses.0'],
      [{ permanentStatuses: [429] }, 'permanentStatuses.0'],
      [{ permanentStatuses: [500] }, 'permanentStatuses.0'],
      [{ maxInFlight: 0 }, 'maxInFlight'],
      [{ maxInFlight: 101 }, 'maxInFlight'],
      [{ rateLimitPerMinute: 100_001 }, 'rateLimitPerMinute'],
      [{ ordered: 'yes' }, 'ordered'],
    ] as const) {
      const refused = await api(connector, 'PATCH', path, token, body);
      expect(refused.status).toBe(400);
      expect((refused.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    }
    expect((await api(connector, 'GET', path, token)).body).toMatchObject({ retrySchedule: [1, 60] });
    // The later tests expect every enabled export of the group to be authorized.
    expect((await api(connector, 'DELETE', path, token)).status).toBe(204);
  });

  it('retries a receiver that answers 500 half the time until every delivery is through', {
    timeout: 90_000,
  }, async () => {
    // Only this export takes part: the others are switched off (their deliveries are final).
    for (const d of firstDeliveries) await api(connector, 'PATCH', `/exports/${d.exportId}`, token, { enabled: false });
    let requests = 0;
    const flaky = await exportWithReceiver(
      '500 half the time',
      () => ({ status: requests++ % 2 === 0 ? 500 : 200 }),
      Array(20).fill(0.02),
    );
    const posted = await Promise.all(
      Array.from({ length: 20 }, (_, i) => postEngagement(connector, token, { id: `F-${i}`, n: i })),
    );
    const ids = posted.map((p) => p.deliveries[0]?.id as string);
    const all = await waitFor(
      () => Promise.all(ids.map(delivery)),
      (rows) => rows.every((d) => FINAL.includes(d.status)),
      'the flaky deliveries',
    );
    for (const d of all) {
      expect(d.status).toBe('delivered');
      // The attempts recorded are exactly the answers the receiver gave, in order.
      const answers = flaky.receiver.requestsFor(d.id).map((r) => r.status);
      expect(d.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual(answers);
      expect(answers[answers.length - 1]).toBe(200);
      expect(d.attemptCount).toBe(answers.length);
    }
    const statuses = flaky.receiver.received.map((r) => r.status);
    expect(statuses.filter((s) => s === 500).length).toBe(Math.ceil(statuses.length / 2));
    expect(flaky.receiver.ids().size).toBe(20);

    // The same engagement posted again makes no second delivery.
    const again = await postEngagement(connector, token, { id: 'F-3', n: 3 });
    expect(again).toMatchObject({ duplicate: true, engagementId: posted[3]?.engagementId });
    expect(again.deliveries.map((d) => d.id)).toEqual(posted[3]?.deliveries.map((d) => d.id));
    // Delivery ids have one shape on both databases (128 random-looking bits, base64url).
    for (const d of again.deliveries) expect(d.id).toMatch(/^dlv_[A-Za-z0-9_-]{22}$/);
    expect(await connector.deps.db.delivery.count({ where: { exportId: flaky.id } })).toBe(20);
  });

  it('lists, shows, retries and replays deliveries, and hides them from other groups', {
    timeout: 60_000,
  }, async () => {
    const rejectedId = firstDeliveries.find((d) => d.exportId === rejecting.id)?.id as string;
    // Retry: only failed or dead deliveries; the receiver now accepts it.
    expect(
      (
        await api(
          connector,
          'POST',
          `/deliveries/${firstDeliveries.find((d) => d.exportId === ok.id)?.id}/retry`,
          token,
        )
      ).status,
    ).toBe(409);
    await api(connector, 'PATCH', `/exports/${rejecting.id}`, token, { enabled: true });
    rejectingMode = 'accept';
    const retried = await api(connector, 'POST', `/deliveries/${rejectedId}/retry`, token);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: rejectedId, status: 'pending' });
    const done = await waitFor(
      () => delivery(rejectedId),
      (d) => d.status === 'delivered',
      'the retried delivery',
    );
    expect(done.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([400, 200]);

    // Replay everything dead since a time: the slow receiver is quick now.
    await api(connector, 'PATCH', `/exports/${slow.id}`, token, { enabled: true });
    slowMode = 'fast';
    const since = new Date(Date.now() - 3600_000).toISOString();
    expect(
      (await api(connector, 'POST', `/exports/${slow.id}/deliveries/replay`, token, { since: 'yesterday' })).body,
    ).toMatchObject({
      status: 400,
      errors: [{ field: 'since' }],
    });
    const replayed = await api(connector, 'POST', `/exports/${slow.id}/deliveries/replay`, token, {
      since,
      status: 'dead',
    });
    expect(replayed).toMatchObject({ status: 202, body: { replayed: 1 } });
    const slowId = firstDeliveries.find((d) => d.exportId === slow.id)?.id as string;
    const revived = await waitFor(
      () => delivery(slowId),
      (d) => d.status === 'delivered',
      'the replayed delivery',
    );
    expect(revived.attemptCount).toBe(3);

    // The log: newest first, filtered by status, by cursor.
    const flakyExport = (
      await connector.deps.db.delivery.findFirstOrThrow({ where: { engagement: { externalId: 'F-0' } } })
    ).exportId;
    const page1 = await api(connector, 'GET', `/exports/${flakyExport}/deliveries?status=delivered&limit=15`, token);
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(15);
    const page2 = await api(
      connector,
      'GET',
      `/exports/${flakyExport}/deliveries?status=delivered&limit=15&cursor=${page1.body.nextCursor}`,
      token,
    );
    expect(page2.body.items).toHaveLength(5);
    expect(page2.body.nextCursor).toBeNull();
    const listed = [...page1.body.items, ...page2.body.items];
    expect(new Set(listed.map((d: { id: string }) => d.id)).size).toBe(20);
    const times = listed.map((d: { createdAt: string }) => d.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(Object.keys(listed[0]).sort()).toEqual(
      [
        'id',
        'exportId',
        'engagementId',
        'status',
        'attemptCount',
        'lastStatusCode',
        'lastError',
        'nextAttemptAt',
        'waitingFor',
        'createdAt',
        'deliveredAt',
        'eventType',
      ].sort(),
    );
    expect((await api(connector, 'GET', `/exports/${flakyExport}/deliveries?status=lost`, token)).body).toMatchObject({
      status: 400,
      errors: [{ field: 'status' }],
    });

    // Another group sees none of it; a viewer reads but neither retries nor posts engagements.
    const created = await api(connector, 'POST', '/groups', token, { name: 'other-group' });
    expect(created.status).toBe(201);
    const other = await fetch(`${connector.baseUrl}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ADMIN, group: 'other-group' }),
    });
    const otherToken = ((await other.json()) as { token: string }).token;
    rememberSecret(otherToken);
    expect((await api(connector, 'GET', `/deliveries/${rejectedId}`, otherToken)).status).toBe(404);
    expect((await api(connector, 'POST', `/deliveries/${rejectedId}/retry`, otherToken)).status).toBe(404);
    expect((await api(connector, 'GET', `/exports/${flakyExport}/deliveries`, otherToken)).status).toBe(404);
    expect(
      (await api(connector, 'POST', `/exports/${flakyExport}/deliveries/replay`, otherToken, { since })).status,
    ).toBe(404);
    const viewer = await signInNewMember(connector, 'viewer');
    expect((await api(connector, 'GET', `/deliveries/${rejectedId}`, viewer.token)).status).toBe(200);
    expect((await api(connector, 'POST', `/deliveries/${rejectedId}/retry`, viewer.token)).status).toBe(403);
    expect((await api(connector, 'POST', '/engagements', viewer.token, { id: 'V-1' })).status).toBe(403);
  });

  it('refuses bodies that are not an engagement, with problem+json naming the field', async () => {
    const tooLarge = await api(connector, 'POST', '/engagements', token, { id: 'BIG', blob: 'x'.repeat(1024 * 1024) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.contentType).toContain('application/problem+json');
    expect(tooLarge.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const noId = await api(connector, 'POST', '/engagements', token, { channel: 'chat' });
    expect(noId.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ field: 'id' }] });
    const numericId = await api(connector, 'POST', '/engagements', token, { id: 42 });
    expect(numericId.body).toMatchObject({ status: 400, errors: [{ field: 'id' }] });
    expect((await api(connector, 'POST', '/engagements', token, [{ id: 'A' }])).status).toBe(400);
    expect((await api(connector, 'POST', '/engagements', token, '{"id": "broken"')).body).toMatchObject({
      status: 400,
      code: 'MALFORMED_JSON',
    });
    const plain = await fetch(`${connector.baseUrl}/v1/engagements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: 'id=1',
    });
    expect(plain.status).toBe(415);
    expect((await api(connector, 'POST', '/engagements', 'not-a-token', { id: 'X' })).status).toBe(401);
  });

  it('reports deliveries, attempt latency, queue depth and refreshes on /metrics', async () => {
    const res = await fetch(`${connector.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/connector_delivery_attempts_total\{outcome="delivered"\} \d+/);
    expect(text).toMatch(/connector_delivery_attempts_total\{outcome="dead"\} 1/);
    expect(text).toMatch(/connector_delivery_attempt_duration_seconds_bucket\{le="0.1",result="2xx"\} \d+/);
    expect(text).toMatch(/connector_queue_jobs\{queue="delivery",state="waiting"\} \d+/);
    expect(text).toMatch(/connector_token_refreshes_total\{outcome="success"\} 1/);
  });

  it('reports the deliveries still waiting, by status, as the database holds them', async () => {
    const waiting = async () => {
      const text = await (await fetch(`${connector.baseUrl}/metrics`)).text();
      return Number(/connector_deliveries_waiting\{status="pending"\} (\d+)/.exec(text)?.[1]);
    };
    await connector.deps.queues.delivery.pause();
    try {
      const before = await waiting();
      const posted = await postEngagement(connector, token, { id: 'waiting-gauge' });
      expect(await waiting()).toBe(before + posted.deliveries.length);
      expect(await waiting()).toBe(await connector.deps.db.delivery.count({ where: { status: 'pending' } }));
    } finally {
      await connector.deps.queues.delivery.resume();
    }
  });
});
