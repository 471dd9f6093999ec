import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../apps/core/db/migrate.ts';
import { resolveDatabase } from '../../apps/core/db/target.ts';
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

  it('answers problem+json for an unknown route', async () => {
    const res = await fetch(`${connector.baseUrl}/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });
});
