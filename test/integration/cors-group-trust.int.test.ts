import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, signedCall, type TestApiKey } from '../helpers/api-keys.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { requestJson } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';

// CORS trust belongs to one group (docs/api/cors.md, apps/http/cors.ts): group B
// trusts origin O, group A does not. An answer to a request carrying A's credential (Bearer token,
// cookie, signature) never lets O's scripts read it, on success or refusal; B's credential does.
// Preflights carry no credential and are answered for O; `POST /v1/auth/token` is judged by the
// group its body names, refusals included. The engagement lane (apps/api/engagement-lane.ts)
// answers POST /v1/engagements under the same rule.

const O = 'https://app.group-b.example';

/** What an answer tells a browser about reading it from another origin. */
function corsOf(res: { headers: Headers }) {
  return {
    allowOrigin: res.headers.get('access-control-allow-origin'),
    allowCredentials: res.headers.get('access-control-allow-credentials'),
    vary: res.headers.get('vary'),
  };
}
const READABLE = { allowOrigin: O, allowCredentials: 'true', vary: expect.stringContaining('Origin') };
const UNREADABLE = { allowOrigin: null, allowCredentials: null, vary: expect.stringContaining('Origin') };

describe('CORS trust belongs to the group of the request’s credential', () => {
  let connector: TestConnector;
  let groupB: string;
  let tokenA: string;
  let tokenB: string;
  let keyA: TestApiKey;
  let keyB: TestApiKey;

  const call = (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
    requestJson(init.method ?? 'GET', `${connector.baseUrl}${path}`, {
      headers: { origin: O, ...init.headers },
      body: init.body,
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const signIn = async (group: string) => {
    const res = await call('/v1/auth/token', { method: 'POST', body: { ...ADMIN, group } });
    expect(res.status).toBe(200);
    const token = (res.body as { token: string }).token;
    rememberSecret(token);
    return token;
  };

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    rememberSecret(ADMIN.password);
    tokenA = await connector.adminToken();
    rememberSecret(tokenA);
    groupB = `group-b-${randomBytes(3).toString('hex')}`;
    const created = await call('/v1/groups', { method: 'POST', headers: bearer(tokenA), body: { name: groupB } });
    expect(created.status).toBe(201);
    tokenB = await signIn(groupB);
    const trusted = await call(`/v1/groups/${groupB}/origins`, {
      method: 'PUT',
      headers: bearer(tokenB),
      body: { origins: [O] },
    });
    expect(trusted.status).toBe(200);
    keyA = await createApiKey(connector, tokenA, { privileges: ['exports:read'] });
    keyB = await createApiKey(connector, tokenB, { privileges: ['exports:read'] });
  });
  afterAll(async () => connector?.close());

  it('answers a preflight from O (it carries no credential; a group trusts O)', async () => {
    const res = await call('/v1/exports', {
      method: 'OPTIONS',
      headers: { 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(res.status).toBe(204);
    expect(corsOf(res)).toEqual(READABLE);
  });

  it('lets O read answers to B’s token, successes and refusals alike', async () => {
    expect(corsOf(await call('/v1/exports', { headers: bearer(tokenB) }))).toEqual(READABLE);
    const missing = await call('/v1/exports/exp_doesnotexist0000', { headers: bearer(tokenB) });
    expect(missing.status).toBe(404);
    expect(corsOf(missing)).toEqual(READABLE);
  });

  it('never lets O read answers to A’s token: not the 200, not the 404, not the 403', async () => {
    const ok = await call('/v1/exports', { headers: bearer(tokenA) });
    expect(ok.status).toBe(200);
    expect(corsOf(ok)).toEqual(UNREADABLE);
    const missing = await call('/v1/exports/exp_doesnotexist0000', { headers: bearer(tokenA) });
    expect(missing.status).toBe(404);
    expect(corsOf(missing)).toEqual(UNREADABLE);
    // A's token asking about group B: another group's resources answer 404 (or 403), never readable.
    const other = await call(`/v1/groups/${groupB}/members`, { headers: bearer(tokenA) });
    expect(other.status).toBeGreaterThanOrEqual(400);
    expect(corsOf(other)).toEqual(UNREADABLE);
  });

  it('judges a refused token by the group it was issued for (revoked: A unreadable, B readable)', async () => {
    const revoke = async (group: string) => {
      const token = await signIn(group);
      expect((await call('/v1/auth/logout', { method: 'POST', headers: bearer(token) })).status).toBe(204);
      const refused = await call('/v1/exports', { headers: bearer(token) });
      expect(refused.status).toBe(401);
      return refused;
    };
    expect(corsOf(await revoke(ADMIN.group))).toEqual(UNREADABLE);
    expect(corsOf(await revoke(groupB))).toEqual(READABLE);
    // A credential that is no token of this connector names no group.
    const forged = await call('/v1/exports', { headers: bearer('not-a-token') });
    expect(forged.status).toBe(401);
    expect(corsOf(forged)).toEqual(UNREADABLE);
    // No credential at all: no group vouches for O.
    const anonymous = await call('/v1/exports');
    expect(anonymous.status).toBe(401);
    expect(corsOf(anonymous)).toEqual(UNREADABLE);
  });

  it('judges POST /v1/auth/token by the group its body names, its refusals included', async () => {
    const token = (group: string, password = ADMIN.password) =>
      call('/v1/auth/token', { method: 'POST', body: { username: ADMIN.username, password, group } });
    const issuedB = await token(groupB);
    expect(issuedB.status).toBe(200);
    rememberSecret((issuedB.body as { token: string }).token);
    expect(corsOf(issuedB)).toEqual(READABLE);
    const refusedB = await token(groupB, 'not the password');
    expect(refusedB.status).toBe(401);
    expect(corsOf(refusedB)).toEqual(READABLE);
    expect((refusedB.body as { code: string }).code).toBe('INVALID_CREDENTIALS');

    const issuedA = await token(ADMIN.group);
    expect(issuedA.status).toBe(200);
    rememberSecret((issuedA.body as { token: string }).token);
    expect(corsOf(issuedA)).toEqual(UNREADABLE);
    const refusedA = await token(ADMIN.group, 'not the password');
    expect(refusedA.status).toBe(401);
    expect(corsOf(refusedA)).toEqual(UNREADABLE);
    // B's page presenting B's token while naming A in the body is still judged by the body.
    const mixed = await call('/v1/auth/token', {
      method: 'POST',
      headers: bearer(tokenB),
      body: { username: ADMIN.username, password: 'not the password', group: ADMIN.group },
    });
    expect(corsOf(mixed)).toEqual(UNREADABLE);
  });

  it('judges a cookie session by its group (the CSRF refusal included)', async () => {
    const session = async (group: string) => {
      const res = await call('/v1/auth/session', { method: 'POST', body: { ...ADMIN, group } });
      expect(res.status).toBe(200);
      const cookies = res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0] as string)
        .join('; ');
      rememberSecret(cookies);
      return cookies;
    };
    const cookieA = await session(ADMIN.group);
    const cookieB = await session(groupB);
    expect(corsOf(await call('/v1/exports', { headers: { cookie: cookieA } }))).toEqual(UNREADABLE);
    expect(corsOf(await call('/v1/exports', { headers: { cookie: cookieB } }))).toEqual(READABLE);
    // An unsafe request without X-CSRF-Token is refused (403) before the request's context is set.
    const csrfA = await call('/v1/exports', { method: 'POST', headers: { cookie: cookieA }, body: { name: 'x' } });
    const csrfB = await call('/v1/exports', { method: 'POST', headers: { cookie: cookieB }, body: { name: 'x' } });
    expect([csrfA.status, csrfB.status]).toEqual([403, 403]);
    expect(corsOf(csrfA)).toEqual(UNREADABLE);
    expect(corsOf(csrfB)).toEqual(READABLE);
  });

  it('judges a signed request by its API key’s group, and a bad signature by none', async () => {
    const headers = { origin: O };
    const signedA = await signedCall(connector, keyA, '/v1/exports', { headers });
    expect(signedA.status).toBe(200);
    expect(corsOf(signedA)).toEqual(UNREADABLE);
    const signedB = await signedCall(connector, keyB, '/v1/exports', { headers });
    expect(signedB.status).toBe(200);
    expect(corsOf(signedB)).toEqual(READABLE);
    const forged = await signedCall(connector, keyB, '/v1/exports', {
      headers,
      tamper: (authorization) => authorization.replace(/sig=[0-9a-f]{64}/, `sig=${'0'.repeat(64)}`),
    });
    expect(forged.status).toBe(401);
    expect(corsOf(forged)).toEqual(UNREADABLE);
  });

  it('applies the same rule to POST /v1/engagements (the engagement lane)', async () => {
    const engage = (token: string, body: unknown, origin: string | null = O) =>
      fetch(`${connector.baseUrl}/v1/engagements`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(token), ...(origin ? { origin } : {}) },
        body: JSON.stringify(body),
      });
    const acceptedA = await engage(tokenA, { id: `eng-a-${randomBytes(4).toString('hex')}` });
    expect(acceptedA.status).toBe(202);
    expect(corsOf(acceptedA)).toEqual(UNREADABLE);
    const acceptedB = await engage(tokenB, { id: `eng-b-${randomBytes(4).toString('hex')}` });
    expect(acceptedB.status).toBe(202);
    expect(corsOf(acceptedB)).toEqual(READABLE);
    // Refusals too: a body without an id is 400 for both, readable only by B's page.
    const badA = await engage(tokenA, { notAnId: 1 });
    const badB = await engage(tokenB, { notAnId: 1 });
    expect([badA.status, badB.status]).toEqual([400, 400]);
    expect(corsOf(badA)).toEqual(UNREADABLE);
    expect(corsOf(badB)).toEqual(READABLE);
    // Without an Origin (a server, not a page) there is nothing to allow.
    const server = await engage(tokenB, { id: `eng-s-${randomBytes(4).toString('hex')}` }, null);
    expect(server.status).toBe(202);
    expect(server.headers.get('access-control-allow-origin')).toBeNull();
  });
});
