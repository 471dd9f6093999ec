import { afterAll, describe, expect } from 'vitest';
import { loadTokens } from '../../apps/core/oauth/connection-store.ts';
import { getAccessToken } from '../../apps/core/tokens/token-service.ts';
import type { TestConnector } from '../helpers/connector.ts';
import {
  authorizeWithProvider,
  postEngagement,
  providerHonours,
  statusCounts,
  waitFor,
} from '../helpers/deliveries.ts';
import {
  api,
  callbackPageData,
  configureOAuth,
  createExport,
  pollCallbackResult,
  pressAuthorize,
  waitForOAuthStatus,
} from '../helpers/exports.ts';
import { it } from '../helpers/fixtures.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { ERROR_200_BODY, type SalesforceLike, startSalesforceLike } from '../helpers/salesforce-like.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// The connector waits for a revocation endpoint at most 5 s, or OAUTH_HTTP_TIMEOUT_SECONDS when
// shorter: 2 s here keeps the "CRM never answers" cases short, and leaves a held code exchange time to wait.
const WAIT_MS = 2_000;
/** The connector's clock: the real one, or stopped while a test must see what a cache does within its lifetime. */
const clock = { stoppedAt: null as Date | null, now: () => clock.stoppedAt ?? new Date() };
it.override('connectorOptions', { env: { OAUTH_HTTP_TIMEOUT_SECONDS: String(WAIT_MS / 1000) }, clock });

type GrantContext = { oidc: { params?: { grant_type?: string } } };

