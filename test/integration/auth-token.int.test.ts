import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURES_PER_ACCOUNT_AND_IP } from '../../apps/core/auth/sign-in-limiter.ts';
import { ROLE_PRIVILEGES } from '../../apps/core/groups/roles.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';

const minutesBetween = (from: number, to: string) => Math.round((Date.parse(to) - from) / 60_000);

describe('POST /v1/auth/token with username and password', () => {
  let connector: TestConnector;
  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    rememberSecret(ADMIN.password);
  });
  afterAll(async () => connector?.close());

  it('issues a 20-minute token for the group, with the privileges of the member’s role', async () => {
    const before = Date.now();
    const answer = await requestToken(connector, ADMIN);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toMatchObject({ group: 'acme', role: 'admin', privileges: [...ROLE_PRIVILEGES.admin] });
    expect(minutesBetween(before, String(answer.body.expiresAt))).toBe(20);
    const me = await fetch(`${connector.baseUrl}/v1/auth/me`, {
      headers: { authorization: `Bearer ${answer.body.token}` },
    });
    expect(await me.json()).toMatchObject({
      user: { username: 'admin' },
      group: { name: 'acme', id: answer.body.groupId },
      role: 'admin',
      privileges: [...ROLE_PRIVILEGES.admin],
    });
  });

  it('gives managers and viewers only their role’s privileges', async () => {
    for (const role of ['manager', 'viewer'] as const) {
      const member = await signInNewMember(connector, role);
      const me = await fetch(`${connector.baseUrl}/v1/auth/me`, {
        headers: { authorization: `Bearer ${member.token}` },
      });
      const body = (await me.json()) as { role: string; privileges: string[] };
      expect(body.role).toBe(role);
      expect(body.privileges).toEqual([...ROLE_PRIVILEGES[role]]);
    }
    expect(ROLE_PRIVILEGES.viewer).not.toContain('exports:write');
    expect(ROLE_PRIVILEGES.manager).toContain('exports:authorize');
    expect(ROLE_PRIVILEGES.manager).not.toContain('members:manage');
  });

  it('accepts a lifetime from 1 to 120 minutes and refuses 0, 121 and fractions with 400 naming duration', async () => {
    for (const duration of [1, 120]) {
      const before = Date.now();
      const answer = await requestToken(connector, { ...ADMIN, duration });
      expect(answer.status).toBe(200);
      expect(minutesBetween(before, String(answer.body.expiresAt))).toBe(duration);
    }
    for (const duration of [0, 121, 1.5, '20']) {
      const answer = await requestToken(connector, { ...ADMIN, duration });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'duration' }] });
    }
  });

  it('names the group by name or id, and needs it only from members of several groups', async () => {
    const acme = await connector.deps.db.group.findUniqueOrThrow({ where: { name: 'acme' } });
    const byId = await requestToken(connector, { ...ADMIN, group: acme.id });
    expect(byId.body).toMatchObject({ group: 'acme', groupId: acme.id });

    const alone = await signInNewMember(connector, 'viewer');
    const withoutGroup = await requestToken(connector, { username: alone.username, password: alone.password });
    expect(withoutGroup).toMatchObject({ status: 200, body: { group: 'acme', role: 'viewer' } });

    const created = await fetch(`${connector.baseUrl}/v1/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${byId.body.token}` },
      body: JSON.stringify({ name: 'second-group' }),
    });
    expect(created.status).toBe(201);
    const ambiguous = await requestToken(connector, { username: ADMIN.username, password: ADMIN.password });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body).toMatchObject({ errors: [{ field: 'group' }] });
    expect(String((ambiguous.body.errors as { message: string }[])[0]?.message)).toContain('second-group');
    const second = await requestToken(connector, { ...ADMIN, group: 'second-group' });
    expect(second.body).toMatchObject({ group: 'second-group', role: 'admin' });
  });

  it('refuses a wrong password and an unknown user alike (401), and a group the user is not in (403)', async () => {
    const wrong = await requestToken(connector, { ...ADMIN, password: 'not the password' });
    const unknown = await requestToken(connector, { ...ADMIN, username: 'nobody-here' });
    for (const answer of [wrong, unknown]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ code: 'INVALID_CREDENTIALS', detail: 'The username or password is wrong' });
      expect(answer.body.token).toBeUndefined();
    }
    const stranger = await requestToken(connector, { ...ADMIN, group: 'no-such-group' });
    expect(stranger).toMatchObject({ status: 403, body: { code: 'NOT_A_MEMBER' } });

    const refusals = await connector.deps.db.auditLog.findMany({
      where: { action: 'auth.token.issue', outcome: 'refused' },
    });
    expect(refusals.map((r) => r.reason)).toEqual(
      expect.arrayContaining(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'NOT_A_MEMBER']),
    );
    const issued = await connector.deps.db.auditLog.count({
      where: { action: 'auth.token.issue', outcome: 'success' },
    });
    expect(issued).toBeGreaterThan(0);
  });

  it('answers 429 with Retry-After after repeated failures, even with the right password', async () => {
    const member = await signInNewMember(connector, 'viewer');
    for (let i = 0; i < FAILURES_PER_ACCOUNT_AND_IP; i++) {
      const answer = await requestToken(connector, { username: member.username, password: 'wrong password' });
      expect(answer.status).toBe(401);
    }
    const limited = await requestToken(connector, { username: member.username, password: member.password });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(60);
    const audit = await connector.deps.db.auditLog.findFirst({ where: { reason: 'RATE_LIMITED' } });
    expect(audit).toMatchObject({ outcome: 'refused', ip: expect.any(String) });

    // Other accounts from the same address are not locked out by one account's failures.
    expect((await requestToken(connector, ADMIN)).status).toBe(200);
  });

  it('resets an account’s failure count after a successful sign-in', async () => {
    const member = await signInNewMember(connector, 'viewer');
    const fail = () => requestToken(connector, { username: member.username, password: 'wrong password' });
    for (let i = 0; i < FAILURES_PER_ACCOUNT_AND_IP - 1; i++) expect((await fail()).status).toBe(401);
    expect((await requestToken(connector, { username: member.username, password: member.password })).status).toBe(200);
    for (let i = 0; i < FAILURES_PER_ACCOUNT_AND_IP - 1; i++) expect((await fail()).status).toBe(401);
  });

  it('refuses malformed bodies with 400 problem+json naming each field', async () => {
    const cases: [unknown, string[]][] = [
      [{}, ['username', 'password']],
      [{ username: 'admin' }, ['password']],
      [{ ...ADMIN, extra: true }, ['extra']],
      [{ username: 42, password: ['x'] }, ['username', 'password']],
      [{ ...ADMIN, group: '' }, ['group']],
      [[ADMIN], ['body']],
    ];
    for (const [body, fields] of cases) {
      const res = await fetch(`${connector.baseUrl}/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { errors: { field: string }[] };
      expect(problem.errors.map((e) => e.field).sort()).toEqual([...fields].sort());
    }
    const notJson = await fetch(`${connector.baseUrl}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username":',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ code: 'MALFORMED_JSON' });
  });
});
