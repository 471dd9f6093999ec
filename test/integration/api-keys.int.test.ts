import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../apps/core/auth/sign-request.ts';
import { createApiKey, sendWithAuthorization, signedCall, type TestApiKey } from '../helpers/api-keys.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';

// A clock the test can stop, to put a signature exactly on the edges of the 5-minute window.
let frozenAt: Date | undefined;
const clock = { now: () => frozenAt ?? new Date() };

describe('server API keys and signed requests', () => {
  let connector: TestConnector;
  let adminToken: string;
  let key: TestApiKey;

  beforeAll(async () => {
    connector = await startConnector({ clock, workers: false });
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
    key = await createApiKey(connector, adminToken, {
      name: 'crm sync',
      privileges: ['exports:read', 'exports:write', 'audit:read'],
    });
  });
  afterAll(async () => connector?.close());

  const audit = async (query = '') => {
    const res = await fetch(`${connector.baseUrl}/v1/audit?limit=100${query}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Record<string, unknown>[] }).items;
  };

  it('shows the secret once: creation answers it, listing never does, the database holds it encrypted', async () => {
    expect(key).toMatchObject({
      id: expect.stringMatching(/^apk_/),
      name: 'crm sync',
      privileges: ['exports:read', 'exports:write', 'audit:read'],
      status: 'active',
      expiresAt: null,
      secret: expect.stringMatching(/^sk_[A-Za-z0-9_-]{43}$/),
    });
    const list = await fetch(`${connector.baseUrl}/v1/api-keys`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const text = await list.text();
    expect(list.status).toBe(200);
    expect(text).not.toContain(key.secret);
    const { items, nextCursor } = JSON.parse(text) as { items: Record<string, unknown>[]; nextCursor: null };
    expect(items.find((k) => k.id === key.id)).toMatchObject({ name: 'crm sync', status: 'active' });
    expect(items.every((k) => !('secret' in k))).toBe(true);
    expect(nextCursor).toBeNull();
    const row = await connector.deps.db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.secretEnc).not.toContain(key.secret);
    expect(row.secretEnc).toMatch(/^v1\./);
  });

  it('accepts a signed GET with a query and a signed POST with a body, acting for the key’s group', async () => {
    const created = await signedCall(connector, key, '/v1/exports', {
      method: 'POST',
      body: { name: 'Signed export', webhookUrl: 'http://127.0.0.1:9/hook' },
    });
    expect(created.status).toBe(201);
    rememberSecret(String(created.body.signingSecret));
    const listed = await signedCall(connector, key, '/v1/exports?limit=10');
    expect(listed.status).toBe(200);
    expect((listed.body.items as { id: string }[]).map((e) => e.id)).toContain(created.body.id);
  });

  it('refuses a replayed request within the window (SIGNATURE_NONCE_REUSED)', async () => {
    const first = await signedCall(connector, key, '/v1/exports');
    expect(first.status).toBe(200);
    const replay = await sendWithAuthorization(connector, '/v1/exports', first.authorization);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ code: 'SIGNATURE_NONCE_REUSED', status: 401 });
    expect(replay.headers.get('content-type')).toContain('application/problem+json');
    // A fresh nonce with the same time is fine: it is the nonce that is once-only.
    const ts = Number(/ts=(\d+)/.exec(first.authorization)?.[1]);
    expect((await signedCall(connector, key, '/v1/exports', { timestamp: ts })).status).toBe(200);
  });

  it('refuses a signature that does not cover what was sent, or made with another secret (SIGNATURE_INVALID)', async () => {
    const signedBody = JSON.stringify({ name: 'Signed', webhookUrl: 'http://127.0.0.1:9/hook' });
    const sentBody = JSON.stringify({ name: 'Swapped', webhookUrl: 'http://127.0.0.1:9/hook' });
    const authorization = await signRequest({
      keyId: key.id,
      secret: key.secret,
      method: 'POST',
      url: `${connector.baseUrl}/v1/exports`,
      body: signedBody,
    });
    const res = await sendWithAuthorization(connector, '/v1/exports', authorization, {
      method: 'POST',
      body: sentBody,
    });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('SIGNATURE_INVALID');
    const sameBodyOtherPath = await signRequest({
      keyId: key.id,
      secret: key.secret,
      method: 'GET',
      url: `${connector.baseUrl}/v1/exports?limit=5`,
    });
    const moved = await sendWithAuthorization(connector, '/v1/exports?limit=6', sameBodyOtherPath);
    expect(moved.body.code).toBe('SIGNATURE_INVALID');
    const otherMethod = await signRequest({
      keyId: key.id,
      secret: key.secret,
      method: 'GET',
      url: `${connector.baseUrl}/v1/exports`,
    });
    const posted = await sendWithAuthorization(connector, '/v1/exports', otherMethod, {
      method: 'POST',
      body: sentBody,
    });
    expect(posted.body.code).toBe('SIGNATURE_INVALID');
    const wrongSecret = await signedCall(connector, { id: key.id, secret: `${key.secret}x` }, '/v1/exports');
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.code).toBe('SIGNATURE_INVALID');
  });

  it('accepts a clock skew of exactly 300 s either way and refuses 301 s (SIGNATURE_TIMESTAMP_OUT_OF_WINDOW)', async () => {
    frozenAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    try {
      const now = frozenAt.getTime() / 1000;
      expect((await signedCall(connector, key, '/v1/exports', { timestamp: now - 300 })).status).toBe(200);
      expect((await signedCall(connector, key, '/v1/exports', { timestamp: now + 300 })).status).toBe(200);
      for (const ts of [now - 301, now + 301]) {
        const res = await signedCall(connector, key, '/v1/exports', { timestamp: ts });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('SIGNATURE_TIMESTAMP_OUT_OF_WINDOW');
      }
    } finally {
      frozenAt = undefined;
    }
  });

  it('refuses a malformed header and an unknown key, each with its reason', async () => {
    const malformed = await signedCall(connector, key, '/v1/exports', { tamper: (h) => h.replace(/,nonce=[^,]+/, '') });
    expect(malformed.body).toMatchObject({ status: 401, code: 'SIGNATURE_MALFORMED' });
    const unknown = await signedCall(
      connector,
      { id: 'apk_AAAAAAAAAAAAAAAAAAAAAA', secret: key.secret },
      '/v1/exports',
    );
    expect(unknown.body).toMatchObject({ status: 401, code: 'SIGNATURE_KEY_UNKNOWN' });
    const unknownScheme = await sendWithAuthorization(connector, '/v1/exports', 'Digest abc');
    expect(unknownScheme.status).toBe(401);
  });

  it('refuses a revoked key and an expired key', async () => {
    const doomed = await createApiKey(connector, adminToken, { privileges: ['exports:read'] });
    expect((await signedCall(connector, doomed, '/v1/exports')).status).toBe(200);
    const revoke = await fetch(`${connector.baseUrl}/v1/api-keys/${doomed.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(revoke.status).toBe(204);
    expect((await signedCall(connector, doomed, '/v1/exports')).body.code).toBe('SIGNATURE_KEY_REVOKED');

    const expiresAt = new Date(Date.now() + 60_000);
    const shortLived = await createApiKey(connector, adminToken, {
      privileges: ['exports:read'],
      expiresAt: expiresAt.toISOString(),
    });
    expect((await signedCall(connector, shortLived, '/v1/exports')).status).toBe(200);
    frozenAt = new Date(expiresAt.getTime() + 1000);
    try {
      const late = await signedCall(connector, shortLived, '/v1/exports', {
        timestamp: Math.floor(frozenAt.getTime() / 1000),
      });
      expect(late.body.code).toBe('SIGNATURE_KEY_EXPIRED');
    } finally {
      frozenAt = undefined;
    }
    const list = await fetch(`${connector.baseUrl}/v1/api-keys`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const items = ((await list.json()) as { items: { id: string; status: string }[] }).items;
    expect(items.find((k) => k.id === doomed.id)?.status).toBe('revoked');
  });

  it('a key acts within its privileges only', async () => {
    const readOnly = await createApiKey(connector, adminToken, { privileges: ['exports:read'] });
    const write = await signedCall(connector, readOnly, '/v1/exports', {
      method: 'POST',
      body: { name: 'x', webhookUrl: 'http://127.0.0.1:9/hook' },
    });
    expect(write.status).toBe(403);
    expect((await signedCall(connector, readOnly, '/v1/api-keys')).status).toBe(403);
  });

  it('a key of group A cannot act on group B (404, as if B’s things did not exist)', async () => {
    const created = await fetch(`${connector.baseUrl}/v1/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name: 'beta' }),
    });
    expect(created.status).toBe(201);
    const beta = await requestToken(connector, { ...ADMIN, group: 'beta' });
    const betaToken = String(beta.body.token);
    const betaExport = await fetch(`${connector.baseUrl}/v1/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${betaToken}` },
      body: JSON.stringify({ name: 'Beta export', webhookUrl: 'http://127.0.0.1:9/hook' }),
    });
    const betaExportBody = (await betaExport.json()) as { id: string; signingSecret: string };
    rememberSecret(betaExportBody.signingSecret);
    const betaKey = await createApiKey(connector, betaToken, { privileges: ['exports:read'] });

    const read = await signedCall(connector, key, `/v1/exports/${betaExportBody.id}`);
    expect(read.status).toBe(404);
    const change = await signedCall(connector, key, `/v1/exports/${betaExportBody.id}`, {
      method: 'PATCH',
      body: { name: 'taken over' },
    });
    expect(change.status).toBe(404);
    expect((await signedCall(connector, key, '/v1/groups/beta/members')).status).toBe(404);
    // Group A's admin cannot revoke group B's key either, and A's key list does not show it.
    const revoke = await fetch(`${connector.baseUrl}/v1/api-keys/${betaKey.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(revoke.status).toBe(404);
    const aList = await fetch(`${connector.baseUrl}/v1/api-keys`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(((await aList.json()) as { items: { id: string }[] }).items.map((k) => k.id)).not.toContain(betaKey.id);
    expect((await signedCall(connector, betaKey, `/v1/exports/${betaExportBody.id}`)).status).toBe(200);
  });

  it('refuses privileges the creator does not hold (403), a past expiry and unknown fields (400 naming them)', async () => {
    const manager = await signInNewMember(connector, 'manager');
    const notAdmin = await fetch(`${connector.baseUrl}/v1/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${manager.token}` },
      body: JSON.stringify({ name: 'x', privileges: ['exports:read'] }),
    });
    expect(notAdmin.status).toBe(403);
    const post = (body: unknown) =>
      fetch(`${connector.baseUrl}/v1/api-keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { errors?: { field: string }[] } }));
    const badPrivilege = await post({ name: 'x', privileges: ['exports:everything'] });
    expect(badPrivilege.status).toBe(400);
    expect(badPrivilege.body.errors?.map((e) => e.field)).toEqual(['privileges.0']);
    const past = await post({ name: 'x', privileges: ['exports:read'], expiresAt: '2001-01-01T00:00:00Z' });
    expect(past.body.errors?.map((e) => e.field)).toEqual(['expiresAt']);
    const unknown = await post({ name: 'x', privileges: ['exports:read'], secret: 'mine' });
    expect(unknown.body.errors?.map((e) => e.field)).toEqual(['secret']);
    // A key with api-keys:manage cannot mint a key with more than it holds (docs/api/groups-and-members.md: 403 PRIVILEGE_EXCEEDED).
    const manageKeys = await createApiKey(connector, adminToken, { privileges: ['api-keys:manage'] });
    const escalate = await signedCall(connector, manageKeys, '/v1/api-keys', {
      method: 'POST',
      body: { name: 'wider', privileges: ['exports:write'] },
    });
    expect(escalate).toMatchObject({ status: 403, body: { code: 'PRIVILEGE_EXCEEDED' } });
  });

  it('refuses credentials in the URL with a message saying why', async () => {
    for (const query of ['api_key=abc', 'access_token=abc', 'token=abc', 'API-KEY=abc']) {
      const res = await fetch(`${connector.baseUrl}/v1/exports?${query}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe('CREDENTIALS_IN_URL');
      expect(body.detail).toMatch(/logs.*treat that credential as leaked.*Authorization: Bearer/s);
    }
  });

  it('audits creation, revocation and every refusal with its reason', async () => {
    const rows = await audit();
    const actions = rows.map((r) => `${r.action}:${r.outcome}:${r.reason ?? ''}`);
    expect(actions).toContain('api_key.create:success:');
    expect(actions).toContain('api_key.revoke:success:');
    for (const reason of [
      'SIGNATURE_NONCE_REUSED',
      'SIGNATURE_INVALID',
      'SIGNATURE_TIMESTAMP_OUT_OF_WINDOW',
      'SIGNATURE_KEY_REVOKED',
      'SIGNATURE_KEY_EXPIRED',
    ]) {
      expect(actions).toContain(`api_key.signature:refused:${reason}`);
    }
    const refused = await audit('&outcome=refused&action=api_key.');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.outcome === 'refused' && String(r.action).startsWith('api_key.'))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(key.secret);
  });
});
