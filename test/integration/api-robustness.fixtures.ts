import { randomBytes } from 'node:crypto';
import { secretContext } from '../../apps/core/crypto/contexts.ts';
import { PRIVILEGES } from '../../apps/core/groups/roles.ts';
import { loadTokens } from '../../apps/core/oauth/connection-store.ts';
import type { AnswerLog, RecordedAnswer, SecretLedger } from '../helpers/answer-log.ts';
import { ADMIN, type TestConnector } from '../helpers/connector.ts';
import { callbackPageData } from '../helpers/exports.ts';
import { HttpSession, type SessionResponse } from '../helpers/http-session.ts';
import type { TestOidcProvider } from '../helpers/oidc-provider.ts';
import { waitUntil } from '../helpers/wait.ts';
import { type Fixtures, ROUTES } from './api-robustness.routes.ts';

/** The parts the robustness test talks through: every answer goes to `log`, every secret to `ledger`. */
export interface Harness {
  connector: TestConnector;
  log: AnswerLog;
  ledger: SecretLedger;
  provider: TestOidcProvider;
  /** Every webhook signing secret handed out, for the test's webhook receiver to verify with. */
  signingSecrets: string[];
}

const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

/** Registers the one-time secrets of an answer of `routeKey` (ROUTES' `oneTimeSecrets`) with that answer as origin. */
export function harvest(h: Harness, routeKey: string, answer: RecordedAnswer): void {
  const fields = ROUTES[routeKey]?.oneTimeSecrets ?? [];
  if (answer.status >= 300 || !answer.json || typeof answer.json !== 'object') return;
  for (const field of fields) {
    const value = (answer.json as Record<string, unknown>)[field];
    h.ledger.add(`${field} of ${routeKey}`, value, answer);
    if (field === 'signingSecret' && typeof value === 'string') h.signingSecrets.push(value);
  }
}

/** `POST /v1/auth/token` for the bootstrap admin in `group`. */
export async function adminTokenFor(h: Harness, group: string): Promise<string> {
  return tokenFor(h, { username: ADMIN.username, password: ADMIN.password, group });
}

async function tokenFor(h: Harness, body: Record<string, unknown>): Promise<string> {
  const answer = await h.log.call('POST', '/v1/auth/token', { body: { json: body }, label: 'sign-in (fixture)' });
  harvest(h, 'POST /v1/auth/token', answer);
  const token = (answer.json as { token?: string } | undefined)?.token;
  if (answer.status !== 200 || !token) throw new Error(`sign-in failed: ${answer.status} ${answer.text}`);
  return token;
}

/** A call that must succeed while setting things up; its one-time secrets are harvested. */
async function must(
  h: Harness,
  routeKey: string,
  path: string,
  token: string,
  json?: unknown,
): Promise<Record<string, unknown>> {
  const [method = 'GET'] = routeKey.split(' ');
  const answer = await h.log.call(method, path, {
    token,
    body: json === undefined ? undefined : { json },
    label: `${routeKey} (fixture)`,
  });
  harvest(h, routeKey, answer);
  if (answer.status >= 300) throw new Error(`${routeKey} failed while setting up: ${answer.status} ${answer.text}`);
  return (answer.json ?? {}) as Record<string, unknown>;
}

async function addMember(h: Harness, token: string, role: string): Promise<{ username: string; password: string }> {
  const member = { username: unique(role), password: unique('pw') };
  h.ledger.add(`password of ${member.username}`, member.password);
  await must(h, 'POST /v1/groups/:group/members', `/v1/groups/${ADMIN.group}/members`, token, { ...member, role });
  return member;
}

/**
 * Gives the bootstrap group one of everything a route can name (an export authorized at the test
 * OAuth server with a delivery, an API key, a partner, members, SSO, origins) and the admin a
 * second group, then returns the fixtures and both groups' admin tokens.
 */
