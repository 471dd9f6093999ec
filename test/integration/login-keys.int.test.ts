import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyLoginKey, partnerLoginKey } from '../../apps/core/auth/sign-request.ts';
import { createApiKey, type TestApiKey } from '../helpers/api-keys.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { requestJson } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken } from '../helpers/members.ts';

const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

describe('login keys: API keys and partner users exchange an HMAC for an authorization token', () => {
  let connector: TestConnector;
  let adminToken: string;
  let key: TestApiKey;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
    key = await createApiKey(connector, adminToken, { name: 'importer', privileges: ['exports:read'] });
  });
  afterAll(async () => connector?.close());

  const api = (path: string, token: string, init: { method?: string; body?: string } = {}) =>
    requestJson(init.method ?? 'GET', `${connector.baseUrl}${path}`, { token, body: init.body });

  const createPartner = async (body: Record<string, unknown>) => {
    const res = await api('/v1/partners', adminToken, { method: 'POST', body: JSON.stringify(body) });
    const json = res.body as { id: string; secret: string; role: string };
    expect(res.status).toBe(201);
    rememberSecret(json.secret);
    return json;
  };

  describe('an API key’s login key ({keyId, loginKey})', () => {
    it('issues a token that acts as the key: its group, its privileges, never past the key', async () => {
      const loginKey = await apiKeyLoginKey(key.id, key.secret, inSeconds(60));
      rememberSecret(loginKey);
      const res = await requestToken(connector, { keyId: key.id, loginKey, duration: 30 });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toMatchObject({ group: 'acme', privileges: ['exports:read'], role: null });
      const token = String(res.body.token);
      expect((await api('/v1/exports', token)).status).toBe(200);
      const write = await api('/v1/exports', token, {
        method: 'POST',
        body: JSON.stringify({ name: 'x', webhookUrl: 'http://127.0.0.1:9/hook' }),
      });
      expect(write.status).toBe(403);
      const me = (await api('/v1/auth/me', token)).body as Record<string, unknown>;
      expect(me).toMatchObject({ role: null, privileges: ['exports:read'] });

      const shortKey = await createApiKey(connector, adminToken, {
        privileges: ['exports:read'],
        expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
      });
      const capped = await requestToken(connector, {
        keyId: shortKey.id,
        loginKey: await apiKeyLoginKey(shortKey.id, shortKey.secret, inSeconds(60)),
        duration: 120,
      });
      expect(new Date(String(capped.body.expiresAt)).getTime()).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    });

    it('accepts each login key once (LOGIN_KEY_REUSED)', async () => {
      const loginKey = await apiKeyLoginKey(key.id, key.secret, inSeconds(300));
      rememberSecret(loginKey);
      expect((await requestToken(connector, { keyId: key.id, loginKey })).status).toBe(200);
      const again = await requestToken(connector, { keyId: key.id, loginKey });
      expect(again).toMatchObject({ status: 401, body: { code: 'LOGIN_KEY_REUSED' } });
    });

    it('refuses each bad login key with its reason', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ keyId: key.id, loginKey: await apiKeyLoginKey(key.id, 'sk_wrong', inSeconds(60)) }, 'LOGIN_KEY_INVALID'],
        [{ keyId: key.id, loginKey: await apiKeyLoginKey(key.id, key.secret, inSeconds(-1)) }, 'LOGIN_KEY_EXPIRED'],
        [
          { keyId: key.id, loginKey: await apiKeyLoginKey(key.id, key.secret, inSeconds(2 * 3600)) },
          'LOGIN_KEY_TOO_LONG_LIVED',
        ],
        [{ keyId: key.id, loginKey: 'not-a-login-key' }, 'LOGIN_KEY_MALFORMED'],
        [
          { keyId: 'apk_AAAAAAAAAAAAAAAAAAAAAA', loginKey: await apiKeyLoginKey(key.id, key.secret, inSeconds(60)) },
          'API_KEY_UNKNOWN',
        ],
      ];
      for (const [body, code] of cases) {
        const res = await requestToken(connector, body);
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code });
      }
      const badBody = await requestToken(connector, { keyId: key.id, loginKey: 'x', extra: 1 });
      expect(badBody.status).toBe(400);
      expect((badBody.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['extra']);
    });

    it('revoking the key refuses its login keys and the tokens already issued; an expired key is refused', async () => {
      const doomed = await createApiKey(connector, adminToken, { privileges: ['exports:read'] });
      const issued = await requestToken(connector, {
        keyId: doomed.id,
        loginKey: await apiKeyLoginKey(doomed.id, doomed.secret, inSeconds(60)),
      });
      const token = String(issued.body.token);
      expect((await api('/v1/exports', token)).status).toBe(200);
      expect((await api(`/v1/api-keys/${doomed.id}`, adminToken, { method: 'DELETE' })).status).toBe(204);
      const refused = await api('/v1/exports', token);
      expect(refused.status).toBe(401);
      expect((refused.body as { code: string }).code).toBe('TOKEN_REVOKED');
      const lapsed = await createApiKey(connector, adminToken, { privileges: ['exports:read'] });
      // The key's expiry passes (moved into the past: the connector reads it on every use).
      await connector.deps.db.apiKey.update({
        where: { id: lapsed.id },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      const expired = await requestToken(connector, {
        keyId: lapsed.id,
        loginKey: await apiKeyLoginKey(lapsed.id, lapsed.secret, inSeconds(60)),
      });
      expect(expired).toMatchObject({ status: 401, body: { code: 'API_KEY_EXPIRED' } });
      const again = await requestToken(connector, {
        keyId: doomed.id,
        loginKey: await apiKeyLoginKey(doomed.id, doomed.secret, inSeconds(60)),
      });
      expect(again).toMatchObject({ status: 401, body: { code: 'API_KEY_REVOKED' } });
    });
  });

  describe('a partner user’s login key ({partnerId, partnerUserId, loginKey})', () => {
    it('creates the member with the partner’s role on first sign-in, and finds them afterwards', async () => {
      const partner = await createPartner({ name: 'Helpdesk Co', role: 'manager' });
      expect(partner).toMatchObject({ id: expect.stringMatching(/^ptn_/), role: 'manager', status: 'active' });
      const first = await requestToken(connector, {
        partnerId: partner.id,
        partnerUserId: 'alice@helpdesk',
        loginKey: await partnerLoginKey(partner.id, 'alice@helpdesk', partner.secret, inSeconds(120)),
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ group: 'acme', role: 'manager' });
      const token = String(first.body.token);
      const me = (await api('/v1/auth/me', token)).body as { user: { username: string } };
      expect(me.user.username).toBe(`alice@helpdesk@${partner.id}`);
      const write = await api('/v1/exports', token, {
        method: 'POST',
        body: JSON.stringify({ name: 'Partner export', webhookUrl: 'http://127.0.0.1:9/hook' }),
      });
      expect(write.status).toBe(201);
      rememberSecret((write.body as { signingSecret: string }).signingSecret);

      const second = await requestToken(connector, {
        partnerId: partner.id,
        partnerUserId: 'alice@helpdesk',
        loginKey: await partnerLoginKey(partner.id, 'alice@helpdesk', partner.secret, inSeconds(100)),
      });
      expect(second.status).toBe(200);
      const members = await api('/v1/groups/acme/members', adminToken);
      const names = (members.body as { items: { username: string }[] }).items.map((m) => m.username);
      expect(names.filter((n) => n === `alice@helpdesk@${partner.id}`)).toHaveLength(1);
    });

    it('refuses another partner’s user, a wrong secret, a reused key, a revoked partner and a removed member', async () => {
      const partner = await createPartner({ name: 'Other Co' });
      expect(partner.role).toBe('viewer');
      const signIn = async (user: string, secret = partner.secret, partnerId = partner.id, ttl = 60) => {
        const loginKey = await partnerLoginKey(partnerId, user, secret, inSeconds(ttl));
        return {
          loginKey,
          res: await requestToken(connector, { partnerId: partner.id, partnerUserId: user, loginKey }),
        };
      };
      expect((await signIn('bob', 'psk_wrong')).res.body.code).toBe('LOGIN_KEY_INVALID');
      expect((await signIn('bob', partner.secret, 'ptn_someoneelse')).res.body.code).toBe('LOGIN_KEY_INVALID');
      expect((await signIn('bob', partner.secret, partner.id, -5)).res.body.code).toBe('LOGIN_KEY_EXPIRED');
      const ok = await signIn('bob');
      expect(ok.res.status).toBe(200);
      const reused = await requestToken(connector, {
        partnerId: partner.id,
        partnerUserId: 'bob',
        loginKey: ok.loginKey,
      });
      expect(reused.body.code).toBe('LOGIN_KEY_REUSED');
      const unknown = await requestToken(connector, {
        partnerId: 'ptn_AAAAAAAAAAAAAAAAAAAAAA',
        partnerUserId: 'bob',
        loginKey: ok.loginKey,
      });
      expect(unknown.body.code).toBe('PARTNER_UNKNOWN');

      // An admin removes the partner user: the partner cannot bring them back on its own.
      const removed = await api(`/v1/groups/acme/members/${encodeURIComponent(`bob@${partner.id}`)}`, adminToken, {
        method: 'DELETE',
      });
      expect(removed.status).toBe(204);
      expect((await api('/v1/exports', String(ok.res.body.token))).status).toBe(401);
      // (Another expiry: a login key is a pure function of user and expiry, and each is accepted once.)
      expect((await signIn('bob', partner.secret, partner.id, 90)).res.body.code).toBe('PARTNER_USER_REMOVED');

      // Revoking the partner signs its users out and refuses its login keys.
      const carol = await signIn('carol');
      const carolToken = String(carol.res.body.token);
      expect((await api('/v1/exports', carolToken)).status).toBe(200);
      expect((await api(`/v1/partners/${partner.id}`, adminToken, { method: 'DELETE' })).status).toBe(204);
      expect((await api('/v1/exports', carolToken)).status).toBe(401);
      expect((await signIn('carol', partner.secret, partner.id, 90)).res.body.code).toBe('PARTNER_REVOKED');
      const listed = await api('/v1/partners', adminToken);
      const text = listed.text;
      expect(text).not.toContain(partner.secret);
      expect((JSON.parse(text) as { items: { id: string; status: string }[] }).items).toContainEqual(
        expect.objectContaining({ id: partner.id, status: 'revoked' }),
      );
    });

    it('validates the body and needs members:manage to add a partner', async () => {
      const bad = await api('/v1/partners', adminToken, {
        method: 'POST',
        body: JSON.stringify({ name: '', role: 'owner' }),
      });
      expect(bad.status).toBe(400);
      expect((bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(['name', 'role']);
      const badUser = await requestToken(connector, {
        partnerId: 'ptn_AAAAAAAAAAAAAAAAAAAAAA',
        partnerUserId: 'has space',
        loginKey: 'x',
      });
      expect(badUser.status).toBe(400);
      expect((badUser.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['partnerUserId']);
    });
  });

  it('audits every issue and refusal of a login key with the credential kind and reason', async () => {
    const res = await api('/v1/audit?action=auth.token.issue&limit=100', adminToken);
    const items = (
      res.body as { items: { outcome: string; reason: string | null; details: { credential?: string } }[] }
    ).items;
    const seen = new Set(items.map((i) => `${i.details?.credential}:${i.outcome}:${i.reason ?? ''}`));
    for (const entry of [
      'api_key_login_key:success:',
      'api_key_login_key:refused:LOGIN_KEY_REUSED',
      'api_key_login_key:refused:LOGIN_KEY_INVALID',
      'api_key_login_key:refused:LOGIN_KEY_EXPIRED',
      'api_key_login_key:refused:API_KEY_REVOKED',
      'partner_login_key:success:',
      'partner_login_key:refused:PARTNER_USER_REMOVED',
      'partner_login_key:refused:PARTNER_REVOKED',
    ]) {
      expect(seen).toContain(entry);
    }
  });
});
