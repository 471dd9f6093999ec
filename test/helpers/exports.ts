import { secretContext } from '../../apps/core/crypto/contexts.ts';
import { loadTokens } from '../../apps/core/oauth/connection-store.ts';
import type { TestConnector } from './connector.ts';
import { api, type HttpAnswer } from './http.ts';
import { HttpSession, type SessionResponse } from './http-session.ts';
import { rememberSecret } from './log-sink.ts';
import { waitForValue } from './wait.ts';

/** An answer of `api()`: see test/helpers/http.ts. */
export type ApiAnswer<T = Record<string, unknown>> = HttpAnswer<T>;
export { api };

/** Creates an export (its signing secret registered as a secret) and returns its id and secret. */
export async function createExport(
  connector: TestConnector,
  token: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; signingSecret: string }> {
  const created = await api(connector, 'POST', '/exports', token, {
    name: 'CRM webhook',
    webhookUrl: 'https://crm.example.com/hooks/engagements',
    ...body,
  });
  if (created.status !== 201) throw new Error(`creating an export failed: ${created.status} ${created.text}`);
  rememberSecret(created.body.signingSecret);
  return { id: created.body.id, signingSecret: created.body.signingSecret };
}

/** `PUT /v1/exports/:id/oauth`; throws unless 200. */
export async function configureOAuth(
  connector: TestConnector,
  token: string,
  exportId: string,
  config: Record<string, unknown>,
): Promise<void> {
  rememberSecret(config.clientSecret as string | undefined);
  const put = await api(connector, 'PUT', `/exports/${exportId}/oauth`, token, config);
  if (put.status !== 200) throw new Error(`configuring OAuth failed: ${put.status} ${put.text}`);
}

/**
 * Presses "Authorize Export" in a browser-like session: the connector's 302 (and its binding
 * cookie, kept in the session's jar). The session then goes on to the CRM.
 */
export async function pressAuthorize(
  connector: TestConnector,
  token: string,
  exportId: string,
  session = new HttpSession(),
): Promise<{ session: HttpSession; answer: SessionResponse }> {
  const answer = await session.get(`${connector.baseUrl}/v1/exports/${exportId}/oauth/authorize`, {
    authorization: `Bearer ${token}`,
  });
  if (answer.status !== 302) throw new Error(`Authorize Export answered ${answer.status}: ${answer.body}`);
  return { session, answer };
}

/** Polls `GET /v1/exports/:id/oauth` until its status is not `pending` (or `until` says so). */
export async function waitForOAuthStatus(
  connector: TestConnector,
  token: string,
  exportId: string,
  until: (view: Record<string, unknown>) => boolean = (view) => view.status !== 'pending',
  timeoutMs = 45_000,
): Promise<Record<string, unknown>> {
  return waitForValue(
    async () => (await api(connector, 'GET', `/exports/${exportId}/oauth`, token)).body as Record<string, unknown>,
    until,
    { what: `the OAuth status of ${exportId}`, timeoutMs },
  );
}

/** Polls the callback page's result endpoint as the page's script does. */
export async function pollCallbackResult(
  connector: TestConnector,
  session: HttpSession,
  requestId: string,
  timeoutMs = 45_000,
): Promise<{ status: string; message: string; exportId: string }> {
  return waitForValue(
    async () => {
      const res = await session.get(
        `${connector.baseUrl}/oauth/callback/result?request=${encodeURIComponent(requestId)}`,
      );
      if (res.status !== 200) throw new Error(`result answered ${res.status}: ${res.body}`);
      return JSON.parse(res.body) as { status: string; message: string; exportId: string };
    },
    (result) => result.status !== 'pending',
    { what: 'the callback result to leave pending', timeoutMs },
  );
}

/** The data attributes of the callback page (`data-status`, `data-request-id`, …). */
export function callbackPageData(page: SessionResponse): Record<string, string> {
  const main = /<main\b[^>]*>/i.exec(page.body)?.[0] ?? '';
  return Object.fromEntries(
    [...main.matchAll(/data-([a-z-]+)="([^"]*)"/g)].map(([, name, value]) => [name as string, value as string]),
  );
}

/** Every row of the connector's tables that hold secrets, read raw (as a database dump shows them). */
export async function rawSecretRows(connector: TestConnector): Promise<string> {
  const tables = ['exports', 'oauth_configs', 'oauth_connections', 'authorization_requests', 'audit_log'];
  // On PostgreSQL the test's tables live in a schema of their own, which raw SQL must name.
  const schema =
    connector.database.provider === 'postgresql' ? new URL(connector.database.url).searchParams.get('schema') : null;
  const qualified = (table: string) => (schema ? `"${schema}"."${table}"` : `"${table}"`);
  const rows = await Promise.all(tables.map((t) => connector.deps.db.$queryRawUnsafe(`SELECT * FROM ${qualified(t)}`)));
  return JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
}

/** The secrets an authorized export holds, decrypted (to look for them where they must not be). */
export async function secretsOfExport(connector: TestConnector, exportId: string): Promise<string[]> {
  const { deps } = connector;
  const secrets: string[] = [];
  const tokens = await loadTokens(deps, exportId);
  if (tokens) {
    secrets.push(tokens.accessToken);
    if (tokens.refreshToken) secrets.push(tokens.refreshToken);
    if (typeof tokens.extra.id_token === 'string') secrets.push(tokens.extra.id_token);
  }
  const config = await deps.db.oAuthConfig.findUnique({ where: { exportId } });
  if (config) secrets.push(deps.secretBox.decrypt(config.clientSecretEnc, secretContext.clientSecret(exportId)));
  const row = await deps.db.export.findUniqueOrThrow({ where: { id: exportId } });
  secrets.push(deps.secretBox.decrypt(row.signingSecretEnc, secretContext.webhookSigningSecret(exportId)));
  for (const request of await deps.db.authorizationRequest.findMany({ where: { exportId } })) {
    secrets.push(deps.secretBox.decrypt(request.codeVerifierEnc, secretContext.codeVerifier(request.id)));
  }
  rememberSecret(...secrets);
  return secrets;
}
