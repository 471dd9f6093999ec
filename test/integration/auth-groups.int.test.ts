import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { api } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';

describe('groups, members and trusted origins', () => {
  let connector: TestConnector;
  let adminToken: string;
  let acmeId: string;
  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    rememberSecret(ADMIN.password);
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
    acmeId = (await connector.deps.db.group.findUniqueOrThrow({ where: { name: 'acme' } })).id;
  });
  afterAll(async () => connector?.close());

  const call = (method: string, path: string, token: string, body?: unknown) =>
    api(connector, method, path, token, body);

  it('creates a group whose admin is the caller, lists the caller’s groups with roles, refuses a taken name', async () => {
    const viewer = await signInNewMember(connector, 'viewer', { adminToken });
    const created = await call('POST', '/groups', viewer.token, { name: 'viewer-own-group' });
    expect(created).toMatchObject({ status: 201, body: { name: 'viewer-own-group', role: 'admin' } });
    expect(created.body.id).toMatch(/^grp_/);
    const mine = await call('GET', '/groups', viewer.token);
    expect(mine.body.items.map((g: { name: string; role: string }) => [g.name, g.role])).toEqual([
      ['acme', 'viewer'],
      ['viewer-own-group', 'admin'],
    ]);
    expect(mine.body.nextCursor).toBeNull();
    const taken = await call('POST', '/groups', adminToken, { name: 'viewer-own-group' });
    expect(taken).toMatchObject({ status: 409, body: { code: 'GROUP_NAME_TAKEN' } });
    // The admin of the new group is its own: acme's admin sees nothing of it.
    expect((await call('GET', '/groups', adminToken)).body.items.map((g: { name: string }) => g.name)).not.toContain(
      'viewer-own-group',
    );
  });

  it("adds members with this group's own credentials, lists them, refuses duplicates", async () => {
    const password = 'a long enough password';
    rememberSecret(password);
    const added = await call('POST', '/groups/acme/members', adminToken, {
      username: 'carol',
      password,
      role: 'manager',
    });
    expect(added).toMatchObject({ status: 201, body: { username: 'carol', role: 'manager', setPasswordUrl: null } });
    const again = await call('POST', '/groups/acme/members', adminToken, { username: 'carol', role: 'viewer' });
    expect(again).toMatchObject({ status: 409, body: { code: 'ALREADY_A_MEMBER' } });

    // Another group's "carol" is that group's own: the password chosen there never opens acme.
    await call('POST', '/groups', adminToken, { name: 'second' });
    const second = String((await requestToken(connector, { ...ADMIN, group: 'second' })).body.token);
    const attackerPassword = 'attacker chosen password';
    rememberSecret(attackerPassword);
    const elsewhere = await call('POST', '/groups/second/members', second, {
      username: 'carol',
      password: attackerPassword,
      role: 'viewer',
    });
    expect(elsewhere).toMatchObject({ status: 201, body: { username: 'carol', setPasswordUrl: null } });
    expect(
      (await requestToken(connector, { username: 'carol', password: attackerPassword, group: 'acme' })).status,
    ).toBe(401);
    expect((await requestToken(connector, { username: 'carol', password, group: 'second' })).status).toBe(401);
    expect((await requestToken(connector, { username: 'carol', password, group: 'acme' })).status).toBe(200);

    const newWithoutPassword = await call('POST', '/groups/acme/members', adminToken, {
      username: 'dave',
      role: 'viewer',
    });
    expect(newWithoutPassword).toMatchObject({ status: 201, body: { username: 'dave' } });
    expect(String(newWithoutPassword.body.setPasswordUrl)).toMatch(/\/console\/set-password#token=pws_/);
    rememberSecret(String(newWithoutPassword.body.setPasswordUrl).split('#token=')[1] ?? '');

    const listed = await call('GET', `/groups/${acmeId}/members`, adminToken);
    expect(listed.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: 'admin', role: 'admin' }),
        expect.objectContaining({ username: 'carol', role: 'manager' }),
      ]),
    );
    expect(JSON.stringify(listed.body)).not.toMatch(/scrypt|password/i);
  });

  it('removes members (404 for a stranger) but never the last admin', async () => {
    const member = await signInNewMember(connector, 'viewer', { adminToken });
    expect((await call('DELETE', `/groups/acme/members/${member.username}`, adminToken)).status).toBe(204);
    expect((await call('DELETE', `/groups/acme/members/${member.username}`, adminToken)).status).toBe(404);
    const last = await call('DELETE', '/groups/acme/members/admin', adminToken);
    expect(last).toMatchObject({ status: 409, body: { code: 'LAST_ADMIN' } });
    const audit = await connector.deps.db.auditLog.findMany({
      where: { action: 'group.member.remove', groupId: acmeId },
    });
    expect(audit).toHaveLength(1);
  });

  it('stores trusted origins normalized and refuses paths, wildcards and plain http', async () => {
    const put = await call('PUT', '/groups/acme/origins', adminToken, {
      origins: [
        'https://App.Example.com:443/',
        'https://app.example.com',
        'http://localhost:5173',
        'https://b.example:8443',
      ],
    });
    expect(put).toMatchObject({
      status: 200,
      body: { origins: ['http://localhost:5173', 'https://app.example.com', 'https://b.example:8443'] },
    });
    const rows = await connector.deps.db.groupOrigin.findMany({
      where: { groupId: acmeId },
      orderBy: { origin: 'asc' },
    });
    expect(rows.map((r) => r.origin)).toEqual(put.body.origins);
    expect(await call('GET', '/groups/acme/origins', adminToken)).toMatchObject({
      body: { origins: put.body.origins },
    });

    const bad = await call('PUT', '/groups/acme/origins', adminToken, {
      origins: ['https://ok.example', 'https://a.example/path', '*', 'ftp://x.example', 'https://u:p@x.example'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'origins.1',
      'origins.2',
      'origins.3',
      'origins.4',
    ]);
    // A refused list changes nothing; an empty list clears.
    expect((await call('GET', '/groups/acme/origins', adminToken)).body.origins).toEqual(put.body.origins);
    expect((await call('PUT', '/groups/acme/origins', adminToken, { origins: [] })).body).toEqual({ origins: [] });
  });

  it('answers 404 for another group’s members and origins, whether it exists or not', async () => {
    await call('POST', '/groups', adminToken, { name: 'group-b' });
    const bToken = String((await requestToken(connector, { ...ADMIN, group: 'group-b' })).body.token);
    rememberSecret(bToken);
    const groupB = await connector.deps.db.group.findUniqueOrThrow({ where: { name: 'group-b' } });
    for (const ref of ['group-b', groupB.id, 'no-such-group']) {
      const answers = [
        await call('GET', `/groups/${ref}/members`, adminToken),
        await call('POST', `/groups/${ref}/members`, adminToken, { username: 'admin', role: 'viewer' }),
        await call('DELETE', `/groups/${ref}/members/admin`, adminToken),
        await call('GET', `/groups/${ref}/origins`, adminToken),
        await call('PUT', `/groups/${ref}/origins`, adminToken, { origins: [] }),
      ];
      for (const answer of answers) expect(answer).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    }
    // The same admin with group B's token reaches group B, and not acme.
    expect((await call('GET', '/groups/group-b/members', bToken)).status).toBe(200);
    expect((await call('GET', '/groups/acme/members', bToken)).status).toBe(404);
  });

  it('refuses managers and viewers (403) on every admin-only route', async () => {
    for (const role of ['manager', 'viewer'] as const) {
      const member = await signInNewMember(connector, role, { adminToken });
      const answers = [
        await call('GET', '/groups/acme/members', member.token),
        await call('POST', '/groups/acme/members', member.token, {
          username: 'eve',
          password: 'password123',
          role: 'admin',
        }),
        await call('DELETE', '/groups/acme/members/admin', member.token),
        await call('GET', '/groups/acme/origins', member.token),
        await call('PUT', '/groups/acme/origins', member.token, { origins: ['https://evil.example'] }),
      ];
      for (const answer of answers) expect(answer).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    }
    expect(await connector.deps.db.user.findFirst({ where: { username: 'eve' } })).toBeNull();
  });

  it('refuses malformed bodies with 400 problem+json naming the field, unknown fields included', async () => {
    const cases: [string, string, unknown, string[]][] = [
      ['POST', '/groups', {}, ['name']],
      ['POST', '/groups', { name: 'x', owner: 'me' }, ['owner']],
      ['POST', '/groups', { name: 'grp_looks_like_an_id' }, ['name']],
      ['POST', '/groups', { name: 12 }, ['name']],
      ['POST', '/groups/acme/members', { username: 'frank', password: 'long enough', role: 'owner' }, ['role']],
      [
        'POST',
        '/groups/acme/members',
        { username: 'has space', password: 'long enough', role: 'viewer' },
        ['username'],
      ],
      ['POST', '/groups/acme/members', { username: 'grace', password: 'short', role: 'viewer' }, ['password']],
      ['POST', '/groups/acme/members', { username: 'heidi', role: 'viewer', admin: true }, ['admin']],
      ['PUT', '/groups/acme/origins', {}, ['origins']],
      ['PUT', '/groups/acme/origins', { origins: 'https://a.example' }, ['origins']],
      ['PUT', '/groups/acme/origins', { origins: [], extra: 1 }, ['extra']],
      ['PUT', '/groups/acme/origins', { origins: [42] }, ['origins.0']],
    ];
    for (const [method, path, body, fields] of cases) {
      const answer = await call(method, path, adminToken, body);
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
    }
  });
});
