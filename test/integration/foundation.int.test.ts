import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it("finds an engagement's deliveries through an index, not by reading the whole table", async () => {
    // A repeated engagement answers with its deliveries, and deleting one cascades to them.
    const { db } = connector.deps;
    // Prisma applies `?schema=` to its own queries only: a raw statement names the schema itself.
    const schema = new URL(connector.database.url).searchParams.get('schema');
    const table = schema ? `"${schema}"."deliveries"` : '"deliveries"';
    const query = `SELECT id FROM ${table} WHERE engagement_id = 'eng_x'`;
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
    expect(plan).toContain('deliveries_engagement_id_export_id_idx');
    expect(plan).not.toMatch(/Seq Scan|SCAN deliveries/);
  });

  it('answers problem+json for an unknown route', async () => {
    const res = await fetch(`${connector.baseUrl}/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });
});
