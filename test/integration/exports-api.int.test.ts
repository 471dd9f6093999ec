import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretContext } from '../../apps/core/crypto/contexts.ts';
import { signingSecretsOf } from '../../apps/core/exports/signing-secret.ts';
import { loadTokens, saveTokens } from '../../apps/core/oauth/connection-store.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { api, type ApiAnswer, createExport, rawSecretRows } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';

interface ExportPage {
  items: { id: string; createdAt: string }[];
  nextCursor: string | null;
}

const OAUTH = {
  authorizationUrl: 'https://login.crm.example/services/oauth2/authorize',
  tokenUrl: 'https://login.crm.example/services/oauth2/token',
  clientId: 'connected-app-1',
  clientSecret: 'client-secret-value-0123456789',
  scopes: ['api', 'refresh_token'],
};

describe('exports and their OAuth configuration over the API', () => {
  let connector: TestConnector;
  let admin: string;
  let viewer: string;
  let otherGroup: string;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    rememberSecret(ADMIN.password, OAUTH.clientSecret);
    admin = await connector.adminToken();
    rememberSecret(admin);
    viewer = (await signInNewMember(connector, 'viewer', { adminToken: admin })).token;
    expect((await api(connector, 'POST', '/groups', admin, { name: 'globex' })).status).toBe(201);
    const other = await requestToken(connector, { ...ADMIN, group: 'globex' });
    otherGroup = String(other.body.token);
  });
  afterAll(async () => connector?.close());

  it('creates, reads, changes and deletes an export; the signing secret shows only on creation', async () => {
    const created = await api(connector, 'POST', '/exports', admin, {
      name: 'Salesforce',
      webhookUrl: 'https://crm.example.com/hooks',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.headers.get('location')).toBe(`/v1/exports/${created.body.id}`);
    rememberSecret(created.body.signingSecret);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^exp_/),
      name: 'Salesforce',
      webhookUrl: 'https://crm.example.com/hooks',
      enabled: true,
      status: 'not_configured',
      oauth: { configured: false, status: 'not_configured' },
    });
    expect(Buffer.from(created.body.signingSecret.replace(/^whsec_/, ''), 'base64')).toHaveLength(24);
    const id = created.body.id;

    const read = await api(connector, 'GET', `/exports/${id}`, admin);
    expect(read.status).toBe(200);
    expect(read.body.signingSecret).toBeUndefined();
    expect(read.text).not.toContain(created.body.signingSecret);

    const disabled = await api(connector, 'PATCH', `/exports/${id}`, admin, { name: 'Salesforce EU', enabled: false });
    expect(disabled.body).toMatchObject({ name: 'Salesforce EU', enabled: false, status: 'disabled' });
    const enabled = await api(connector, 'PATCH', `/exports/${id}`, admin, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, status: 'not_configured', disabledReason: null });

    expect((await api(connector, 'DELETE', `/exports/${id}`, admin)).status).toBe(204);
    expect((await api(connector, 'GET', `/exports/${id}`, admin)).status).toBe(404);

    const audit = await connector.deps.db.auditLog.findMany({ where: { targetId: id }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['export.create', 'export.update', 'export.update', 'export.delete']);
    expect(JSON.stringify(audit)).not.toContain(created.body.signingSecret);
  });

  it('lists the group’s exports newest first, by cursor, ending with nextCursor null', async () => {
    const group = await requestToken(connector, { ...ADMIN, group: 'globex' });
    const token = String(group.body.token);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createExport(connector, token, { name: `export ${i}` })).id);
    const seen: { id: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ApiAnswer<ExportPage> = await api(
        connector,
        'GET',
        `/exports?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        token,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    // Every export once, newest first (exports made in the same millisecond are ordered by id).
    expect(seen.map((e) => e.id).sort()).toEqual([...ids].sort());
    const times = seen.map((e) => Date.parse(e.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const badCursor = await api(connector, 'GET', '/exports?cursor=not-a-cursor', token);
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    const badLimit = await api(connector, 'GET', '/exports?limit=0', token);
    expect(badLimit.body.errors[0].field).toBe('limit');
  });

  it('rotates the signing secret; the previous one keeps signing for 24 hours', async () => {
    const exp = await createExport(connector, admin);
    const rotated = await api(connector, 'POST', `/exports/${exp.id}/signing-secret`, admin);
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    rememberSecret(rotated.body.signingSecret);
    expect(rotated.body.signingSecret).toMatch(/^whsec_/);
    expect(rotated.body.signingSecret).not.toBe(exp.signingSecret);
    const hours = (Date.parse(rotated.body.previousSigningSecretExpiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    const row = await connector.deps.db.export.findUniqueOrThrow({ where: { id: exp.id } });
    expect(signingSecretsOf(connector.deps, row)).toEqual({
      current: rotated.body.signingSecret,
      previous: exp.signingSecret,
    });
    const raw = await rawSecretRows(connector);
    expect(raw).not.toContain(exp.signingSecret);
    expect(raw).not.toContain(rotated.body.signingSecret);
  });

  it('stores the OAuth configuration with the client secret encrypted and never returned', async () => {
    const exp = await createExport(connector, admin);
    const path = `/exports/${exp.id}/oauth`;
    const first = await api(connector, 'PUT', path, admin, { ...OAUTH, clientSecret: undefined });
    expect(first.status).toBe(400);
    expect(first.body.errors).toEqual([{ field: 'clientSecret', message: expect.stringContaining('required') }]);

    const put = await api(connector, 'PUT', path, admin, OAUTH);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      authorizationUrl: OAUTH.authorizationUrl,
      tokenUrl: OAUTH.tokenUrl,
      clientId: OAUTH.clientId,
      clientSecretSet: true,
      scopes: OAUTH.scopes,
      tokenAuthMethod: 'client_secret_post',
      issuer: null,
      redirectUri: `${connector.baseUrl}/oauth/callback`,
    });
    expect(put.text).not.toContain(OAUTH.clientSecret);

    // The console's write-only field: left out, the stored secret stays; scopes may be one string.
    const again = await api(connector, 'PUT', path, admin, {
      ...OAUTH,
      clientSecret: undefined,
      scopes: 'api  refresh_token',
      tokenAuthMethod: 'client_secret_basic',
    });
    expect(again.body).toMatchObject({ scopes: ['api', 'refresh_token'], tokenAuthMethod: 'client_secret_basic' });
    const config = await connector.deps.db.oAuthConfig.findUniqueOrThrow({ where: { exportId: exp.id } });
    expect(connector.deps.secretBox.decrypt(config.clientSecretEnc, secretContext.clientSecret(exp.id))).toBe(
      OAUTH.clientSecret,
    );
    const status = await api(connector, 'GET', path, admin);
    expect(status.body).toMatchObject({
      configured: true,
      status: 'not_authorized',
      config: { clientSecretSet: true },
    });
    expect(status.text).not.toContain(OAUTH.clientSecret);
    expect(await rawSecretRows(connector)).not.toContain(OAUTH.clientSecret);
  });

  it('forgets the tokens on DELETE …/oauth/connection', async () => {
    const exp = await createExport(connector, admin);
    await api(connector, 'PUT', `/exports/${exp.id}/oauth`, admin, OAUTH);
    const accessToken = 'access-token-to-forget-0123456789';
    rememberSecret(accessToken);
    await saveTokens(connector.deps, exp.id, { accessToken, refreshToken: null }, { mode: 'authorize', message: 'ok' });
    expect((await api(connector, 'GET', `/exports/${exp.id}/oauth`, admin)).body.status).toBe('authorized');
    const forgotten = await api(connector, 'DELETE', `/exports/${exp.id}/oauth/connection`, admin);
    expect(forgotten.status).toBe(200);
    expect(forgotten.body).toMatchObject({ configured: true, status: 'not_authorized' });
    expect(await loadTokens(connector.deps, exp.id)).toBeNull();
    expect(await rawSecretRows(connector)).not.toContain(accessToken);
  });

  it('answers 404 for every route on another group’s export, and lists none of them', async () => {
    const exp = await createExport(connector, admin);
    const routes: [string, string, unknown?][] = [
      ['GET', `/exports/${exp.id}`],
      ['PATCH', `/exports/${exp.id}`, { name: 'taken over' }],
      ['DELETE', `/exports/${exp.id}`],
      ['POST', `/exports/${exp.id}/signing-secret`],
      ['GET', `/exports/${exp.id}/oauth`],
      ['PUT', `/exports/${exp.id}/oauth`, OAUTH],
      ['GET', `/exports/${exp.id}/oauth/authorize`],
      ['DELETE', `/exports/${exp.id}/oauth/connection`],
    ];
    for (const [method, path, body] of routes) {
      const answer = await api(connector, method, path, otherGroup, body);
      expect([method, path, answer.status]).toEqual([method, path, 404]);
      expect(answer.contentType).toContain('application/problem+json');
    }
    const list = await api(connector, 'GET', '/exports?limit=100', otherGroup);
    expect(list.body.items.map((e: { id: string }) => e.id)).not.toContain(exp.id);
    expect((await api(connector, 'GET', `/exports/${exp.id}`, admin)).body.name).toBe('CRM webhook');
  });

  it('lets a viewer read but not change anything (403)', async () => {
    const exp = await createExport(connector, admin);
    expect((await api(connector, 'GET', `/exports/${exp.id}`, viewer)).status).toBe(200);
    expect((await api(connector, 'GET', '/exports', viewer)).status).toBe(200);
    expect((await api(connector, 'GET', `/exports/${exp.id}/oauth`, viewer)).status).toBe(200);
    const writes: [string, string, unknown?][] = [
      ['POST', '/exports', { name: 'x', webhookUrl: 'https://crm.example.com/x' }],
      ['PATCH', `/exports/${exp.id}`, { name: 'renamed' }],
      ['DELETE', `/exports/${exp.id}`],
      ['POST', `/exports/${exp.id}/signing-secret`],
      ['PUT', `/exports/${exp.id}/oauth`, OAUTH],
      ['GET', `/exports/${exp.id}/oauth/authorize`],
      ['DELETE', `/exports/${exp.id}/oauth/connection`],
    ];
    for (const [method, path, body] of writes) {
      expect([method, path, (await api(connector, method, path, viewer, body)).status]).toEqual([method, path, 403]);
    }
    expect((await api(connector, 'GET', '/exports', 'not-a-token')).status).toBe(401);
  });

  it('answers 400 problem+json naming the field for malformed bodies on every route, never 500', async () => {
    const exp = await createExport(connector, admin);
    const cases: [string, string, unknown, string][] = [
      ['POST', '/exports', { webhookUrl: 'https://crm.example.com/x' }, 'name'],
      ['POST', '/exports', { name: 'x', webhookUrl: 'https://crm.example.com/x', colour: 'red' }, 'colour'],
      ['POST', '/exports', { name: 'x', webhookUrl: 42 }, 'webhookUrl'],
      ['POST', '/exports', { name: 'x', webhookUrl: 'not a url' }, 'webhookUrl'],
      ['POST', '/exports', { name: 'x', webhookUrl: 'ftp://crm.example.com/x' }, 'webhookUrl'],
      ['POST', '/exports', { name: 'x', webhookUrl: 'https://crm.example.com/x', enabled: 'yes' }, 'enabled'],
      ['POST', '/exports', ['not', 'an', 'object'], 'body'],
      ['PATCH', `/exports/${exp.id}`, {}, 'body'],
      ['PATCH', `/exports/${exp.id}`, { name: '' }, 'name'],
      ['PATCH', `/exports/${exp.id}`, { webhookUrl: 'https://user:pw@crm.example.com/' }, 'webhookUrl'],
      ['POST', `/exports/${exp.id}/signing-secret`, { secret: 'mine' }, 'secret'],
      ['PUT', `/exports/${exp.id}/oauth`, { ...OAUTH, authorizationUrl: undefined }, 'authorizationUrl'],
      ['PUT', `/exports/${exp.id}/oauth`, { ...OAUTH, tokenUrl: 'mailto:x@y.z' }, 'tokenUrl'],
      ['PUT', `/exports/${exp.id}/oauth`, { ...OAUTH, clientId: '' }, 'clientId'],
      ['PUT', `/exports/${exp.id}/oauth`, { ...OAUTH, scopes: ['api', 'two words'] }, 'scopes.1'],
      ['PUT', `/exports/${exp.id}/oauth`, { ...OAUTH, tokenAuthMethod: 'private_key_jwt' }, 'tokenAuthMethod'],
      ['PUT', `/exports/${exp.id}/oauth`, { ...OAUTH, issuer: 'not a url' }, 'issuer'],
      ['PUT', `/exports/${exp.id}/oauth`, { ...OAUTH, redirectUri: 'https://evil.example' }, 'redirectUri'],
    ];
    for (const [method, path, body, field] of cases) {
      const answer = await api(connector, method, path, admin, body);
      expect([method, path, field, answer.status]).toEqual([method, path, field, 400]);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const broken = await api(connector, 'POST', '/exports', admin, '{"name": ');
    expect(broken).toMatchObject({ status: 400, body: { code: 'MALFORMED_JSON' } });
  });
});