export async function createFixtures(
  h: Harness,
  webhookUrl: string,
): Promise<{
  fixtures: Fixtures;
  adminToken: string;
  otherToken: string;
  otherKey: { id: string; secret: string };
  passwordMemberToken: string;
  viewerToken: string;
}> {
  h.ledger.add('bootstrap admin password', ADMIN.password);
  h.ledger.add('OAuth client secret', h.provider.clientSecret);
  const adminToken = await adminTokenFor(h, ADMIN.group);
  const otherGroup = unique('other');
  await must(h, 'POST /v1/groups', '/v1/groups', adminToken, { name: otherGroup });
  const otherToken = await adminTokenFor(h, otherGroup);
  // The other group's server API key, with every privilege: its signed requests must fare no better.
  const otherKeyAnswer = await must(h, 'POST /v1/api-keys', '/v1/api-keys', otherToken, {
    name: unique('other-key'),
    privileges: [...PRIVILEGES],
  });
  const otherKey = { id: String(otherKeyAnswer.id), secret: String(otherKeyAnswer.secret) };
  const me = await must(h, 'GET /v1/auth/me', '/v1/auth/me', adminToken);

  const member = await addMember(h, adminToken, 'viewer');
  const viewerToken = await tokenFor(h, { ...member, group: ADMIN.group });
  const pw = await addMember(h, adminToken, 'manager');
  const passwordMember = { ...pw, newPassword: unique('new-pw') };
  h.ledger.add('changed password', passwordMember.newPassword);
  const passwordMemberToken = await tokenFor(h, { username: pw.username, password: pw.password, group: ADMIN.group });

  const exp = await must(h, 'POST /v1/exports', '/v1/exports', adminToken, {
    name: 'Robustness',
    webhookUrl,
    enabled: true,
  });
  const exportId = String(exp.id);
  const engagement = await must(h, 'POST /v1/engagements', '/v1/engagements', adminToken, {
    id: unique('eng'),
    topic: 'fixture',
  });
  const deliveries = engagement.deliveries as { id: string; exportId: string }[];
  const deliveryId = deliveries.find((d) => d.exportId === exportId)?.id;
  if (!deliveryId) throw new Error(`the engagement made no delivery for the export: ${JSON.stringify(engagement)}`);
  await authorizeExport(h, adminToken, exportId);

  const key = await must(h, 'POST /v1/api-keys', '/v1/api-keys', adminToken, {
    name: unique('key'),
    privileges: ['exports:read'],
  });
  const partner = await must(h, 'POST /v1/partners', '/v1/partners', adminToken, { name: unique('partner') });
  const ssoClientSecret = unique('sso-secret');
  h.ledger.add('SSO client secret', ssoClientSecret);
  await must(h, 'PUT /v1/groups/:group/sso', `/v1/groups/${ADMIN.group}/sso`, adminToken, {
    issuer: h.provider.issuer,
    clientId: 'connector-sso',
    clientSecret: ssoClientSecret,
  });
  await must(h, 'PUT /v1/groups/:group/origins', `/v1/groups/${ADMIN.group}/origins`, adminToken, {
    origins: ['https://console.example.com'],
  });

  const fixtures: Fixtures = {
    group: ADMIN.group,
    groupId: String((me.group as { id: string }).id),
    otherGroup,
    exportId,
    deliveryId,
    engagementId: String(engagement.engagementId),
    apiKeyId: String(key.id),
    partnerId: String(partner.id),
    memberUsername: member.username,
    passwordMember,
    webhookUrl,
    oauthConfig: h.provider.oauthConfig(),
    ssoIssuer: h.provider.issuer,
    ssoClientSecret,
    unique,
  };
  return { fixtures, adminToken, otherToken, otherKey, passwordMemberToken, viewerToken };
}

/**
 * "Authorize Export" through the real OAuth server, as a browser: the code, the verifier and the
 * tokens it yields become known secrets, and the callback page and its result poll are recorded.
 */
async function authorizeExport(h: Harness, token: string, exportId: string): Promise<void> {
  const base = h.connector.baseUrl;
  await must(h, 'PUT /v1/exports/:id/oauth', `/v1/exports/${exportId}/oauth`, token, h.provider.oauthConfig());
  const session = new HttpSession();
  const keep = (label: string, r: SessionResponse) => h.log.keep(label, 'GET', r.url, r.status, r.headers, r.body);
  const start = await session.get(`${base}/v1/exports/${exportId}/oauth/authorize`, {
    authorization: `Bearer ${token}`,
  });
  keep('Authorize Export (fixture)', start);
  const callbackUrl = await h.provider.signIn(session, start);
  h.ledger.add('authorization code', new URL(callbackUrl).searchParams.get('code'));
  const page = await session.get(callbackUrl);
  keep('GET /oauth/callback (fixture)', page);
  const requestId = callbackPageData(page)['request-id'];
  await waitUntil(
    async () => {
      const result = keep(
        'GET /oauth/callback/result (fixture)',
        await session.get(`${base}/oauth/callback/result?request=${requestId}`),
      );
      const status = (result.json as { status?: string } | undefined)?.status;
      return status && status !== 'pending';
    },
    { what: 'the fixture export’s callback result to leave pending', timeoutMs: 45_000 },
  );
  const view = await must(h, 'GET /v1/exports/:id/oauth', `/v1/exports/${exportId}/oauth`, token);
  if (view.status !== 'authorized') throw new Error(`the export is not authorized: ${JSON.stringify(view)}`);
}

/** Every secret the database holds encrypted, decrypted, so the scan knows them all (they have no answer of their own). */
export async function ledgerStoredSecrets(h: Harness): Promise<void> {
  const { deps } = h.connector;
  const box = deps.secretBox;
  for (const row of await deps.db.export.findMany()) {
    h.ledger.add(
      'webhook signing secret',
      box.decrypt(row.signingSecretEnc, secretContext.webhookSigningSecret(row.id)),
    );
    const previous = row.previousSigningSecretEnc;
    if (previous)
      h.ledger.add(
        'previous signing secret',
        box.decrypt(previous, secretContext.previousWebhookSigningSecret(row.id)),
      );
    const tokens = await loadTokens(deps, row.id);
    h.ledger.add('OAuth access token', tokens?.accessToken);
    h.ledger.add('OAuth refresh token', tokens?.refreshToken);
  }
  for (const row of await deps.db.oAuthConfig.findMany()) {
    h.ledger.add('OAuth client secret', box.decrypt(row.clientSecretEnc, secretContext.clientSecret(row.exportId)));
  }
  for (const row of await deps.db.authorizationRequest.findMany()) {
    h.ledger.add('PKCE code verifier', box.decrypt(row.codeVerifierEnc, secretContext.codeVerifier(row.id)));
    if (row.codeEnc)
      h.ledger.add('authorization code', box.decrypt(row.codeEnc, secretContext.authorizationCode(row.id)));
  }
}

/** The session token inside a signed `authtoken` cookie (`s:<jwt>.<signature>`), if the answer set one. */
export function sessionTokenOf(answer: RecordedAnswer): string | undefined {
  const cookie = answer.setCookies.find((c) => c.startsWith('authtoken='));
  const value = cookie ? decodeURIComponent(cookie.slice('authtoken='.length).split(';')[0] ?? '') : '';
  const jwt = /^s:(.+)\.[^.]+$/.exec(value)?.[1];
  return jwt || undefined;
}
