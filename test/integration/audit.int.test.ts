import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../helpers/api-keys.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';

interface AuditPage {
  items: { id: string; action: string; outcome: string; createdAt: string; details: Record<string, unknown> | null }[];
  nextCursor: string | null;
}

describe('GET /v1/audit', () => {
  let connector: TestConnector;
  let adminToken: string;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
    for (let i = 0; i < 5; i++)
      await createApiKey(connector, adminToken, { name: `key ${i}`, privileges: ['exports:read'] });
  });
  afterAll(async () => connector?.close());

  const page = async (query: string, token = adminToken) => {
    const res = await fetch(`${connector.baseUrl}/v1/audit${query}`, { headers: { authorization: `Bearer ${token}` } });
    return {
      status: res.status,
      body: (await res.json()) as AuditPage & { code?: string; errors?: { field: string }[] },
    };
  };

  it('pages through the group’s rows newest first with cursors, each row once', async () => {
    const all: AuditPage['items'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await page(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(2);
      all.push(...body.items);
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(cursor).toBeNull();
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    const times = all.map((r) => r.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    const created = all.filter((r) => r.action === 'api_key.create').map((r) => r.details?.name);
    expect(created).toEqual(['key 4', 'key 3', 'key 2', 'key 1', 'key 0']);
    expect(all.map((r) => r.action)).toContain('auth.token.issue');
  });

  it('shows a group only its own rows', async () => {
    await fetch(`${connector.baseUrl}/v1/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name: 'gamma' }),
    });
    const gamma = String((await requestToken(connector, { ...ADMIN, group: 'gamma' })).body.token);
    await createApiKey(connector, gamma, { name: 'gamma key', privileges: ['exports:read'] });
    const { body } = await page('?limit=100', gamma);
    const names = body.items.filter((r) => r.action === 'api_key.create').map((r) => r.details?.name);
    expect(names).toEqual(['gamma key']);
    const acme = await page('?limit=100&action=api_key.create');
    expect(acme.body.items.map((r) => r.details?.name)).not.toContain('gamma key');
  });

  it('filters by actor and by a time window, and pages within the filter', async () => {
    const all = (await page('?limit=100&action=api_key.create')).body.items as (AuditPage['items'][number] & {
      actorId: string | null;
    })[];
    expect(all.length).toBeGreaterThanOrEqual(5);
    const admin = all[0]?.actorId;
    expect(admin).toBeTruthy();
    const byActor = await page(`?limit=100&actorId=${encodeURIComponent(String(admin))}`);
    expect(byActor.status).toBe(200);
    expect(byActor.body.items.length).toBeGreaterThan(0);
    expect(byActor.body.items.every((r) => (r as { actorId?: string }).actorId === admin)).toBe(true);
    expect((await page('?actorId=usr_nobody')).body.items).toEqual([]);

    // The rows of the keys 1–3 (oldest first: 0 … 4), by a window from key 1's time to key 4's.
    const oldestFirst = [...all].reverse();
    const since = oldestFirst[1]?.createdAt ?? '';
    const until = oldestFirst[4]?.createdAt ?? '';
    const inWindow: string[] = [];
    let cursor: string | null = null;
    do {
      const query = `?limit=1&action=api_key.create&since=${since}&until=${until}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body } = await page(query);
      expect(status).toBe(200);
      inWindow.push(...body.items.map((r) => String(r.details?.name)));
      cursor = body.nextCursor;
    } while (cursor);
    const expected = oldestFirst.filter((r) => r.createdAt >= since && r.createdAt < until).map((r) => r.details?.name);
    expect(inWindow).toEqual([...expected].reverse());
    expect(inWindow).not.toContain('key 4');
  });

  it('needs audit:read, and refuses a bad cursor or filter with 400 naming it', async () => {
    const viewer = await signInNewMember(connector, 'viewer');
    expect((await page('', viewer.token)).status).toBe(403);
    const bad = await page('?cursor=not-ours');
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field)).toEqual(['cursor']);
    const badFilter = await page('?outcome=maybe&limit=1000');
    expect(badFilter.body.errors?.map((e) => e.field).sort()).toEqual(['limit', 'outcome']);
    const badWindow = await page('?since=yesterday&until=2026-13-01');
    expect(badWindow.body.errors?.map((e) => e.field).sort()).toEqual(['since', 'until']);
  });
});
