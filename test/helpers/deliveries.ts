import { randomBytes } from 'node:crypto';
import { saveTokens } from '../../apps/core/oauth/connection-store.ts';
import type { TestConnector } from './connector.ts';
import { api, configureOAuth, pressAuthorize, waitForOAuthStatus } from './exports.ts';
import { rememberSecret } from './log-sink.ts';
import type { TestOidcProvider } from './oidc-provider.ts';
import { waitForValue } from './wait.ts';

/**
 * Authorizes an export against a real oidc-provider the way a manager does: configure OAuth,
 * press "Authorize Export", sign in and consent at the provider, follow the redirect back, and
 * wait until the exchange worker has stored the tokens.
 */
export async function authorizeWithProvider(
  connector: TestConnector,
  token: string,
  exportId: string,
  provider: TestOidcProvider,
  options: { configure?: boolean } = {},
): Promise<void> {
  if (options.configure !== false) await configureOAuth(connector, token, exportId, provider.oauthConfig());
  const { session, answer } = await pressAuthorize(connector, token, exportId);
  const callbackUrl = await provider.signIn(session, answer);
  rememberSecret(new URL(callbackUrl).searchParams.get('code'));
  const page = await session.get(callbackUrl);
  if (page.status !== 200) throw new Error(`the callback answered ${page.status}: ${page.body.slice(0, 300)}`);
  await waitForOAuthStatus(
    connector,
    token,
    exportId,
    (view) => view.status === 'authorized' || view.status === 'failed',
  );
}

/** A checker for the receiver: is this Bearer token an access token the provider issued and still honours? */
export function providerHonours(provider: TestOidcProvider): (token: string) => Promise<boolean> {
  return async (token) => {
    const found = await provider.provider.AccessToken.find(token);
    return Boolean(found && !found.isExpired);
  };
}

/**
 * Gives an export tokens without an OAuth server (as if a Salesforce-like CRM had answered the
 * exchange with no expiry), for tests about delivery rather than OAuth. Returns the access token.
 */
export async function seedTokens(connector: TestConnector, exportId: string): Promise<string> {
  const accessToken = `at-${randomBytes(18).toString('base64url')}`;
  rememberSecret(accessToken);
  await saveTokens(
    connector.deps,
    exportId,
    { accessToken, expiresAt: null, extra: {} },
    {
      mode: 'authorize',
      message: 'Authorized: deliveries use this connection.',
    },
  );
  return accessToken;
}

/** Sets an export's retry schedule (seconds before each attempt; tests compress it to milliseconds). */
export async function setRetrySchedule(connector: TestConnector, exportId: string, seconds: number[]): Promise<void> {
  await connector.deps.db.export.update({ where: { id: exportId }, data: { retrySchedule: JSON.stringify(seconds) } });
}

/** `POST /v1/engagements`; throws unless 202. */
export async function postEngagement(
  connector: TestConnector,
  token: string,
  engagement: Record<string, unknown>,
): Promise<{ engagementId: string; duplicate: boolean; deliveries: { id: string; exportId: string }[] }> {
  const answer = await api(connector, 'POST', '/engagements', token, engagement);
  if (answer.status !== 202) throw new Error(`posting an engagement answered ${answer.status}: ${answer.text}`);
  return answer.body;
}

/** Polls the database until `done` says the deliveries are where the test wants them (test/helpers/wait.ts). */
export function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  return waitForValue(read, done, { what, timeoutMs });
}

/** The statuses of an export's deliveries, counted. */
export async function statusCounts(connector: TestConnector, exportId: string): Promise<Record<string, number>> {
  const rows = await connector.deps.db.delivery.groupBy({ by: ['status'], where: { exportId }, _count: true });
  return Object.fromEntries(rows.map((r) => [r.status, r._count]));
}
