import type { Caller } from '../auth/caller.ts';
import { secretContext } from '../crypto/contexts.ts';
import type { Deps } from '../deps.ts';
import { type FieldError, validationFailed } from '../errors.ts';
import { checkOutboundUrl, controlCharacterProblem, oauthEndpointProblem } from '../net/url-policy.ts';
import { sameClient, scopeList, type StoredOAuthConfig } from '../oauth/client.ts';
import { forgetTokens, loadTokens, setConnectionStatus } from '../oauth/connection-store.ts';
import { requireReauthorization } from '../oauth/reauthorization.ts';
import { type Revocation, type RevocationOutcome, revocationDetails, revokeAtCrm } from '../oauth/revocation.ts';
import { salesforceRevocationUrl } from '../oauth/salesforce.ts';
import { type ConnectionView, connectionView } from '../oauth/status.ts';
import { audit, policyOf, requireExport } from './export-service.ts';

export type TokenAuthMethod = 'client_secret_post' | 'client_secret_basic';

export interface OAuthConfigInput {
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  /** Required the first time; left out later, the stored secret is kept (the console's field is write-only). */
  clientSecret?: string | undefined;
  scopes?: string[] | undefined;
  tokenAuthMethod?: TokenAuthMethod | undefined;
  issuer?: string | null | undefined;
  /**
   * RFC 7009 revocation endpoint; null for none. Left out, the stored one is kept while the token
   * URL stays on its host, else a Salesforce token URL gets its `…/services/oauth2/revoke` neighbour.
   */
  revocationUrl?: string | null | undefined;
}

/** The configuration as answered: the secret never, only whether one is set. */
export interface OAuthConfigView {
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecretSet: true;
  scopes: string[];
  tokenAuthMethod: TokenAuthMethod;
  issuer: string | null;
  revocationUrl: string | null;
  redirectUri: string;
  updatedAt: string;
}

/** `GET /v1/exports/:id/oauth`: the connection status and, once configured, the configuration. */
export type OAuthStatusView = ConnectionView & { config?: OAuthConfigView };

type ConfigDeps = Pick<Deps, 'db' | 'config' | 'secretBox' | 'clock'>;

/** Changing the client or disconnecting also revokes at the CRM, parks deliveries and drops cached tokens. */
type ConnectionDeps = ConfigDeps & Pick<Deps, 'dispatcher' | 'logger' | 'store' | 'tokenCache'>;

interface ConfigRow {
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  scopes: string;
  tokenAuthMethod: string;
  issuer: string | null;
  revocationUrl: string | null;
  updatedAt: Date;
}

