import type { Caller } from '../auth/caller.ts';
import { secretContext } from '../crypto/contexts.ts';
import type { Deps } from '../deps.ts';
import { type FieldError, validationFailed } from '../errors.ts';
import { checkOutboundUrl, controlCharacterProblem, oauthEndpointProblem } from '../net/url-policy.ts';
import { scopeList } from '../oauth/client.ts';
import { forgetTokens, setConnectionStatus } from '../oauth/connection-store.ts';
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
  redirectUri: string;
  updatedAt: string;
}

/** `GET /v1/exports/:id/oauth`: the connection status and, once configured, the configuration. */
export type OAuthStatusView = ConnectionView & { config?: OAuthConfigView };

type ConfigDeps = Pick<Deps, 'db' | 'config' | 'secretBox' | 'clock'>;

interface ConfigRow {
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  scopes: string;
  tokenAuthMethod: string;
  issuer: string | null;
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
 */
export async function putOAuthConfig(
  deps: ConfigDeps,
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
  ] as const) {
    const problem =
      (await checkOutboundUrl(input[field], policyOf(deps))) ?? oauthEndpointProblem(input[field], endpoint);
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
    ...(input.clientSecret === undefined
      ? {}
      : { clientSecretEnc: deps.secretBox.encrypt(input.clientSecret, secretContext.clientSecret(exportId)) }),
  };
  // Without a new secret there is nothing to create with: this path only runs when a row exists.
  const row =
    existing && fields.clientSecretEnc === undefined
      ? await deps.db.oAuthConfig.update({ where: { exportId }, data: fields })
      : await deps.db.oAuthConfig.upsert({
          where: { exportId },
          create: { exportId, ...fields, clientSecretEnc: fields.clientSecretEnc as string },
          update: fields,
        });
  const connection = await deps.db.oAuthConnection.findUnique({ where: { exportId }, select: { status: true } });
  if (connection?.status === 'failed') {
    await setConnectionStatus(deps, exportId, 'not_authorized', 'OAuth configuration saved: press "Authorize Export"');
  }
  await audit(deps, actor, existing ? 'export.oauth.update' : 'export.oauth.configure', exportId, {
    authorizationUrl: input.authorizationUrl,
    tokenUrl: input.tokenUrl,
    clientId: input.clientId,
    secretChanged: input.clientSecret !== undefined,
  });
  return configView(deps, row);
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

/** Forgets the export's tokens; the status goes back to `not_authorized`. */
export async function disconnect(deps: ConfigDeps, actor: Caller, exportId: string): Promise<OAuthStatusView> {
  await requireExport(deps, actor.groupId, exportId);
  await forgetTokens(deps, exportId);
  await audit(deps, actor, 'export.oauth.disconnect', exportId);
  return getOAuthStatus(deps, actor.groupId, exportId);
}
