import { afterAll, describe, expect } from 'vitest';
import { ADMIN, type TestConnector } from '../helpers/connector.ts';
import { postEngagement, seedTokens, statusCounts, waitFor } from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { it } from '../helpers/fixtures.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// GET /v1/deliveries (the group's delivery log across exports) and POST /v1/deliveries/retry
// (bulk retry by filter), docs/api/deliveries.md. Three exports: one whose receiver takes
// everything, one whose receiver refuses with a status the export calls permanent (failed at
// once), one never authorized (parked). Three engagements, each to all three.

interface Item {
  id: string;
  exportId: string;
  engagementId: string;
  postedEngagementId: string;
  status: string;
  exportName: string;
  eventType: string;
  createdAt: string;
}

describe('the group’s delivery log and bulk retry', () => {
  let connector: TestConnector;
  let token: string;
  const receivers: WebhookReceiver[] = [];
  let refusing = true;
  const ids = { ok: '', failing: '', parked: '' };
  const engagements: { id: string; engagementId: string; at: number }[] = [];
  afterAll(async () => {
    for (const r of receivers) await r.close();
  });

  it.beforeAll(async ({ connector: started, adminToken }) => {
    connector = started;
    token = adminToken;
    const secrets: Record<string, string> = {};
    const accessTokens = new Set<string>();
    const receiver = (name: string, respond?: () => { status: number; body?: string }) =>
      startWebhookReceiver({ secrets: () => [secrets[name] ?? ''], acceptToken: (t) => accessTokens.has(t), respond });
    const okReceiver = await receiver('ok');
    const failingReceiver = await receiver('failing', () =>
      refusing ? { status: 422, body: '{"error":"not now"}' } : { status: 200 },
    );
    receivers.push(okReceiver, failingReceiver);
    const ok = await createExport(connector, token, { name: 'Accepting CRM', webhookUrl: okReceiver.url });
    const failing = await createExport(connector, token, {
      name: 'Refusing CRM',
      webhookUrl: failingReceiver.url,
      permanentStatuses: [422],
    });
    const parked = await createExport(connector, token, { name: 'Unauthorized CRM', webhookUrl: okReceiver.url });
    Object.assign(secrets, { ok: ok.signingSecret, failing: failing.signingSecret });
    Object.assign(ids, { ok: ok.id, failing: failing.id, parked: parked.id });
    accessTokens.add(await seedTokens(connector, ok.id));
    accessTokens.add(await seedTokens(connector, failing.id));
    for (const id of ['E-log-1', 'E-log-2', 'E-log-3']) {
      // Each engagement in a later millisecond than the one before, so since/until can part them.
      const last = engagements[engagements.length - 1]?.at ?? 0;
      await waitFor(
        async () => Date.now(),
        (now) => now > last,
        'the next millisecond',
      );
      const posted = await postEngagement(connector, token, { id });
      const row = await connector.deps.db.delivery.findFirstOrThrow({ where: { engagementId: posted.engagementId } });
      engagements.push({ id, engagementId: posted.engagementId, at: row.createdAt.getTime() });
    }
    for (const [exportId, status] of [
      [ids.ok, 'delivered'],
      [ids.failing, 'failed'],
      [ids.parked, 'parked'],
    ] as const) {
      await waitFor(
        () => statusCounts(connector, exportId),
        (counts) => counts[status] === 3,
        `three ${status} deliveries of ${exportId}`,
      );
    }
  });

  const log = async (query = '') => {
    const answer = await api(connector, 'GET', `/deliveries${query}`, token);
    expect(answer.status).toBe(200);
    return answer.body as { items: Item[]; nextCursor: string | null };
  };

  it('lists every export’s deliveries newest first, each naming its export and event type', async () => {
    const { items, nextCursor } = await log();
    expect(items).toHaveLength(9);
    expect(nextCursor).toBeNull();
    const created = items.map((i) => Date.parse(i.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(items.slice(0, 3).map((i) => i.engagementId)).toEqual(Array(3).fill(engagements[2]?.engagementId));
    expect(items.slice(0, 3).map((i) => i.postedEngagementId)).toEqual(Array(3).fill(engagements[2]?.id));
    const names = { [ids.ok]: 'Accepting CRM', [ids.failing]: 'Refusing CRM', [ids.parked]: 'Unauthorized CRM' };
    for (const item of items) {
      expect(item.exportName).toBe(names[item.exportId]);
      expect(item.eventType).toBe('engagement.completed');
      expect(item).toHaveProperty('attemptCount');
      expect(item).toHaveProperty('lastStatusCode');
    }
  });

  it('filters by export, status, engagement and time', async () => {
    const byExport = await log(`?exportId=${ids.failing}`);
    expect(byExport.items.map((i) => [i.exportId, i.status])).toEqual(Array(3).fill([ids.failing, 'failed']));
    expect((await log('?status=parked')).items.map((i) => i.exportId)).toEqual(Array(3).fill(ids.parked));
    const two = await log('?status=failed,parked');
    expect(new Set(two.items.map((i) => i.status))).toEqual(new Set(['failed', 'parked']));
    expect(two.items).toHaveLength(6);
    expect((await log(`?status=delivered&exportId=${ids.failing}`)).items).toEqual([]);

    // The engagement by the id the client posted or the one the connector answered.
    const second = engagements[1] as { id: string; engagementId: string; at: number };
    const byClientId = await log(`?engagementId=${second.id}`);
    expect(byClientId.items.map((i) => i.engagementId)).toEqual(Array(3).fill(second.engagementId));
    expect((await log(`?engagementId=${second.engagementId}`)).items).toEqual(byClientId.items);
    expect((await log('?engagementId=never-posted')).items).toEqual([]);

    // since is inclusive, until exclusive.
    const at = new Date(second.at).toISOString();
    const since = await log(`?since=${encodeURIComponent(at)}`);
    expect(new Set(since.items.map((i) => i.engagementId))).toEqual(
      new Set([second.engagementId, engagements[2]?.engagementId]),
    );
    const until = await log(`?until=${encodeURIComponent(at)}`);
    expect(until.items.map((i) => i.engagementId)).toEqual(Array(3).fill(engagements[0]?.engagementId));
    const window = await log(
      `?since=${encodeURIComponent(at)}&until=${encodeURIComponent(new Date(second.at + 1).toISOString())}&exportId=${ids.ok}`,
    );
    expect(window.items.map((i) => i.engagementId)).toEqual([second.engagementId]);
  });

  it('pages with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const page: { items: Item[]; nextCursor: string | null } = await log(
        `?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      sizes.push(page.items.length);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([4, 4, 1]);
    expect(seen).toEqual((await log()).items.map((i) => i.id));
  });

  it('refuses bad filters with 400 naming the field', async () => {
    for (const [query, field] of [
      ['?since=yesterday', 'since'],
      ['?until=2025-13-45', 'until'],
      ['?status=lost', 'status.0'],
      ['?limit=0', 'limit'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?colour=red', 'colour'],
    ]) {
      const answer = await api(connector, 'GET', `/deliveries${query}`, token);
      expect(answer.status, query).toBe(400);
      expect(
        answer.body.errors.map((e: { field: string }) => e.field),
        query,
      ).toContain(field);
    }
  });

  it('shows another group nothing, and 404 for this group’s export', async () => {
    const group = await api(connector, 'POST', '/groups', token, { name: 'log-other-group' });
    expect(group.status).toBe(201);
    const other = await api(connector, 'POST', '/auth/token', null, { ...ADMIN, group: 'log-other-group' });
    rememberSecret(other.body.token);
    const theirs = await api(connector, 'GET', '/deliveries', other.body.token);
    expect(theirs.body).toEqual({ items: [], nextCursor: null });
    expect((await api(connector, 'GET', `/deliveries?exportId=${ids.ok}`, other.body.token)).status).toBe(404);
    const retried = await api(connector, 'POST', '/deliveries/retry', other.body.token, {});
    expect(retried.body).toEqual({ retried: 0, truncated: false });
    expect(await statusCounts(connector, ids.failing)).toEqual({ failed: 3 });
  });

  it('retries only the failed and dead deliveries that match, with the same webhook-id', async () => {
    const failingReceiver = receivers[1] as WebhookReceiver;
    refusing = false;
    const first = engagements[0] as { id: string; engagementId: string };
    const one = await api(connector, 'POST', '/deliveries/retry', token, {
      exportId: ids.failing,
      status: 'failed',
      engagementId: first.id,
    });
    expect(one.status).toBe(202);
    expect(one.body).toEqual({ retried: 1, truncated: false });
    const retriedId = (await log(`?exportId=${ids.failing}&engagementId=${first.id}`)).items[0]?.id as string;
    await waitFor(
      () => statusCounts(connector, ids.failing),
      (counts) => counts.delivered === 1 && counts.failed === 2,
      'the one retried delivery to be delivered',
    );
    expect(failingReceiver.requestsFor(retriedId).map((r) => r.status)).toEqual([422, 200]);

    // Without a filter: the group's other failed ones; parked and delivered ones are left alone.
    const rest = await api(connector, 'POST', '/deliveries/retry', token, { status: ['failed', 'dead'] });
    expect(rest.body).toEqual({ retried: 2, truncated: false });
    await waitFor(
      () => statusCounts(connector, ids.failing),
      (counts) => counts.delivered === 3,
      'every delivery of the refusing export to be delivered',
    );
    expect(await statusCounts(connector, ids.parked)).toEqual({ parked: 3 });
    expect(failingReceiver.ids().size).toBe(3);
    expect(failingReceiver.received).toHaveLength(6);
    expect((await api(connector, 'POST', '/deliveries/retry', token, {})).body).toEqual({
      retried: 0,
      truncated: false,
    });
    const audit = await connector.deps.db.auditLog.findMany({ where: { action: 'delivery.bulk_retry' } });
    expect(audit.map((a) => JSON.parse(a.details ?? '{}').retried)).toEqual(expect.arrayContaining([1, 2, 0]));
  });

  it('refuses a bulk retry body it does not know', async () => {
    for (const [body, field] of [
      [{ status: 'parked' }, 'status'],
      [{ status: [] }, 'status'],
      [{ since: 'last week' }, 'since'],
      [{ exportId: '' }, 'exportId'],
      [{ everything: true }, 'everything'],
    ] as const) {
      const answer = await api(connector, 'POST', '/deliveries/retry', token, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.errors.map((e: { field: string }) => e.field).join(' '), JSON.stringify(body)).toContain(
        field,
      );
    }
  });
});
