import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyLoginKey } from '../../apps/core/auth/sign-request.ts';
import { createApiKey, sendWithAuthorization, signedCall } from '../helpers/api-keys.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { api } from '../helpers/http.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';

/**
 * Two API processes sharing one Redis and one database, as behind a load balancer: whatever one
 * revokes, the other refuses at once.
 */
describe('revocation across two API processes sharing one Redis', () => {
  let first: TestConnector;
  let second: TestConnector;
  let adminToken: string;

  beforeAll(async () => {
    first = await startConnector({ workers: false });
    second = await startConnector({ workers: false, shareWith: first });
    adminToken = await first.adminToken();
    rememberSecret(adminToken);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const get = (connector: TestConnector, token: string, path = '/exports') =>
    api(connector, 'GET', path, token).then((r) => ({
      status: r.status,
      code: r.status === 200 ? undefined : (r.body as { code: string }).code,
    }));

  it('signing out on one process refuses the token on the other', async () => {
    const member = await signInNewMember(first, 'manager');
    expect(await get(second, member.token)).toEqual({ status: 200, code: undefined });
    const logout = await api(second, 'POST', '/auth/logout', member.token);
    expect(logout.status).toBe(204);
    expect(await get(first, member.token)).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
    expect(await get(second, member.token)).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
  });

  it('changing a password revokes every live token of the member, on both processes', async () => {
    const member = await signInNewMember(first, 'viewer');
    const onSecond = await requestToken(second, { username: member.username, password: member.password });
    const secondToken = String(onSecond.body.token);
    expect(await get(second, member.token)).toMatchObject({ status: 200 });

    const newPassword = `${member.password}-new`;
    rememberSecret(newPassword);
    const wrong = await api(first, 'PUT', '/auth/password', member.token, { currentPassword: 'not it', newPassword });
    expect(wrong.status).toBe(400);
    expect((wrong.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['currentPassword']);

    const changed = await api(first, 'PUT', '/auth/password', member.token, {
      currentPassword: member.password,
      newPassword,
    });
    expect(changed.status).toBe(204);
    for (const connector of [first, second]) {
      for (const token of [member.token, secondToken]) {
        expect(await get(connector, token)).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
      }
    }
    const old = await requestToken(second, { username: member.username, password: member.password });
    expect(old.status).toBe(401);
    const fresh = await requestToken(second, { username: member.username, password: newPassword });
    expect(fresh.status).toBe(200);
    expect(await get(first, String(fresh.body.token))).toMatchObject({ status: 200 });
  });

  it('removing a member on one process refuses their token on the other', async () => {
    const member = await signInNewMember(first, 'manager');
    expect(await get(second, member.token)).toMatchObject({ status: 200 });
    const removed = await api(second, 'DELETE', `/groups/acme/members/${member.username}`, adminToken);
    expect(removed.status).toBe(204);
    expect(await get(first, member.token)).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
  });

  it('revoking an API key on one process refuses its signatures and its tokens on the other', async () => {
    const key = await createApiKey(first, adminToken, { privileges: ['exports:read'] });
    const issued = await requestToken(second, {
      keyId: key.id,
      loginKey: await apiKeyLoginKey(key.id, key.secret, Math.floor(Date.now() / 1000) + 60),
    });
    const keyToken = String(issued.body.token);
    expect((await signedCall(second, key, '/v1/exports')).status).toBe(200);
    expect(await get(first, keyToken)).toMatchObject({ status: 200 });
    const revoked = await api(first, 'DELETE', `/api-keys/${key.id}`, adminToken);
    expect(revoked.status).toBe(204);
    expect((await signedCall(second, key, '/v1/exports')).body.code).toBe('SIGNATURE_KEY_REVOKED');
    expect(await get(second, keyToken)).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
  });

  it('a signed request replayed to the other process is refused (the nonce is shared)', async () => {
    const key = await createApiKey(first, adminToken, { privileges: ['exports:read'] });
    const sent = await signedCall(first, key, '/v1/exports');
    expect(sent.status).toBe(200);
    const replayed = await sendWithAuthorization(second, '/v1/exports', sent.authorization);
    expect(replayed.body.code).toBe('SIGNATURE_NONCE_REUSED');
  });

  it('checks arriving together share one Redis read, and a revocation made before a check is always seen', async () => {
    const mgetCalls = async () =>
      Number(/cmdstat_mget:calls=(\d+)/.exec(await first.deps.redis.info('commandstats'))?.[1] ?? 0);
    const keys = ['auth:revoked:coalesce-test', 'auth:revoked-before:coalesce-group:coalesce-user'];
    const before = await mgetCalls();
    const answers = await Promise.all(Array.from({ length: 50 }, () => first.deps.auth.reads.mget(keys)));
    expect(await mgetCalls()).toBe(before + 1);
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify([null, null])]));

    await second.deps.redis.set(keys[0] as string, '1', 'EX', 60);
    expect(await first.deps.auth.reads.mget(keys)).toEqual(['1', null]);
  });
});
