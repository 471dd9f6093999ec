import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAuthToken } from '../../apps/core/auth/tokens/tokens.ts';
import { ROLE_PRIVILEGES } from '../../apps/core/groups/roles.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';

describe('authorization tokens and cookie sessions on the API', () => {
  let connector: TestConnector;
  let adminToken: string;
  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    rememberSecret(ADMIN.password);
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
  });
  afterAll(async () => connector?.close());

  const me = (headers: Record<string, string>) => fetch(`${connector.baseUrl}/v1/auth/me`, { headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  async function refusal(res: Response) {
    return { status: res.status, challenge: res.headers.get('www-authenticate'), ...((await res.json()) as object) };
  }

  it('refuses a request without credentials (TOKEN_MISSING) and says to use Bearer', async () => {
    expect(await refusal(await me({}))).toMatchObject({
      status: 401,
      code: 'TOKEN_MISSING',
      challenge: 'Bearer realm="connector"',
    });
  });

  it('refuses an expired token (TOKEN_EXPIRED)', async () => {
    const admin = await connector.deps.db.user.findFirstOrThrow({ where: { username: ADMIN.username } });
    const acme = await connector.deps.db.group.findUniqueOrThrow({ where: { name: ADMIN.group } });
    const { token } = await issueAuthToken(
      connector.deps.tokenSigningKey,
      { userId: admin.id, groupId: acme.id, privileges: ROLE_PRIVILEGES.admin },
      1,
      new Date(Date.now() - 10 * 60_000),
    );
    rememberSecret(token);
    expect(await refusal(await me(bearer(token)))).toMatchObject({
      status: 401,
      code: 'TOKEN_EXPIRED',
      challenge: expect.stringContaining('error="invalid_token"'),
    });
  });

  it('refuses tampered tokens, other schemes and garbage (TOKEN_INVALID)', async () => {
    const viewer = await signInNewMember(connector, 'viewer');
    const [header, payload, signature] = viewer.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    // `r` is the privilege bit mask (apps/core/auth/tokens/tokens.ts): every bit set claims every privilege.
    const widened = Buffer.from(JSON.stringify({ ...claims, r: 0xffff })).toString('base64url');
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    const forged = [
      `${header}.${widened}.${signature}`,
      `${header}.${payload}.${flipped}`,
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`,
      'not-a-jwt',
    ];
    for (const token of forged) {
      expect(await refusal(await me(bearer(token)))).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    }
    const basic = await refusal(await me({ authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` }));
    expect(basic).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    for (const scheme of ['constructor', '__proto__', 'toString']) {
      expect(await refusal(await me({ authorization: `${scheme} x` }))).toMatchObject({
        status: 401,
        code: 'TOKEN_INVALID',
      });
    }
    expect(await refusal(await me({ authorization: 'Bearer' }))).toMatchObject({ status: 401, code: 'TOKEN_MISSING' });
    expect((await me(bearer(viewer.token))).status).toBe(200);
  });

  it('revokes the presenting token on logout, and only that one', async () => {
    const first = await signInNewMember(connector, 'manager');
    const second = await requestToken(connector, { username: first.username, password: first.password });
    const out = await fetch(`${connector.baseUrl}/v1/auth/logout`, { method: 'POST', headers: bearer(first.token) });
    expect(out.status).toBe(204);
    expect(await refusal(await me(bearer(first.token)))).toMatchObject({ status: 401, code: 'TOKEN_REVOKED' });
    expect((await me(bearer(String(second.body.token)))).status).toBe(200);
    const audit = await connector.deps.db.auditLog.findFirst({
      where: { action: 'auth.token.revoke', reason: 'LOGOUT' },
    });
    expect(audit).toMatchObject({ outcome: 'success', actorType: 'user' });
  });

  it('revokes a removed member’s tokens for the group; signing in again after re-adding works', async () => {
    const member = await signInNewMember(connector, 'manager', { adminToken });
    const before = await me(bearer(member.token));
    expect(before.status).toBe(200);
    const removed = await fetch(`${connector.baseUrl}/v1/groups/acme/members/${member.username}`, {
      method: 'DELETE',
      headers: bearer(adminToken),
    });
    expect(removed.status).toBe(204);
    expect(await refusal(await me(bearer(member.token)))).toMatchObject({ status: 401, code: 'TOKEN_REVOKED' });
    expect((await requestToken(connector, { username: member.username, password: member.password })).status).toBe(403);

    const readded = await fetch(`${connector.baseUrl}/v1/groups/acme/members`, {
      method: 'POST',
      headers: { ...bearer(adminToken), 'content-type': 'application/json' },
      body: JSON.stringify({ username: member.username, role: 'viewer' }),
    });
    expect(readded.status).toBe(201);
    expect(await refusal(await me(bearer(member.token)))).toMatchObject({ status: 401, code: 'TOKEN_REVOKED' });
    const again = await requestToken(connector, { username: member.username, password: member.password });
    const fresh = await me(bearer(String(again.body.token)));
    expect(await fresh.json()).toMatchObject({ role: 'viewer', privileges: [...ROLE_PRIVILEGES.viewer] });
  });

  describe('the console’s cookie session', () => {
    async function openSession() {
      const res = await fetch(`${connector.baseUrl}/v1/auth/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      expect(res.status).toBe(200);
      const cookies = res.headers.getSetCookie();
      const body = (await res.json()) as Record<string, unknown>;
      const jar = cookies.map((c) => c.split(';')[0]).join('; ');
      rememberSecret(...cookies.map((c) => decodeURIComponent(c.split(';')[0]!.split('=')[1]!)));
      return { cookies, body, jar, csrf: String(body.csrfToken) };
    }

    it('sets an HttpOnly, SameSite=Lax authtoken cookie and a readable csrftoken cookie; the body has no token', async () => {
      const { cookies, body } = await openSession();
      const auth = cookies.find((c) => c.startsWith('authtoken='));
      const csrf = cookies.find((c) => c.startsWith('csrftoken='));
      expect(auth).toMatch(/HttpOnly/i);
      expect(auth).toMatch(/SameSite=Lax/i);
      expect(auth).not.toMatch(/Secure/i); // PUBLIC_URL is http here
      expect(csrf).not.toMatch(/HttpOnly/i);
      expect(csrf).toContain(`csrftoken=${body.csrfToken}`);
      expect(body.token).toBeUndefined();
      expect(body).toMatchObject({ group: 'acme', role: 'admin' });
    });

    it('authenticates reads by cookie, and unsafe requests only with the matching X-CSRF-Token', async () => {
      const session = await openSession();
      const read = await me({ cookie: session.jar });
      expect(await read.json()).toMatchObject({ user: { username: 'admin' }, group: { name: 'acme' } });

      const put = (headers: Record<string, string>) =>
        fetch(`${connector.baseUrl}/v1/groups/acme/origins`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', cookie: session.jar, ...headers },
          body: JSON.stringify({ origins: ['https://app.example.com'] }),
        });
      expect(await refusal(await put({}))).toMatchObject({ status: 403, code: 'CSRF_TOKEN_MISSING' });
      expect(await refusal(await put({ 'x-csrf-token': 'f'.repeat(64) }))).toMatchObject({
        status: 403,
        code: 'CSRF_TOKEN_INVALID',
      });
      // Another session's CSRF token does not fit this session's cookie.
      const other = await openSession();
      expect(await refusal(await put({ 'x-csrf-token': other.csrf }))).toMatchObject({
        status: 403,
        code: 'CSRF_TOKEN_INVALID',
      });
      const stored = await connector.deps.db.groupOrigin.count();
      expect(stored).toBe(0);
      const ok = await put({ 'x-csrf-token': session.csrf });
      expect(await ok.json()).toEqual({ origins: ['https://app.example.com'] });
    });

    it('refuses a cookie whose token signature does not check out, and sets a cookie of at most 255 characters', async () => {
      const session = await openSession();
      const cookie = /authtoken=([^;]+)/.exec(session.jar)?.[1] ?? '';
      expect(cookie.length).toBeGreaterThan(100);
      expect(cookie.length).toBeLessThanOrEqual(255);
      // The cookie is the token itself (a JWT); its last part is the signature.
      const tampered = session.jar.replace(/authtoken=([^.;]+)\.([^.;]+)\.([^;]+)/, 'authtoken=$1.$2.AAAA$3');
      expect(tampered).not.toBe(session.jar);
      expect(await refusal(await me({ cookie: tampered }))).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    });

    it('signs out: the cookie session is revoked and both cookies are cleared', async () => {
      const session = await openSession();
      const noCsrf = await fetch(`${connector.baseUrl}/v1/auth/logout`, {
        method: 'POST',
        headers: { cookie: session.jar },
      });
      expect(noCsrf.status).toBe(403);
      const out = await fetch(`${connector.baseUrl}/v1/auth/logout`, {
        method: 'POST',
        headers: { cookie: session.jar, 'x-csrf-token': session.csrf },
      });
      expect(out.status).toBe(204);
      const cleared = out.headers.getSetCookie();
      expect(cleared.some((c) => /^authtoken=;.*Expires=Thu, 01 Jan 1970/i.test(c))).toBe(true);
      expect(cleared.some((c) => /^csrftoken=;.*Expires=Thu, 01 Jan 1970/i.test(c))).toBe(true);
      expect(await refusal(await me({ cookie: session.jar }))).toMatchObject({ status: 401, code: 'TOKEN_REVOKED' });
    });
  });
});
