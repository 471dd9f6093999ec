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
 * ALLOW_INSECURE_HTTP. Used by the code exchange and by token refresh.
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
    { issuer, authorization_endpoint: stored.authorizationUrl, token_endpoint: stored.tokenUrl },
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
