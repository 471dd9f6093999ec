import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../apps/core/db/migrate.ts';
import { resolveDatabase } from '../../apps/core/db/target.ts';
import { tableNamesOf } from '../../apps/core/deliveries/sql.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';

describe('the connector on real Redis and a real database', () => {
  let connector: TestConnector;
  beforeAll(async () => {
    connector = await startConnector();
  });
  afterAll(async () => connector?.close());

  it('answers /healthz and /readyz once the database and Redis are reachable', async () => {
    const health = await fetch(`${connector.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${connector.baseUrl}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
  });

  it('created the bootstrap group and its admin on the empty database', async () => {
    const group = await connector.deps.db.group.findUnique({
      where: { name: 'acme' },
      include: { memberships: { include: { user: true } } },
    });
    expect(group?.memberships.map((m) => [m.user.username, m.role])).toEqual([['admin', 'admin']]);
    expect(group?.memberships[0]?.user.passwordHash).toMatch(/^scrypt\$/);
  });

  it('applies migrations once when several processes migrate at the same time', async () => {
    const target = resolveDatabase({ DATABASE_URL: connector.database.url, DATA_DIR: '.' });
    const results = await Promise.all([migrate(target), migrate(target), migrate(target)]);
    expect(results.flat()).toEqual([]);
  });

  it("finds an engagement's deliveries through an index, not by reading the whole table", async () => {
    // A repeated engagement answers with its deliveries, and deleting one cascades to them.
    const { db } = connector.deps;
    const query = `SELECT id FROM ${tableNamesOf(connector.deps).deliveries} WHERE engagement_id = 'eng_x'`;
    const plan =
      connector.database.provider === 'postgresql'
        ? await db.$transaction(async (tx) => {
            // On a near-empty table a scan is cheapest; forbid it to see which index can serve.
            await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
            const rows = await tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${query}`);
            return rows.map((row) => row['QUERY PLAN']).join('\n');
          })
        : (await db.$queryRawUnsafe<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${query}`))
            .map((r) => r.detail)
            .join('\n');
    expect(plan).toContain('deliveries_engagement_id_export_id_key');
    expect(plan).not.toMatch(/Seq Scan|SCAN deliveries/);
  });

  it('answers problem+json for an unknown route', async () => {
    const res = await fetch(`${connector.baseUrl}/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });
});
