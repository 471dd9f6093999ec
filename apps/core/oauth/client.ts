import { allowInsecureRequests, ClientSecretBasic, ClientSecretPost, Configuration, customFetch } from 'openid-client';
import { secretContext } from '../crypto/contexts.ts';
import type { Deps } from '../deps.ts';
import { cappedFetch } from '../net/capped-fetch.ts';

/** The columns of `OAuthConfig` the client needs (the secret still encrypted). */
export interface StoredOAuthConfig {
  exportId: string;
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecretEnc: string;
  scopes: string;
  tokenAuthMethod: string;
  issuer: string | null;
  /** RFC 7009 revocation endpoint; null when the CRM has none (or none is configured). */
  revocationUrl?: string | null;
}

/** What identifies the OAuth client an export's tokens were issued to. */
export type ClientIdentity = Pick<StoredOAuthConfig, 'clientId' | 'tokenUrl' | 'authorizationUrl'>;

/**
 * Whether two configurations name the same client at the same authorization server. A refresh
 * token is bound to the client it was issued to (RFC 6749 §6, §10.4), so tokens do not survive a
 * change of any of these; scopes, secret, issuer and revocation URL are not part of it.
 */
export function sameClient(a: ClientIdentity, b: ClientIdentity): boolean {
  return a.clientId === b.clientId && a.tokenUrl === b.tokenUrl && a.authorizationUrl === b.authorizationUrl;
}

export interface OAuthClientOptions {
  /**
   * The issuer to check `iss` (callback, RFC 9207) and any `id_token` against when the export has
   * none configured: the `iss` the CRM sent to the callback, else the authorization URL's origin.
   */
  assumedIssuer?: string | undefined;
}

/**
 * Builds the openid-client Configuration for one export without discovery (Salesforce and most
 * CRMs are configured by URL): the configured client authentication, `deps.dispatcher` for every
 * call (private targets refused at connect time, one keep-alive pool) with every answer read up to
 * 1 MiB (net/capped-fetch.ts), OAUTH_HTTP_TIMEOUT_SECONDS, and plain http only when
 * ALLOW_INSECURE_HTTP. Used by the code exchange, token refresh and revocation (RFC 7009, which
 * authenticates the client as the token endpoint does).
 */
export function buildOAuthClient(
  deps: Pick<Deps, 'config' | 'dispatcher' | 'secretBox'>,
  stored: StoredOAuthConfig,
  options: OAuthClientOptions = {},
): Configuration {
  const clientSecret = deps.secretBox.decrypt(stored.clientSecretEnc, secretContext.clientSecret(stored.exportId));
  const issuer = stored.issuer ?? options.assumedIssuer ?? new URL(stored.authorizationUrl).origin;
  const clientAuth =
    stored.tokenAuthMethod === 'client_secret_basic' ? ClientSecretBasic(clientSecret) : ClientSecretPost(clientSecret);
  const config = new Configuration(
    {
      issuer,
      authorization_endpoint: stored.authorizationUrl,
      token_endpoint: stored.tokenUrl,
      ...(stored.revocationUrl ? { revocation_endpoint: stored.revocationUrl } : {}),
    },
    stored.clientId,
    { client_secret: clientSecret },
    clientAuth,
  );
  config.timeout = deps.config.OAUTH_HTTP_TIMEOUT_SECONDS;
  config[customFetch] = cappedFetch(deps.dispatcher);
  if (deps.config.ALLOW_INSECURE_HTTP) allowInsecureRequests(config);
  return config;
}

/** The client secret of an export, decrypted (for checks such as Salesforce's token `signature`). */
export function clientSecretOf(deps: Pick<Deps, 'secretBox'>, stored: StoredOAuthConfig): string {
  return deps.secretBox.decrypt(stored.clientSecretEnc, secretContext.clientSecret(stored.exportId));
}

/** Scopes are stored space-separated (RFC 6749 §3.3), as they travel. */
export function scopeList(scopes: string | null | undefined): string[] {
  return (scopes ?? '').split(/\s+/).filter(Boolean);
}
