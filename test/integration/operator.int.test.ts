import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETENTION_TABLES } from '../../apps/core/retention/sweep.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { requestJson } from '../helpers/http.ts';
import { waitUntil } from '../helpers/wait.ts';

const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';

/** A metric's sample line value from the Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operator: metrics, access log, request ids and the queues dashboard', () => {
  let connector: TestConnector;
  let token: string;

  beforeAll(async () => {
    connector = await startConnector({ env: { OPERATOR_TOKEN } });
    token = await connector.adminToken();
  });
  afterAll(async () => {
    await connector?.close();
  });

  it('exposes the stock process and Node metrics, and every counter from 0', async () => {
    const text = await (await fetch(`${connector.baseUrl}/metrics`)).text();
    for (const stock of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
      expect(text).toMatch(new RegExp(`^${stock} `, 'm'));
    }
    expect(text).not.toContain('connector_process_');
    expect(text).not.toContain('connector_deliveries_total');
    expect(sample(text, 'connector_delivery_attempts_total{outcome="dead"}')).toBe(0);
    expect(sample(text, 'connector_engagements_ingested_total{outcome="accepted"}')).toBe(0);
    expect(sample(text, 'connector_code_exchanges_total{outcome="rejected"}')).toBe(0);
    expect(sample(text, 'connector_notifications_total{channel="email",outcome="failed"}')).toBe(0);
    expect(sample(text, 'connector_token_refreshes_total{outcome="reauthorize"}')).toBe(0);
    for (const table of RETENTION_TABLES) {
      expect(sample(text, `connector_retention_deleted_total{table="${table}"}`), table).toBe(0);
    }
  });

  it('counts and logs each request under its route pattern, never its path or query, with its request id', async () => {
    const exportId = 'exp_doesnotexist0000000000';
    const answer = await fetch(`${connector.baseUrl}/v1/exports/${exportId}?q=secret-looking-value`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-abc-123' },
    });
    expect(answer.status).toBe(404);
    expect(answer.headers.get('x-request-id')).toBe('trace-abc-123');

    const generated = await fetch(`${connector.baseUrl}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^req_/);

    const line = await waitUntil(
      () => connector.logs.records().find((r) => r.msg === 'request' && r.requestId === 'trace-abc-123'),
      { timeoutMs: 5_000, what: 'the access log line' },
    );
    expect(line).toMatchObject({ method: 'GET', route: '/v1/exports/:id', status: 404, level: 30 });
    expect(typeof line.durationMs).toBe('number');
    expect(line.groupId).toMatch(/^grp_/);
    expect(line.ip).toBe('127.0.0.1');
    expect(connector.logs.text()).not.toContain(exportId);
    expect(connector.logs.text()).not.toContain('secret-looking-value');

    const text = await (await fetch(`${connector.baseUrl}/metrics`)).text();
    expect(sample(text, 'connector_http_requests_total{route="/v1/exports/:id",method="GET",status="404"}')).toBe(1);
    expect(sample(text, 'connector_http_requests_total{route="/healthz",method="GET",status="200"}')).toBeGreaterThan(
      0,
    );
    expect(text).not.toContain(exportId);
  });

  it('names the pattern of a nested mount with parameters', async () => {
    const exportId = 'exp_nested00000000000000000';
    await fetch(`${connector.baseUrl}/v1/exports/${exportId}/deliveries`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await (await fetch(`${connector.baseUrl}/metrics`)).text();
    expect(text).toMatch(
      /connector_http_requests_total\{route="\/v1\/exports\/:exportId\/deliveries[^"]*",method="GET"/,
    );
    expect(text).not.toContain(exportId);
  });

  it('counts a path in any letter case under the one pattern Express matched', async () => {
    for (const path of ['/V1/DELIVERIES', '/v1/DeLiVeRiEs', '/OAUTH/callback', '/Docs/API']) {
      await fetch(`${connector.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    }
    const text = await (await fetch(`${connector.baseUrl}/metrics`)).text();
    const routes = [...text.matchAll(/connector_http_requests_total\{route="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(routes.filter((route) => route !== route.toLowerCase() && !route.includes(':'))).toEqual([]);
    expect(sample(text, 'connector_http_requests_total{route="/v1/deliveries",method="GET",status="200"}')).toBe(2);
  });

  it('counts and logs the engagement lane, with X-Request-Id on its answers', async () => {
    const answer = await fetch(`${connector.baseUrl}/v1/engagements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': 'lane-1' },
      body: JSON.stringify({}),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('x-request-id')).toBe('lane-1');
    const line = await waitUntil(
      () => connector.logs.records().find((r) => r.msg === 'request' && r.requestId === 'lane-1'),
      { timeoutMs: 5_000, what: "the lane's access log line" },
    );
    expect(line).toMatchObject({ method: 'POST', route: '/v1/engagements', status: 400 });
    const text = await (await fetch(`${connector.baseUrl}/metrics`)).text();
    expect(sample(text, 'connector_http_requests_total{route="/v1/engagements",method="POST",status="400"}')).toBe(1);
  });

  it('serves bull-board at /operator/queues only with the operator token', async () => {
    const page = `${connector.baseUrl}/operator/queues`;
    const none = await fetch(page);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="operator"/);
    const wrong = await fetch(page, { headers: { authorization: `Basic ${btoa('ops:not-the-token')}` } });
    expect(wrong.status).toBe(401);
    // Other methods, another letter case, a trailing slash and the dashboard's API: refused alike.
    for (const [method, url] of [
      ['HEAD', page],
      ['OPTIONS', page],
      ['GET', `${connector.baseUrl}/OPERATOR/Queues`],
      ['GET', `${page}/`],
      ['GET', `${page}/api/queues`],
    ] as const) {
      const answer = await fetch(url, { method, headers: { authorization: 'Bearer not-the-token' } });
      expect(answer.status, `${method} ${url}`).toBe(401);
    }

    const basic = await fetch(page, { headers: { authorization: `Basic ${btoa(`anyone:${OPERATOR_TOKEN}`)}` } });
    expect(basic.status).toBe(200);
    expect(basic.headers.get('content-type')).toContain('text/html');
    const csp = basic.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(await basic.text()).toContain('static/js/');

    const queues = await requestJson('GET', `${page}/api/queues`, { token: OPERATOR_TOKEN });
    expect(queues.status).toBe(200);
    const names = (queues.body.queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(['delivery', 'maintenance', 'token-exchange']);

    // A change sent by another site with the browser's cached credentials is refused.
    const crossSite = await fetch(`${page}/api/queues/delivery/pause`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${OPERATOR_TOKEN}`,
        origin: 'https://elsewhere.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    expect(crossSite.status).toBe(403);
    expect(await connector.deps.queues.delivery.isPaused()).toBe(false);

    // The relaxed policy stays on that mount: the console's pages keep the strict one.
    const console = await fetch(`${connector.baseUrl}/console/sign-in`);
    expect(console.headers.get('content-security-policy')).toContain("style-src 'self';");
  });
});

describe('operator: without OPERATOR_TOKEN', () => {
  let connector: TestConnector;
  beforeAll(async () => {
    connector = await startConnector({ workers: false });
  });
  afterAll(async () => {
    await connector?.close();
  });

  it('has no queues dashboard', async () => {
    const answer = await fetch(`${connector.baseUrl}/operator/queues`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(answer.status).toBe(404);
  });
});