function configView(deps: Pick<Deps, 'config'>, row: ConfigRow): OAuthConfigView {
  return {
    authorizationUrl: row.authorizationUrl,
    tokenUrl: row.tokenUrl,
    clientId: row.clientId,
    clientSecretSet: true,
    scopes: scopeList(row.scopes),
    tokenAuthMethod: row.tokenAuthMethod as TokenAuthMethod,
    issuer: row.issuer,
    revocationUrl: row.revocationUrl,
    // What to register at the CRM as the callback URL (built from PUBLIC_URL, never a Host header).
    redirectUri: deps.config.redirectUri,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Sets the export's OAuth configuration. The authorization and token URLs follow the same
 * outbound policy as webhooks and are what they claim: no fragment (RFC 6749 §3.1, §3.2), and no
 * authorization request parameter of their own in the authorization URL (the connector adds
 * those). Nothing is stored when any field is refused. The client secret is encrypted and bound
 * to this export's row.
 * A connection that had `failed` goes back to `not_authorized`: the new settings deserve a try.
 * A new client (client ID, token URL or authorization URL) forgets the old client's tokens,
 * revoking them first where a revocation URL is known (docs/api/exports.md, "Changing the client").
 */
export async function putOAuthConfig(
  deps: ConnectionDeps,
  actor: Caller,
  exportId: string,
  input: OAuthConfigInput,
): Promise<OAuthConfigView> {
  await requireExport(deps, actor.groupId, exportId);
  const existing = await deps.db.oAuthConfig.findUnique({ where: { exportId } });
  const problems: FieldError[] = [];
  for (const [field, endpoint] of [
    ['authorizationUrl', 'authorization'],
    ['tokenUrl', 'token'],
    // RFC 7009 §2: an endpoint like the token endpoint (no fragment), called with the same client authentication.
    ['revocationUrl', 'token'],
  ] as const) {
    const value = input[field];
    if (typeof value !== 'string') continue;
    const problem = (await checkOutboundUrl(value, policyOf(deps))) ?? oauthEndpointProblem(value, endpoint);
    if (problem) problems.push({ field, message: problem });
  }
  const issuerProblem = input.issuer ? controlCharacterProblem(input.issuer) : null;
  if (issuerProblem) problems.push({ field: 'issuer', message: issuerProblem });
  if (input.clientSecret === undefined && !existing) {
    problems.push({ field: 'clientSecret', message: 'is required when OAuth is configured for the first time' });
  }
  if (problems.length) throw validationFailed(problems);

  const fields = {
    authorizationUrl: input.authorizationUrl,
    tokenUrl: input.tokenUrl,
    clientId: input.clientId,
    scopes: (input.scopes ?? []).join(' '),
    tokenAuthMethod: input.tokenAuthMethod ?? 'client_secret_post',
    issuer: input.issuer ?? null,
    revocationUrl: chosenRevocationUrl(input, existing),
    ...(input.clientSecret === undefined
      ? {}
      : { clientSecretEnc: deps.secretBox.encrypt(input.clientSecret, secretContext.clientSecret(exportId)) }),
  };
  // The old client's tokens are revoked with the old configuration, before it is replaced.
  const clientChange = existing && !sameClient(existing, input) ? await revokeOldClient(deps, existing) : null;
  // Without a new secret there is nothing to create with: this path only runs when a row exists.
  const row =
    existing && fields.clientSecretEnc === undefined
      ? await deps.db.oAuthConfig.update({ where: { exportId }, data: fields })
      : await deps.db.oAuthConfig.upsert({
          where: { exportId },
          create: { exportId, ...fields, clientSecretEnc: fields.clientSecretEnc as string },
          update: fields,
        });
  // A new secret authenticates the same client, and scopes only shape the next authorization
  // request: the refresh token stays valid for the client it was issued to (RFC 6749 §6), so those
  // changes keep the tokens. Only a new client forgets them, after the new configuration is saved
  // (a code exchange running meanwhile then sees both and discards its tokens: oauth/exchange.ts).
  if (clientChange) await forgetOldClient(deps, exportId, clientChange);
  else {
    const connection = await deps.db.oAuthConnection.findUnique({ where: { exportId }, select: { status: true } });
    if (connection?.status === 'failed') {
      await setConnectionStatus(
        deps,
        exportId,
        'not_authorized',
        'OAuth configuration saved: press "Authorize Export"',
      );
    }
  }
  await audit(deps, actor, existing ? 'export.oauth.update' : 'export.oauth.configure', exportId, {
    authorizationUrl: input.authorizationUrl,
    tokenUrl: input.tokenUrl,
    clientId: input.clientId,
    revocationUrl: row.revocationUrl,
    secretChanged: input.clientSecret !== undefined,
    ...(clientChange
      ? {
          clientChanged: true,
          tokensForgotten: clientChange.hadTokens,
          ...(clientChange.revocation ? revocationDetails(clientChange.revocation) : {}),
        }
      : {}),
  });
  return configView(deps, row);
}

/** The revocation URL to store: the one given, else the stored one on the same host, else the Salesforce preset's. */
function chosenRevocationUrl(
  input: OAuthConfigInput,
  existing: { revocationUrl: string | null } | null,
): string | null {
  if (input.revocationUrl !== undefined) return input.revocationUrl;
  if (existing?.revocationUrl && originOf(existing.revocationUrl) === originOf(input.tokenUrl)) {
    return existing.revocationUrl;
  }
  return salesforceRevocationUrl(input.tokenUrl);
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

interface ClientChange {
  /** Whether the connection existed (an exchange may be running even without tokens). */
  hadConnection: boolean;
  hadTokens: boolean;
  revocation: Revocation | null;
}

/** Revokes the tokens the old client holds, if any (at most the revocation wait; never throws). */
async function revokeOldClient(deps: ConnectionDeps, old: StoredOAuthConfig): Promise<ClientChange> {
  const connection = await deps.db.oAuthConnection.findUnique({ where: { exportId: old.exportId } });
  const tokens = connection ? await loadTokens(deps, old.exportId) : null;
  return {
    hadConnection: Boolean(connection),
    hadTokens: Boolean(tokens),
    revocation: tokens ? await revokeAtCrm(deps, old, tokens) : null,
  };
}

/**
 * Forgets the old client's tokens. An export that held some needs "Authorize Export" again
 * (`reauthorization_required`) and its deliveries park, instead of refreshing with a refresh token
 * the new client cannot use. The version goes up either way, so a refresh or code exchange of the
 * old client running in any process stores nothing (oauth/connection-store.ts `forgetTokens`).
 */
async function forgetOldClient(deps: ConnectionDeps, exportId: string, change: ClientChange): Promise<void> {
  if (change.hadTokens) {
    await requireReauthorization(deps, exportId, {
      message: `The OAuth client changed (client ID, token URL or authorization URL), so the old client's tokens were forgotten${revocationNote(change.revocation)}. Press "Authorize Export" to connect with the new one.`,
      forgetTokens: true,
    });
  } else if (change.hadConnection) {
    await forgetTokens(deps, exportId);
  }
  // This process stops using the old access token now; others read the connection within TOKEN_CACHE_MS.
  deps.tokenCache.tokens.delete(exportId);
}

function revocationNote(revocation: Revocation | null): string {
  switch (revocation?.outcome) {
    case 'confirmed':
      return ' (and revoked at the CRM)';
    case 'failed':
      return ` (revoking them at the CRM failed: ${revocation.reason ?? 'unknown'})`;
    default:
      return ' (no revocation URL was configured to revoke them at the CRM)';
  }
}

/** The export's OAuth status (and configuration); never a token or secret. */
export async function getOAuthStatus(deps: ConfigDeps, groupId: string, exportId: string): Promise<OAuthStatusView> {
  await requireExport(deps, groupId, exportId);
  const [config, connection] = await Promise.all([
    deps.db.oAuthConfig.findUnique({ where: { exportId } }),
    deps.db.oAuthConnection.findUnique({ where: { exportId } }),
  ]);
  const view: OAuthStatusView = connectionView(Boolean(config), connection);
  if (config) view.config = configView(deps, config);
  return view;
}

/**
 * Revokes the refresh token at the CRM (RFC 7009, at most the revocation wait), then forgets the
 * export's tokens whatever the CRM said; the status goes back to `not_authorized`.
 */
export async function disconnect(
  deps: ConnectionDeps,
  actor: Caller,
  exportId: string,
): Promise<OAuthStatusView & { revocation: RevocationOutcome }> {
  await requireExport(deps, actor.groupId, exportId);
  const config = await deps.db.oAuthConfig.findUnique({ where: { exportId } });
  const revocation = await revokeAtCrm(deps, config, await loadTokens(deps, exportId));
  await forgetTokens(deps, exportId);
  deps.tokenCache.tokens.delete(exportId);
  await audit(deps, actor, 'export.oauth.disconnect', exportId, revocationDetails(revocation));
  return { ...(await getOAuthStatus(deps, actor.groupId, exportId)), revocation: revocation.outcome };
}
