import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberLoginKey } from '../../apps/core/auth/sign-request.ts';
import { createApiKey, type TestApiKey } from '../helpers/api-keys.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { requestJson } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';

const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

// More ways to a token (docs/api/authentication.md): the console session traded for a bearer token,
// and a member login key signed by an API key that holds members:sign-in.
describe('tokens from a console session and from member login keys', () => {
  let connector: TestConnector;
  let adminToken: string;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
  });
  afterAll(async () => connector?.close());

  const get = (path: string, token: string) => requestJson('GET', `${connector.baseUrl}${path}`, { token });

  async function openSession(body: Record<string, unknown> = ADMIN) {
    const res = await fetch(`${connector.baseUrl}/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    rememberSecret(...cookies.map((c) => decodeURIComponent(c.split(';')[0]?.split('=')[1] ?? '')));
    const answer = (await res.json()) as { csrfToken: string };
    return { jar: cookies.map((c) => c.split(';')[0]).join('; '), csrf: answer.csrfToken };
  }

  const trade = (jar: string, headers: Record<string, string>, body: unknown) =>
    fetch(`${connector.baseUrl}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: jar, ...headers },
      body: JSON.stringify(body),
    });

  describe('the console session traded for a bearer token', () => {
    it('issues a token of its own for the session’s member, group and privileges, with X-CSRF-Token only', async () => {
      const session = await openSession();
      const withoutCsrf = await trade(session.jar, {}, { duration: 5 });
      expect(withoutCsrf.status).toBe(403);
      expect(((await withoutCsrf.json()) as { code: string }).code).toBe('CSRF_TOKEN_MISSING');

      const res = await trade(session.jar, { 'x-csrf-token': session.csrf }, { duration: 5 });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const answer = (await res.json()) as Record<string, unknown>;
      rememberSecret(String(answer.token));
      expect(answer).toMatchObject({ group: ADMIN.group, role: 'admin' });
      const token = String(answer.token);
      expect(token.length).toBeLessThanOrEqual(255);
      const expiresIn = new Date(String(answer.expiresAt)).getTime() - Date.now();
      expect(expiresIn).toBeGreaterThan(4 * 60_000);
      expect(expiresIn).toBeLessThanOrEqual(5 * 60_000);

      const me = await get('/v1/auth/me', token);
      expect(me.body).toMatchObject({ user: { username: ADMIN.username }, role: 'admin' });
      // A token of its own: logging it out leaves the session signed in.
      const out = await fetch(`${connector.baseUrl}/v1/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(out.status).toBe(204);
      expect((await get('/v1/auth/me', token)).status).toBe(401);
      const stillIn = await fetch(`${connector.baseUrl}/v1/auth/me`, { headers: { cookie: session.jar } });
      expect(stillIn.status).toBe(200);
      const audit = await connector.deps.db.auditLog.findFirst({
        where: { action: 'auth.token.issue', details: { contains: '"credential":"session"' } },
        orderBy: { createdAt: 'desc' },
      });
      expect(audit).toMatchObject({ outcome: 'success', actorType: 'user' });
    });

    it('refuses a cookie that is not a valid session, and keeps a password body a password sign-in', async () => {
      const bogus = await trade('authtoken=not-a-token', { 'x-csrf-token': 'x' }, {});
      expect(bogus.status).toBe(401);
      // Username and password with a cookie present: the body says which credential it is.
      const session = await openSession();
      const member = await signInNewMember(connector, 'viewer');
      const res = await trade(
        session.jar,
        {},
        { username: member.username, password: member.password, group: member.group },
      );
      const answer = (await res.json()) as Record<string, unknown>;
      rememberSecret(String(answer.token));
      expect(res.status).toBe(200);
      expect(answer).toMatchObject({ role: 'viewer' });
    });
  });

  describe('member login keys ({username, keyId, loginKey})', () => {
    let signer: TestApiKey;
    let plainKey: TestApiKey;

    beforeAll(async () => {
      signer = await createApiKey(connector, adminToken, {
        name: 'portal',
        privileges: ['members:sign-in', 'exports:read', 'deliveries:read', 'deliveries:retry'],
      });
      plainKey = await createApiKey(connector, adminToken, { name: 'importer', privileges: ['exports:read'] });
    });

    it('signs a member in with their role narrowed to the key’s privileges; the audit row names both', async () => {
      const manager = await signInNewMember(connector, 'manager');
      const loginKey = await memberLoginKey(signer.id, manager.username, signer.secret, inSeconds(60));
      rememberSecret(loginKey);
      const res = await requestToken(connector, { username: manager.username, keyId: signer.id, loginKey });
      expect(res.status).toBe(200);
      // A manager may also write exports and post engagements; the key holds neither.
      expect(res.body).toMatchObject({
        group: ADMIN.group,
        role: 'manager',
        privileges: ['exports:read', 'deliveries:read', 'deliveries:retry'],
      });
      const token = String(res.body.token);
      expect(token.length).toBeLessThanOrEqual(255);
      const me = await get('/v1/auth/me', token);
      expect(me.body).toMatchObject({ user: { username: manager.username }, role: 'manager' });
      const write = await requestJson('POST', `${connector.baseUrl}/v1/exports`, {
        token,
        body: JSON.stringify({ name: 'x', webhookUrl: 'http://127.0.0.1:9/hook' }),
      });
      expect(write.status).toBe(403);

      const audit = await connector.deps.db.auditLog.findFirstOrThrow({
        where: { action: 'auth.token.issue', outcome: 'success', actorId: signer.id },
        orderBy: { createdAt: 'desc' },
      });
      expect(audit.actorType).toBe('api_key');
      expect(JSON.parse(String(audit.details))).toMatchObject({
        credential: 'member_login_key',
        keyId: signer.id,
        username: manager.username,
        role: 'manager',
      });
      // Each login key is accepted once.
      const again = await requestToken(connector, { username: manager.username, keyId: signer.id, loginKey });
      expect(again).toMatchObject({ status: 401, body: { code: 'LOGIN_KEY_REUSED' } });
    });

    it('refuses a key without members:sign-in, a key signed for another member, and a stranger', async () => {
      const viewer = await signInNewMember(connector, 'viewer');
      const other = await signInNewMember(connector, 'viewer');
      const withoutPrivilege = await requestToken(connector, {
        username: viewer.username,
        keyId: plainKey.id,
        loginKey: await memberLoginKey(plainKey.id, viewer.username, plainKey.secret, inSeconds(60)),
      });
      expect(withoutPrivilege).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });

      // Signed for `other`, presented for `viewer`: the signature covers the username.
      const forAnother = await requestToken(connector, {
        username: viewer.username,
        keyId: signer.id,
        loginKey: await memberLoginKey(signer.id, other.username, signer.secret, inSeconds(60)),
      });
      expect(forAnother).toMatchObject({ status: 401, body: { code: 'LOGIN_KEY_INVALID' } });

      const stranger = await requestToken(connector, {
        username: 'nobody-here',
        keyId: signer.id,
        loginKey: await memberLoginKey(signer.id, 'nobody-here', signer.secret, inSeconds(60)),
      });
      expect(stranger).toMatchObject({ status: 403, body: { code: 'NOT_A_MEMBER' } });

      // A manager cannot create a key that signs members in: it is an admin's privilege.
      const manager = await signInNewMember(connector, 'manager');
      const refused = await requestJson('POST', `${connector.baseUrl}/v1/api-keys`, {
        token: manager.token,
        body: JSON.stringify({ name: 'mine', privileges: ['members:sign-in'] }),
      });
      expect(refused.status).toBe(403);
    });
  });
});
