import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApiKey, createApiKey, signedCall } from '../helpers/api-keys.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { api } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { type Role, requestToken, signInNewMember } from '../helpers/members.ts';

// docs/api/groups-and-members.md: nobody grants what they do not hold (403
// PRIVILEGE_EXCEEDED), `PATCH …/members/:username {role}`, a group always keeps an admin (409
// LAST_ADMIN), and a role change holds from the member's next request in every process.
describe('delegation: nobody grants what they do not hold', () => {
  let connector: TestConnector;
  let second: TestConnector;
  let adminToken: string;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    second = await startConnector({ workers: false, shareWith: connector });
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
  });
  afterAll(async () => {
    await second?.close();
    await connector?.close();
  });

  const call = (token: string, method: string, path: string, body?: unknown, on = connector) =>
    api<Record<string, unknown>>(on, method, path, token, body);
  const signed = (key: TestApiKey, method: string, path: string, body?: unknown) =>
    signedCall(connector, key, `/v1${path}`, { method, body });
  const roleOf = async (username: string) =>
    ((await call(adminToken, 'GET', '/groups/acme/members')).body.items as { username: string; role: Role }[]).find(
      (m) => m.username === username,
    )?.role;

  it('an API key holding only members:manage creates no admin, manager or viewer, and no partner or SSO role', async () => {
    const key = await createApiKey(connector, adminToken, { privileges: ['members:manage'] });
    for (const role of ['admin', 'manager', 'viewer']) {
      const added = await signed(key, 'POST', '/groups/acme/members', {
        username: `via-key-${role}`,
        password: 'a long enough password',
        role,
      });
      expect(added).toMatchObject({ status: 403, body: { code: 'PRIVILEGE_EXCEEDED' } });
    }
    const wide = await createApiKey(connector, adminToken, { privileges: ['members:manage', 'api-keys:manage'] });
    const partner = await signed(wide, 'POST', '/partners', { name: 'escalate', role: 'admin' });
    expect(partner).toMatchObject({ status: 403, body: { code: 'PRIVILEGE_EXCEEDED' } });
    const sso = await signed(wide, 'PUT', '/groups/acme/sso', {
      issuer: 'https://idp.example.com',
      clientId: 'c',
      clientSecret: 's',
      defaultRole: 'admin',
    });
    expect(sso).toMatchObject({ status: 403, body: { code: 'PRIVILEGE_EXCEEDED' } });
    const keyWithMore = await signed(wide, 'POST', '/api-keys', { name: 'more', privileges: ['exports:write'] });
    expect(keyWithMore).toMatchObject({ status: 403, body: { code: 'PRIVILEGE_EXCEEDED' } });
    const members = (await call(adminToken, 'GET', '/groups/acme/members')).body.items as { username: string }[];
    expect(members.map((m) => m.username).filter((u) => u.startsWith('via-key-'))).toEqual([]);
    expect(await connector.deps.db.partner.count({ where: { name: 'escalate' } })).toBe(0);
  });

  it('a key holding a viewer’s privileges may add a viewer, and the audit row names the key', async () => {
    const key = await createApiKey(connector, adminToken, {
      privileges: ['members:manage', 'exports:read', 'deliveries:read'],
    });
    const added = await signed(key, 'POST', '/groups/acme/members', {
      username: 'viewer-by-key',
      password: 'a long enough password',
      role: 'viewer',
    });
    expect(added.status).toBe(201);
    const manager = await signed(key, 'POST', '/groups/acme/members', { username: 'mgr-by-key', role: 'manager' });
    expect(manager).toMatchObject({ status: 403, body: { code: 'PRIVILEGE_EXCEEDED' } });
    const audit = await connector.deps.db.auditLog.findFirst({
      where: { action: 'group.member.add', details: { contains: 'viewer-by-key' } },
    });
    expect(audit).toMatchObject({ actorType: 'api_key', actorId: key.id });
    // Nor may it act on someone who holds more than it: demote or remove the admin.
    const demote = await signed(key, 'PATCH', `/groups/acme/members/${ADMIN.username}`, { role: 'viewer' });
    expect(demote).toMatchObject({ status: 403, body: { code: 'PRIVILEGE_EXCEEDED' } });
    const remove = await signed(key, 'DELETE', `/groups/acme/members/${ADMIN.username}`);
    expect(remove).toMatchObject({ status: 403, body: { code: 'PRIVILEGE_EXCEEDED' } });
    expect(await roleOf(ADMIN.username)).toBe('admin');
  });

  it('PATCH changes a role, validates the body, and never demotes the last admin', async () => {
    const member = await signInNewMember(connector, 'viewer', { adminToken });
    const changed = await call(adminToken, 'PATCH', `/groups/acme/members/${member.username}`, { role: 'manager' });
    expect(changed).toMatchObject({ status: 200, body: { username: member.username, role: 'manager' } });
    expect(await roleOf(member.username)).toBe('manager');
    const audit = await connector.deps.db.auditLog.findFirst({
      where: { action: 'group.member.role', details: { contains: member.username } },
    });
    expect(audit).toMatchObject({ actorType: 'user', outcome: 'success' });
    expect(audit?.actorId).toBeTruthy();
    expect(await call(adminToken, 'PATCH', `/groups/acme/members/${member.username}`, { role: 'owner' })).toMatchObject(
      {
        status: 400,
        body: { errors: [{ field: 'role' }] },
      },
    );
    expect(await call(adminToken, 'PATCH', '/groups/acme/members/nobody-here', { role: 'viewer' })).toMatchObject({
      status: 404,
    });
    const last = await call(adminToken, 'PATCH', `/groups/acme/members/${ADMIN.username}`, { role: 'viewer' });
    expect(last).toMatchObject({ status: 409, body: { code: 'LAST_ADMIN' } });
  });

  it('two admins demoting each other at the same moment leave one admin', async () => {
    for (let round = 0; round < 6; round++) {
      // A group of two admins of its own, created from the bootstrap admin's session.
      const group = `pair-${round}-${Date.now()}`;
      expect((await call(adminToken, 'POST', '/groups', { name: group })).status).toBe(201);
      const founder = await requestToken(connector, { ...ADMIN, group });
      const founderToken = String(founder.body.token);
      const other = await signInNewMember(connector, 'admin', { adminToken: founderToken, group });
      const [a, b] = await Promise.all([
        call(founderToken, 'PATCH', `/groups/${group}/members/${other.username}`, { role: 'viewer' }),
        call(other.token, 'PATCH', `/groups/${group}/members/${ADMIN.username}`, { role: 'viewer' }, second),
      ]);
      const statuses = [a.status, b.status].sort();
      // Either one demotion wins and the other sees the last admin (409) or is no longer an admin
      // by then (403): never both 200.
      expect(statuses[0]).toBe(200);
      expect([403, 409]).toContain(statuses[1]);
      const groupRow = await connector.deps.db.group.findUniqueOrThrow({ where: { name: group } });
      expect(await connector.deps.db.membership.count({ where: { groupId: groupRow.id, role: 'admin' } })).toBe(1);
    }
  });

  it('a demoted member loses the role on their next request, in every process', async () => {
    const member = await signInNewMember(connector, 'manager', { adminToken });
    const createExport = (name: string) =>
      call(member.token, 'POST', '/exports', { name, webhookUrl: 'http://127.0.0.1:9/hook' }, second);
    // The second process has just read (and may keep) the member's manager role.
    expect((await createExport('before')).status).toBe(201);
    const demoted = await call(adminToken, 'PATCH', `/groups/acme/members/${member.username}`, { role: 'viewer' });
    expect(demoted.status).toBe(200);
    expect(await createExport('after')).toMatchObject({ status: 403 });
    expect((await call(member.token, 'GET', '/exports', undefined, second)).status).toBe(200);
  });
});