describe('revocation at the CRM (RFC 7009) on disconnect, on delete and on a change of client', () => {
  let connector: TestConnector;
  let token: string;
  const providers: TestOidcProvider[] = [];
  const orgs: SalesforceLike[] = [];
  const receivers: WebhookReceiver[] = [];

  it.beforeAll(({ connector: started, adminToken }) => {
    connector = started;
    token = adminToken;
  });
  afterAll(async () => {
    await Promise.all([...providers, ...orgs, ...receivers].map((server) => server.close()));
  });

  const redirectUri = () => connector.deps.config.redirectUri;

  /** A real oidc-provider (revocation on) that counts the refresh grants it is asked for. */
  async function newProvider() {
    const provider = await startOidcProvider({ redirectUri: redirectUri() });
    providers.push(provider);
    const refreshes = { count: 0 };
    const count = (ctx: unknown) => {
      if ((ctx as GrantContext).oidc.params?.grant_type === 'refresh_token') refreshes.count++;
    };
    provider.provider.on('grant.success', count);
    provider.provider.on('grant.error', count);
    return { provider, refreshes };
  }

  async function newOrg() {
    const org = await startSalesforceLike({ redirectUri: redirectUri() });
    orgs.push(org);
    return org;
  }

  /** An export that receives no deliveries (these tests are about its tokens). */
  const quietExport = () => createExport(connector, token, { enabled: false });

  async function authorizeWithOrg(org: SalesforceLike, exportId: string) {
    const { session, answer } = await pressAuthorize(connector, token, exportId);
    const page = await session.get(await org.signIn(session, answer));
    expect(page.status).toBe(200);
    return pollCallbackResult(connector, session, callbackPageData(page)['request-id']!);
  }

  async function storedTokens(exportId: string) {
    const tokens = await loadTokens(connector.deps, exportId);
    expect(tokens?.refreshToken).toBeTruthy();
    rememberSecret(tokens!.accessToken, tokens!.refreshToken);
    return { accessToken: tokens!.accessToken, refreshToken: tokens!.refreshToken! };
  }

  /** A refresh grant at the provider, as any client holding the token would try it. */
  async function refreshAtProvider(provider: TestOidcProvider, refreshToken: string) {
    const answer = await fetch(provider.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      }),
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  }

  async function auditDetails(action: string, exportId: string) {
    const row = await connector.deps.db.auditLog.findFirstOrThrow({
      where: { action, targetId: exportId },
      orderBy: { createdAt: 'desc' },
    });
    return JSON.parse(row.details ?? '{}') as Record<string, unknown>;
  }

  function expectNowhere(secrets: string[], ...answers: unknown[]) {
    for (const secret of secrets) {
      for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(secret);
      expect(connector.logs.text()).not.toContain(secret);
    }
  }

  it('DELETE …/oauth/connection revokes the refresh token at oidc-provider: confirmed, and it no longer works there', async () => {
    const { provider } = await newProvider();
    const exp = await quietExport();
    await configureOAuth(connector, token, exp.id, provider.oauthConfig({ revocationUrl: provider.revocationUrl }));
    const view = await api(connector, 'GET', `/exports/${exp.id}/oauth`, token);
    expect(view.body.config).toMatchObject({ revocationUrl: provider.revocationUrl });
    await authorizeWithProvider(connector, token, exp.id, provider, { configure: false });
    const { accessToken, refreshToken } = await storedTokens(exp.id);
    expect(await provider.isValidRefreshToken(refreshToken)).toBe(true);

    const answer = await api(connector, 'DELETE', `/exports/${exp.id}/oauth/connection`, token);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ configured: true, status: 'not_authorized', revocation: 'confirmed' });
    // The provider ended the grant: the refresh token, its access token, and a refresh with it.
    expect(await provider.isValidRefreshToken(refreshToken)).toBe(false);
    expect(await providerHonours(provider)(accessToken)).toBe(false);
    expect(await refreshAtProvider(provider, refreshToken)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await loadTokens(connector.deps, exp.id)).toBeNull();
    expect(await auditDetails('export.oauth.disconnect', exp.id)).toEqual({
      revocation: 'confirmed',
      revokedToken: 'refresh_token',
    });
    expectNowhere([accessToken, refreshToken], answer.body);
  });

  it('not_configured: without a revocation URL nothing is sent, and the tokens are forgotten', async () => {
    const { provider } = await newProvider();
    const exp = await quietExport();
    await authorizeWithProvider(connector, token, exp.id, provider);
    expect((await api(connector, 'GET', `/exports/${exp.id}/oauth`, token)).body.config.revocationUrl).toBeNull();
    const { refreshToken } = await storedTokens(exp.id);

    const answer = await api(connector, 'DELETE', `/exports/${exp.id}/oauth/connection`, token);
    expect(answer.body).toMatchObject({ status: 'not_authorized', revocation: 'not_configured' });
    expect(await loadTokens(connector.deps, exp.id)).toBeNull();
    expect(await provider.isValidRefreshToken(refreshToken)).toBe(true);
    expect((await auditDetails('export.oauth.disconnect', exp.id)).revocation).toBe('not_configured');
  });

  it('the Salesforce preset fills …/services/oauth2/revoke; an explicit URL follows the same rules as the token URL', async () => {
    const org = await newOrg();
    const exp = await quietExport();
    const path = `/exports/${exp.id}/oauth`;
    const put = (body: Record<string, unknown>) => api(connector, 'PUT', path, token, body);
    expect((await put(org.oauthConfig())).body.revocationUrl).toBe(`${org.baseUrl}/services/oauth2/revoke`);
    expect((await api(connector, 'GET', path, token)).body.config.revocationUrl).toBe(org.revocationUrl);
    // Kept when left out while the token URL stays on its host; null takes it away.
    expect((await put(org.oauthConfig({ clientSecret: undefined }))).body.revocationUrl).toBe(org.revocationUrl);
    expect((await put(org.oauthConfig({ revocationUrl: null }))).body.revocationUrl).toBeNull();
    // The real hosts: production, sandbox, My Domain (ALLOW_PRIVATE_TARGETS skips DNS: nothing is dialled).
    for (const host of ['login.salesforce.com', 'test.salesforce.com', 'acme.my.salesforce.com']) {
      const body = org.oauthConfig({
        authorizationUrl: `https://${host}/services/oauth2/authorize`,
        tokenUrl: `https://${host}/services/oauth2/token`,
      });
      expect((await put(body)).body.revocationUrl).toBe(`https://${host}/services/oauth2/revoke`);
    }
    // Another CRM gets none unless given.
    const other = { ...org.oauthConfig(), tokenUrl: 'https://crm.example.com/oauth/token' };
    expect((await put(other)).body.revocationUrl).toBeNull();
    expect((await put({ ...other, revocationUrl: 'https://crm.example.com/oauth/revoke' })).body.revocationUrl).toBe(
      'https://crm.example.com/oauth/revoke',
    );
    for (const revocationUrl of ['https://crm.example.com/revoke#x', 'ftp://crm.example.com/revoke', 'not a url']) {
      const refused = await put({ ...other, revocationUrl });
      expect([revocationUrl, refused.status]).toEqual([revocationUrl, 400]);
      expect(refused.body.errors).toEqual([{ field: 'revocationUrl', message: expect.any(String) }]);
    }
    const control = await put({ ...other, revocationUrl: 'https://crm.example.com/re\nvoke' });
    expect(control.body.errors).toEqual([{ field: 'revocationUrl', message: expect.stringContaining('control') }]);
  });

  it('a Salesforce-like org: confirmed with token_type_hint=refresh_token; failed on a 503', async () => {
    const org = await newOrg();
    const exp = await quietExport();
    await configureOAuth(connector, token, exp.id, org.oauthConfig());
    expect(await authorizeWithOrg(org, exp.id)).toMatchObject({ status: 'authorized' });
    const { refreshToken } = await storedTokens(exp.id);
    const answer = await api(connector, 'DELETE', `/exports/${exp.id}/oauth/connection`, token);
    expect(answer.body).toMatchObject({ status: 'not_authorized', revocation: 'confirmed' });
    expect(org.revokeCalls).toMatchObject({ received: 1, revoked: 1, tokenTypeHints: ['refresh_token'] });
    expect(org.isValidRefreshToken(refreshToken)).toBe(false);

    expect(await authorizeWithOrg(org, exp.id)).toMatchObject({ status: 'authorized' });
    await storedTokens(exp.id);
    org.revokeMode = 'status-503';
    const failed = await api(connector, 'DELETE', `/exports/${exp.id}/oauth/connection`, token);
    expect(failed.body).toMatchObject({ status: 'not_authorized', revocation: 'failed' });
    expect(await loadTokens(connector.deps, exp.id)).toBeNull();
    expect(await auditDetails('export.oauth.disconnect', exp.id)).toEqual({
      revocation: 'failed',
      revokedToken: 'refresh_token',
      revocationReason: 'http_503',
    });
  });

  it('a CRM that never answers does not hold the manager: failed after the wait, tokens forgotten, on disconnect and on delete', async () => {
    const org = await newOrg();
    org.revokeMode = 'hang';
    const exp = await quietExport();
    await configureOAuth(connector, token, exp.id, org.oauthConfig());
    expect(await authorizeWithOrg(org, exp.id)).toMatchObject({ status: 'authorized' });
    await storedTokens(exp.id);

    let started = Date.now();
    const answer = await api(connector, 'DELETE', `/exports/${exp.id}/oauth/connection`, token);
    const disconnectMs = Date.now() - started;
    expect(answer.body).toMatchObject({ status: 'not_authorized', revocation: 'failed' });
    // The org got the request and has still not answered it (it never will): the connector stopped waiting.
    expect(org.revokeCalls).toMatchObject({ received: 1, revoked: 0 });
    expect(disconnectMs).toBeLessThan(WAIT_MS + 2_000);
    expect(await loadTokens(connector.deps, exp.id)).toBeNull();
    expect((await auditDetails('export.oauth.disconnect', exp.id)).revocationReason).toBe('timeout');

    expect(await authorizeWithOrg(org, exp.id)).toMatchObject({ status: 'authorized' });
    await storedTokens(exp.id);
    started = Date.now();
    const deleted = await api(connector, 'DELETE', `/exports/${exp.id}`, token);
    const deleteMs = Date.now() - started;
    expect(deleted.status).toBe(204);
    expect(org.revokeCalls).toMatchObject({ received: 2, revoked: 0 });
    expect(deleteMs).toBeLessThan(WAIT_MS + 2_000);
    expect((await api(connector, 'GET', `/exports/${exp.id}`, token)).status).toBe(404);
    expect(await connector.deps.db.oAuthConnection.findUnique({ where: { exportId: exp.id } })).toBeNull();
    expect(await auditDetails('export.delete', exp.id)).toMatchObject({
      revocation: 'failed',
      revokedToken: 'refresh_token',
      revocationReason: 'timeout',
    });
  });

  it('DELETE /v1/exports/:id keeps 204 and its audit row records confirmed or not_configured', async () => {
    const { provider } = await newProvider();
    const revoking = await quietExport();
    await configureOAuth(
      connector,
      token,
      revoking.id,
      provider.oauthConfig({ revocationUrl: provider.revocationUrl }),
    );
    await authorizeWithProvider(connector, token, revoking.id, provider, { configure: false });
    const { refreshToken } = await storedTokens(revoking.id);
    expect((await api(connector, 'DELETE', `/exports/${revoking.id}`, token)).status).toBe(204);
    expect(await provider.isValidRefreshToken(refreshToken)).toBe(false);
    expect(await auditDetails('export.delete', revoking.id)).toEqual({
      name: 'CRM webhook',
      revocation: 'confirmed',
      revokedToken: 'refresh_token',
    });

    const plain = await quietExport();
    expect((await api(connector, 'DELETE', `/exports/${plain.id}`, token)).status).toBe(204);
    expect((await auditDetails('export.delete', plain.id)).revocation).toBe('not_configured');
  });

  describe('with deliveries', () => {
    let receiver: WebhookReceiver;
    const secrets: string[] = [];
    const accepted: ((bearer: string) => boolean | Promise<boolean>)[] = [];

    it.beforeAll(async () => {
      receiver = await startWebhookReceiver({
        secrets: () => secrets,
        acceptToken: async (bearer) => {
          for (const accepts of accepted) if (await accepts(bearer)) return true;
          return false;
        },
      });
      receivers.push(receiver);
    });

    /** An export delivering to the receiver; the group's other exports are switched off. */
    async function deliveringExport() {
      const exp = await createExport(connector, token, { name: 'Delivering', webhookUrl: receiver.url });
      secrets.push(exp.signingSecret);
      await connector.deps.db.export.updateMany({ where: { id: { not: exp.id } }, data: { enabled: false } });
      return exp;
    }

    const deliveryOf = async (exportId: string, engagementId: string) => {
      const posted = await postEngagement(connector, token, { id: engagementId });
      return posted.deliveries.find((d) => d.exportId === exportId)!.id;
    };
    const deliveryStatus = (id: string) =>
      connector.deps.db.delivery.findUniqueOrThrow({ where: { id }, select: { status: true, lastError: true } });

    it('a new client ID forgets the old client tokens after revoking them; a delivery then parks, and resumes after Authorize Export', async () => {
      const old = await newProvider();
      const fresh = await newProvider();
      accepted.push(providerHonours(old.provider), providerHonours(fresh.provider));
      const exp = await deliveringExport();
      await configureOAuth(
        connector,
        token,
        exp.id,
        old.provider.oauthConfig({ revocationUrl: old.provider.revocationUrl }),
      );
      await authorizeWithProvider(connector, token, exp.id, old.provider, { configure: false });
      const before = await storedTokens(exp.id);
      const first = await deliveryOf(exp.id, 'client-change-1');
      await waitFor(
        () => deliveryStatus(first),
        (d) => d.status === 'delivered',
        'the first delivery',
      );

      // Only scopes and the secret change: the same client, so the tokens stay.
      await configureOAuth(connector, token, exp.id, {
        ...old.provider.oauthConfig({ scopes: ['openid', 'offline_access'] }),
        clientSecret: undefined,
        revocationUrl: old.provider.revocationUrl,
      });
      expect((await loadTokens(connector.deps, exp.id))?.refreshToken).toBe(before.refreshToken);
      expect(await old.provider.isValidRefreshToken(before.refreshToken)).toBe(true);

      // The client (and with it the authorization server) changes. This process has just read the
      // old access token, and its clock stands still: only forgetting it can empty the token cache.
      expect((await getAccessToken(connector.deps, exp.id)).accessToken).toBe(before.accessToken);
      clock.stoppedAt = new Date();
      try {
        await configureOAuth(connector, token, exp.id, fresh.provider.oauthConfig());
        expect(connector.deps.tokenCache.tokens.get(exp.id)).toBeUndefined();
      } finally {
        clock.stoppedAt = null;
      }
      expect(await old.provider.isValidRefreshToken(before.refreshToken)).toBe(false);
      expect(await loadTokens(connector.deps, exp.id)).toBeNull();
      const status = (await api(connector, 'GET', `/exports/${exp.id}/oauth`, token)).body;
      expect(status).toMatchObject({ status: 'reauthorization_required' });
      expect(status.message).toContain('OAuth client changed');
      expect(status.message).toContain('revoked at the CRM');
      expect(await auditDetails('export.oauth.update', exp.id)).toMatchObject({
        clientChanged: true,
        tokensForgotten: true,
        revocation: 'confirmed',
      });

      // At once, in this process whose token cache held the old access token a moment ago.
      const second = await deliveryOf(exp.id, 'client-change-2');
      const parked = await waitFor(
        () => deliveryStatus(second),
        (d) => d.status === 'parked',
        'the delivery to park',
      );
      expect(parked.lastError).toContain('Authorize Export');
      expect(old.refreshes.count + fresh.refreshes.count).toBe(0);
      expect(receiver.requestsFor(second)).toHaveLength(0);
      expect(receiver.refused.filter((r) => r.webhookId === second)).toEqual([]);

      await authorizeWithProvider(connector, token, exp.id, fresh.provider, { configure: false });
      await waitFor(
        () => deliveryStatus(second),
        (d) => d.status === 'delivered',
        'the parked delivery to go out',
      );
      const bearer = receiver.requestsFor(second)[0]!.bearer;
      expect(await providerHonours(fresh.provider)(bearer)).toBe(true);
      expect(old.refreshes.count + fresh.refreshes.count).toBe(0);
      await connector.deps.db.export.update({ where: { id: exp.id }, data: { enabled: false } });
    });

    it('a code exchange of the old client running while the client changes stores nothing', async () => {
      const org = await newOrg();
      const exp = await quietExport();
      await configureOAuth(connector, token, exp.id, org.oauthConfig());
      org.mode = 'hold';
      const { session, answer } = await pressAuthorize(connector, token, exp.id);
      const page = await session.get(await org.signIn(session, answer));
      // The exchange has read the configuration and waits for the org's answer; the client ID changes now.
      await waitFor(
        async () => org.tokenCalls.authorization_code,
        (calls) => calls === 1,
        'the exchange to reach the org',
      );
      await configureOAuth(connector, token, exp.id, org.oauthConfig({ clientId: `${org.clientId}-new` }));
      org.releaseHeld();
      const result = await pollCallbackResult(connector, session, callbackPageData(page)['request-id']!);
      expect(result).toMatchObject({ status: 'failed', message: expect.stringContaining('changed while the code') });
      expect(await loadTokens(connector.deps, exp.id)).toBeNull();
      expect((await api(connector, 'GET', `/exports/${exp.id}/oauth`, token)).body.status).toBe('failed');
    });

    it('a token endpoint answering 200 with an error: the CRM words on the exchange and on the refresh', async () => {
      const org = await newOrg();
      accepted.push((bearer) => org.isValidAccessToken(bearer));
      const exp = await deliveringExport();
      await configureOAuth(connector, token, exp.id, org.oauthConfig());

      org.mode = 'error-200';
      const result = await authorizeWithOrg(org, exp.id);
      expect(result.status).toBe('failed');
      expect(result.message).toContain('(invalid_grant)');
      expect(result.message).toContain(ERROR_200_BODY.error_description);
      expect(result.message).not.toContain('lacks a required field');
      const failed = await waitForOAuthStatus(connector, token, exp.id);
      expect(failed).toMatchObject({ status: 'failed' });
      expect(failed.message).toContain(ERROR_200_BODY.error_description);

      org.mode = 'normal';
      expect(await authorizeWithOrg(org, exp.id)).toMatchObject({ status: 'authorized' });
      const first = await deliveryOf(exp.id, 'error-200-1');
      await waitFor(
        () => deliveryStatus(first),
        (d) => d.status === 'delivered',
        'the first delivery',
      );

      // The org's sessions end; the refresh that follows the 401 meets a 200 with an error.
      org.mode = 'error-200';
      org.expireAccessTokens();
      const second = await deliveryOf(exp.id, 'error-200-2');
      const parked = await waitFor(
        () => deliveryStatus(second),
        (d) => d.status === 'parked',
        'the delivery to park',
      );
      expect(parked.lastError).toContain(ERROR_200_BODY.error_description);
      const view = await waitForOAuthStatus(connector, token, exp.id, (v) => v.status === 'reauthorization_required');
      expect(view.message).toContain('(invalid_grant)');
      expect(view.message).toContain(ERROR_200_BODY.error_description);
      expect(await statusCounts(connector, exp.id)).toMatchObject({ delivered: 1, parked: 1 });
      await connector.deps.db.export.update({ where: { id: exp.id }, data: { enabled: false } });
    });
  });
});
