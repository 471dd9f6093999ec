import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../apps/core/crypto/hashing.ts';
import { migrate } from '../../apps/core/db/migrate.ts';
import { type DatabaseTarget, resolveDatabase } from '../../apps/core/db/target.ts';
import { newId } from '../../apps/core/ids.ts';
import { collectPageErrors, launchChromium } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { api } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken } from '../helpers/members.ts';

// docs/api/groups-and-members.md: credentials belong to one group's membership. A password chosen
// in one group never signs in to another; adding a member answers the same 201 whether or not
// the name exists elsewhere; the one link between groups is a member creating a group.

const call = (connector: TestConnector, token: string | null, method: string, path: string, body?: unknown) =>
  api<Record<string, unknown>>(connector, method, path, token, body);

async function tokenFor(connector: TestConnector, username: string, password: string, group: string) {
  const answer = await requestToken(connector, { username, password, group });
  return answer.status === 200 ? String(answer.body.token) : null;
}

const linkToken = (url: unknown) => {
  const token = String(url).split('#token=')[1] ?? '';
  rememberSecret(token);
  return token;
};

describe('a username is not a door into another group', () => {
  let connector: TestConnector;
  let adminToken: string;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
  });
  afterAll(async () => connector?.close());

  it('a password chosen in another group never opens this one; the member sets their own through the link', async () => {
    // Someone with a session creates their own group and adds acme's carol there with a password.
    expect((await call(connector, adminToken, 'POST', '/groups', { name: 'mallory-co' })).status).toBe(201);
    const mallory = String((await requestToken(connector, { ...ADMIN, group: 'mallory-co' })).body.token);
    const chosen = 'mallory chose this one';
    rememberSecret(chosen);
    const planted = await call(connector, mallory, 'POST', '/groups/mallory-co/members', {
      username: 'carol@acme.example',
      password: chosen,
      role: 'admin',
    });
    expect(planted.status).toBe(201);

    // acme's admin adds carol later: the same answer as for a name nobody has used.
    const carol = await call(connector, adminToken, 'POST', '/groups/acme/members', {
      username: 'carol@acme.example',
      role: 'manager',
    });
    const fresh = await call(connector, adminToken, 'POST', '/groups/acme/members', {
      username: 'fresh@acme.example',
      role: 'manager',
    });
    expect(carol.status).toBe(201);
    expect(fresh.status).toBe(201);
    expect(Object.keys(carol.body).sort()).toEqual(Object.keys(fresh.body).sort());
    expect(carol.body).toMatchObject({ username: 'carol@acme.example', role: 'manager' });
    expect(String(carol.body.setPasswordUrl)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/set-password#token=pws_/);
    expect(String(carol.body.setPasswordUrl).length).toBeLessThanOrEqual(255);
    linkToken(fresh.body.setPasswordUrl);

    // The planted password opens nothing in acme, with or without the group named.
    expect(await tokenFor(connector, 'carol@acme.example', chosen, 'acme')).toBeNull();
    expect((await requestToken(connector, { username: 'carol@acme.example', password: chosen })).status).toBe(401);

    // carol chooses her password through the one-time link.
    const token = linkToken(carol.body.setPasswordUrl);
    const own = 'carol chose this herself';
    rememberSecret(own);
    const set = await call(connector, null, 'POST', '/auth/password-setup', { token, password: own });
    expect(set).toMatchObject({ status: 200, body: { username: 'carol@acme.example', group: 'acme' } });
    const again = await call(connector, null, 'POST', '/auth/password-setup', { token, password: 'another password' });
    expect(again).toMatchObject({ status: 400, body: { code: 'PASSWORD_LINK_INVALID' } });
    expect(await tokenFor(connector, 'carol@acme.example', own, 'acme')).not.toBeNull();
    expect(await tokenFor(connector, 'carol@acme.example', own, 'mallory-co')).toBeNull();
    expect(await tokenFor(connector, 'carol@acme.example', chosen, 'mallory-co')).not.toBeNull();
    const audit = await connector.deps.db.auditLog.findFirst({ where: { action: 'auth.password.set' } });
    expect(audit).toMatchObject({ outcome: 'success' });
  });

  it('refuses a made-up or malformed link and a short password, naming the field', async () => {
    const made = await call(connector, null, 'POST', '/auth/password-setup', {
      token: 'pws_made-up',
      password: 'long enough password',
    });
    expect(made).toMatchObject({ status: 400, body: { code: 'PASSWORD_LINK_INVALID' } });
    const short = await call(connector, null, 'POST', '/auth/password-setup', { token: 'pws_x', password: 'short' });
    expect(short).toMatchObject({ status: 400, body: { errors: [{ field: 'password' }] } });
    const page = await fetch(`${connector.baseUrl}/console/set-password`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Choose your password');
  });

  it('the link opens a console page where the member chooses a password, in Chromium', async () => {
    const added = await call(connector, adminToken, 'POST', '/groups/acme/members', {
      username: 'dora@acme.example',
      role: 'viewer',
    });
    linkToken(added.body.setPasswordUrl);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors = collectPageErrors(page, connector.baseUrl);
      await page.goto(String(added.body.setPasswordUrl));
      // The token leaves the address bar (and the history) as soon as the page has read it.
      await page.waitForFunction('!location.hash');
      const chosen = 'dora picked this one';
      rememberSecret(chosen);
      await page.getByLabel('New password').fill(chosen);
      await page.getByLabel('Repeat the password').fill(chosen);
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('status').getByText('Your password is set').waitFor();
      expect(await page.getByRole('link', { name: 'Sign in to acme' }).getAttribute('href')).toBe(
        '/console/sign-in?group=acme',
      );
      expect(errors).toEqual([]);
      expect(await tokenFor(connector, 'dora@acme.example', chosen, 'acme')).not.toBeNull();
    } finally {
      await browser.close();
    }
  });

  it('a member who creates a group takes their identity along: the same password signs in to both', async () => {
    const created = await call(connector, adminToken, 'POST', '/groups', { name: 'founded-here' });
    expect(created.status).toBe(201);
    const there = await tokenFor(connector, ADMIN.username, ADMIN.password, 'founded-here');
    expect(there).not.toBeNull();
    const me = await call(connector, there, 'GET', '/auth/me');
    const home = await call(connector, adminToken, 'GET', '/auth/me');
    expect((me.body.user as { id: string }).id).toBe((home.body.user as { id: string }).id);
  });
});

