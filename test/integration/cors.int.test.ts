import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { rememberSecret } from '../helpers/log-sink.ts';

const TRUSTED = 'https://app.partner.example';
const UNTRUSTED = 'https://evil.example';

/** Every `access-control-*` header of an answer, and its Vary, exactly as sent. */
function corsHeaders(res: Response): Record<string, string> {
  const picked: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name.startsWith('access-control-') || name === 'vary') picked[name] = value;
  });
  return picked;
}

describe('CORS for the browser origins a group trusts', () => {
  let connector: TestConnector;
  let adminToken: string;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
    const put = await fetch(`${connector.baseUrl}/v1/groups/acme/origins`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ origins: [TRUSTED] }),
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => connector?.close());

  const preflight = (origin: string, path = '/v1/exports') =>
    fetch(`${connector.baseUrl}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('answers a preflight from a trusted origin with exactly the CORS headers, credentials allowed', async () => {
    const res = await preflight(TRUSTED);
    expect(res.status).toBe(204);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': TRUSTED,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
      'access-control-allow-headers': 'Authorization, Content-Type, X-CSRF-Token',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
  });

  it('answers a preflight from any other origin with no CORS header at all', async () => {
    for (const origin of [UNTRUSTED, 'null', `${TRUSTED}:8443`, 'http://app.partner.example']) {
      const res = await preflight(origin);
      expect(res.status).toBe(204);
      expect(corsHeaders(res)).toEqual({ vary: 'Origin' });
    }
  });

  it('lets a trusted origin read answers, while what it may do still comes from the credential', async () => {
    const authed = await fetch(`${connector.baseUrl}/v1/exports`, {
      headers: { origin: TRUSTED, authorization: `Bearer ${adminToken}` },
    });
    expect(authed.status).toBe(200);
    expect(corsHeaders(authed)).toEqual({
      'access-control-allow-origin': TRUSTED,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'Retry-After, WWW-Authenticate',
      vary: 'Origin',
    });
    // The origin grants nothing by itself: without a credential the answer is still 401, and as
    // no group's credential vouches for the origin, its script cannot read it (docs/api/cors.md;
    // test/integration/cors-group-trust.int.test.ts covers credentials of other groups).
    const anonymous = await fetch(`${connector.baseUrl}/v1/exports`, { headers: { origin: TRUSTED } });
    expect(anonymous.status).toBe(401);
    expect(corsHeaders(anonymous)).toEqual({ vary: 'Origin' });
  });

  it('gives an untrusted origin no CORS header on real answers either (its script cannot read them)', async () => {
    const res = await fetch(`${connector.baseUrl}/v1/exports`, {
      headers: { origin: UNTRUSTED, authorization: `Bearer ${adminToken}` },
    });
    expect(corsHeaders(res)).toEqual({ vary: 'Origin' });
    const noOrigin = await fetch(`${connector.baseUrl}/v1/exports`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(corsHeaders(noOrigin)).toEqual({});
  });

  it('stops answering CORS for an origin as soon as the group no longer trusts it', async () => {
    const put = await fetch(`${connector.baseUrl}/v1/groups/acme/origins`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ origins: [] }),
    });
    expect(put.status).toBe(200);
    expect(corsHeaders(await preflight(TRUSTED))).toEqual({ vary: 'Origin' });
  });
});
