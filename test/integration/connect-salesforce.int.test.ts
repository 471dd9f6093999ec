import { afterAll, describe, expect } from 'vitest';
import { loadTokens } from '../../apps/core/oauth/connection-store.ts';
import type { TestConnector } from '../helpers/connector.ts';
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
import { type SalesforceLike, startSalesforceLike, type TokenEndpointMode } from '../helpers/salesforce-like.ts';

// A 1-second token timeout keeps the "hanging endpoint" case short.
it.override('connectorOptions', { env: { OAUTH_HTTP_TIMEOUT_SECONDS: '1' } });

describe('"Authorize Export" against a Salesforce-like org', () => {
  let connector: TestConnector;
  let token: string;
  const orgs: SalesforceLike[] = [];

  it.beforeAll(({ connector: started, adminToken }) => {
    connector = started;
    token = adminToken;
  });
  afterAll(async () => {
    await Promise.all(orgs.map((org) => org.close()));
  });

  async function newOrg(mode: TokenEndpointMode = 'normal') {
    const org = await startSalesforceLike({ redirectUri: connector.deps.config.redirectUri });
    org.mode = mode;
    orgs.push(org);
    return org;
  }

  /** An export on `{instance_url}`, configured for the org, authorized through to the callback page. */
  async function connect(org: SalesforceLike, config: Record<string, unknown> = {}) {
    const exp = await createExport(connector, token, {
      webhookUrl: '{instance_url}/services/apexrest/engagements',
    });
    await configureOAuth(connector, token, exp.id, org.oauthConfig(config));
    const { session, answer } = await pressAuthorize(connector, token, exp.id);
    const page = await session.get(await org.signIn(session, answer));
    expect(page.status).toBe(200);
    return { exportId: exp.id, session, page, requestId: callbackPageData(page)['request-id']! };
  }

  it('a valid signature: authorized, no expiry, instance_url and the rest stored encrypted', async () => {
    const org = await newOrg();
    const { exportId, session, requestId } = await connect(org);
    expect(await pollCallbackResult(connector, session, requestId)).toMatchObject({ status: 'authorized' });
    const view = await waitForOAuthStatus(connector, token, exportId);
    expect(view).toMatchObject({
      status: 'authorized',
      message: 'Authorized: deliveries use this connection.',
      scopes: ['api', 'refresh_token'],
    });
    // Salesforce gives no expires_in: the session timeout is the org's, so there is no expiry.
    expect(view.expiresAt).toBeUndefined();
    const tokens = await loadTokens(connector.deps, exportId);
    expect(tokens).toMatchObject({ tokenType: 'bearer', expiresAt: null });
    expect(org.isValidAccessToken(tokens!.accessToken)).toBe(true);
    expect(tokens!.refreshToken).toMatch(/^5Aep/);
    expect(tokens!.extra).toMatchObject({ instance_url: org.instanceUrl, id: expect.stringContaining('/id/00D') });
    expect(Number(tokens!.extra.issued_at)).toBeGreaterThan(1_600_000_000_000); // milliseconds
    const row = await connector.deps.db.oAuthConnection.findUniqueOrThrow({ where: { exportId } });
    expect(row.extraEnc).not.toContain('salesforce');
    expect((await api(connector, 'GET', `/exports/${exportId}`, token)).body).toMatchObject({
      webhookUrl: '{instance_url}/services/apexrest/engagements',
      status: 'authorized',
    });
  });

  it('an invalid signature: failed, and the tokens are discarded', async () => {
    const org = await newOrg('bad-signature');
    const { exportId, session, requestId } = await connect(org);
    const result = await pollCallbackResult(connector, session, requestId);
    expect(result.status).toBe('failed');
    expect(result.message).toContain('failed its signature check');
    const view = await waitForOAuthStatus(connector, token, exportId);
    expect(view.status).toBe('failed');
    expect(view.message).toContain('the client secret may be wrong');
    expect(await loadTokens(connector.deps, exportId)).toBeNull();
  });

  it('without the refresh_token scope: authorized with a warning to add it', async () => {
    const org = await newOrg();
    const { exportId } = await connect(org, { scopes: ['api'] });
    const view = await waitForOAuthStatus(connector, token, exportId);
    expect(view.status).toBe('authorized');
    expect(view.message).toContain('no refresh token');
    expect(view.message).toContain('"refresh_token" (Salesforce)');
  });

  it('a token endpoint answering an HTML page: failed at once, pointing at the Access Token URL', async () => {
    const org = await newOrg('html');
    const { exportId } = await connect(org);
    const view = await waitForOAuthStatus(connector, token, exportId);
    expect(view.status).toBe('failed');
    expect(view.message).toBe(
      "The CRM's token endpoint answered text/html instead of JSON; check the Access Token URL (not_json)",
    );
    expect(org.tokenCalls.authorization_code).toBe(1);
  });

  it('a token endpoint answering invalid JSON: failed at once', async () => {
    const org = await newOrg('invalid-json');
    const { exportId } = await connect(org);
    const view = await waitForOAuthStatus(connector, token, exportId);
    expect(view).toMatchObject({
      status: 'failed',
      message: "The CRM's token endpoint answered with invalid JSON (invalid_json)",
    });
    expect(org.tokenCalls.authorization_code).toBe(1);
  });

  // The two that are retried run side by side: each waits out BullMQ's backoff (1+2+4+8 s).
  describe.concurrent('failures that can pass are retried, then reported', () => {
    it('a token endpoint answering 500: pending while retrying, failed after 5 attempts', async ({ expect }) => {
      const org = await newOrg('status-500');
      const { exportId } = await connect(org);
      const retrying = await waitForOAuthStatus(connector, token, exportId, (v) =>
        String(v.message).includes('trying again'),
      );
      expect(retrying).toMatchObject({ status: 'pending' });
      expect(retrying.message).toContain("The CRM's token endpoint answered HTTP 500 (http_500); trying again");
      const view = await waitForOAuthStatus(connector, token, exportId, (v) => v.status !== 'pending', 40_000);
      expect(view.status).toBe('failed');
      expect(view.message).toContain('answered HTTP 500 (http_500); gave up after 5 attempts');
      expect(org.tokenCalls.authorization_code).toBe(5);
    });

    it('a token endpoint hanging past the timeout: pending while retrying, failed after 5 attempts', async ({
      expect,
    }) => {
      const org = await newOrg('hang');
      const { exportId } = await connect(org);
      const retrying = await waitForOAuthStatus(connector, token, exportId, (v) =>
        String(v.message).includes('trying again'),
      );
      expect(retrying.message).toContain("The CRM's token endpoint did not answer within 1 s (timeout)");
      const view = await waitForOAuthStatus(connector, token, exportId, (v) => v.status !== 'pending', 40_000);
      expect(view.status).toBe('failed');
      expect(view.message).toContain('did not answer within 1 s (timeout); gave up after 5 attempts');
    });
  });
});