/** Runs statements on the test database as they are (values are the test's own literals). */
async function runSql(target: DatabaseTarget, statements: string[]): Promise<void> {
  if (target.provider === 'sqlite') {
    const db = new Database(target.file);
    try {
      for (const sql of statements) db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    if (target.schema) await client.query(`SET search_path TO "${target.schema}"`);
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('existing data migrates without locking anyone out', () => {
  let database: TestDatabase;
  let connector: TestConnector;
  const password = 'carol had this before the upgrade';
  const ids = {
    acme: newId('grp'),
    mallory: newId('grp'),
    founded: newId('grp'),
    carol: newId('usr'),
    inAcme: newId('mem'),
    inMallory: newId('mem'),
    inFounded: newId('mem'),
  };

  beforeAll(async () => {
    rememberSecret(password);
    database = await createTestDatabase();
    const target = resolveDatabase({ DATABASE_URL: database.url, DATA_DIR: '/nonexistent' });
    // The schema before credentials moved to the group (migration 0008), with carol in three groups.
    await migrate(target, { upTo: '0007_deliveries_by_engagement.sql' });
    const hash = await hashPassword(password);
    const at = (month: number) => `'2026-0${month}-01T00:00:00.000Z'`;
    await runSql(target, [
      `INSERT INTO "groups" ("id", "name") VALUES ('${ids.acme}', 'acme'), ('${ids.mallory}', 'mallory-co'), ('${ids.founded}', 'carol-co')`,
      `INSERT INTO "users" ("id", "username", "password_hash") VALUES ('${ids.carol}', 'carol', '${hash}')`,
      `INSERT INTO "memberships" ("id", "group_id", "user_id", "role", "created_at") VALUES
        ('${ids.inAcme}', '${ids.acme}', '${ids.carol}', 'admin', ${at(1)}),
        ('${ids.inMallory}', '${ids.mallory}', '${ids.carol}', 'viewer', ${at(2)}),
        ('${ids.inFounded}', '${ids.founded}', '${ids.carol}', 'admin', ${at(3)})`,
      `INSERT INTO "audit_log" ("id", "group_id", "actor_type", "actor_id", "action", "target_type", "target_id", "outcome")
        VALUES ('${newId('aud')}', '${ids.founded}', 'user', '${ids.carol}', 'group.create', 'group', '${ids.founded}', 'success')`,
      `INSERT INTO "sso_identities" ("id", "group_id", "issuer", "subject", "user_id")
        VALUES ('${newId('sid')}', '${ids.mallory}', 'https://idp.example', 'sub-1', '${ids.carol}')`,
    ]);
    connector = await startConnector({ workers: false, database });
  });
  afterAll(async () => {
    await connector?.close();
    await database?.drop();
  });

  it('every membership still signs in with the old password; the one she did not create is its own identity', async () => {
    const tokens = {
      acme: await tokenFor(connector, 'carol', password, 'acme'),
      founded: await tokenFor(connector, 'carol', password, 'carol-co'),
      mallory: await tokenFor(connector, 'carol', password, 'mallory-co'),
    };
    expect(tokens.acme && tokens.founded && tokens.mallory).toBeTruthy();
    const idOf = async (token: string | null) =>
      ((await call(connector, token, 'GET', '/auth/me')).body.user as { id: string }).id;
    expect(await idOf(tokens.acme)).toBe(ids.carol);
    expect(await idOf(tokens.founded)).toBe(ids.carol);
    const split = await idOf(tokens.mallory);
    expect(split).not.toBe(ids.carol);
    const identity = await connector.deps.db.ssoIdentity.findFirstOrThrow({ where: { groupId: ids.mallory } });
    expect(identity.userId).toBe(split);

    // From now on the two change apart: a new password in mallory-co leaves acme's as it was.
    const changed = await call(connector, tokens.mallory, 'PUT', '/auth/password', {
      currentPassword: password,
      newPassword: 'a new one for mallory-co only',
    });
    expect(changed.status).toBe(204);
    expect(await tokenFor(connector, 'carol', password, 'acme')).not.toBeNull();
    expect(await tokenFor(connector, 'carol', password, 'mallory-co')).toBeNull();
  });
});
