import { secretContext } from '../../apps/core/crypto/contexts.ts';
import { loadTokens } from '../../apps/core/oauth/connection-store.ts';
import type { TestConnector } from './connector.ts';
import { HttpSession, type SessionResponse } from './http-session.ts';
import { rememberSecret } from './log-sink.ts';

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: T;
  text: string;
}

/** One `/v1` call with a Bearer token; the JSON answer parsed, whatever the status. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert their shape
export async function api<T = any>(
  connector: TestConnector,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const res = await fetch(`${connector.baseUrl}/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    headers: res.headers,
    body: parsed as T,
    text,
  };
}

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
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await api(connector, 'GET', `/exports/${exportId}/oauth`, token);
    if (until(view.body)) return view.body;
    if (Date.now() > deadline) throw new Error(`OAuth status still ${JSON.stringify(view.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls the callback page's result endpoint as the page's script does. */
export async function pollCallbackResult(
  connector: TestConnector,
  session: HttpSession,
  requestId: string,
  timeoutMs = 45_000,
): Promise<{ status: string; message: string; exportId: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await session.get(
      `${connector.baseUrl}/oauth/callback/result?request=${encodeURIComponent(requestId)}`,
    );
    if (res.status !== 200) throw new Error(`result answered ${res.status}: ${res.body}`);
    const result = JSON.parse(res.body) as { status: string; message: string; exportId: string };
    if (result.status !== 'pending') return result;
    if (Date.now() > deadline) throw new Error(`callback result still pending: ${result.message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
