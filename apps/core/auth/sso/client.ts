import { createRemoteJWKSet, customFetch as joseCustomFetch, type RemoteJWKSet } from 'jose';
import {
  allowInsecureRequests,
  ClientSecretPost,
  type Configuration,
  type CustomFetch,
  customFetch,
  discovery,
  enableNonRepudiationChecks,
} from 'openid-client';
import { secretContext } from '../../crypto/contexts.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { cappedFetch, responseTooLargeIn } from '../../net/capped-fetch.ts';
import { checkLearnedEndpoints } from '../../net/url-policy.ts';

/** The columns of `SsoProvider` the client needs (the secret still encrypted). */
export interface StoredSsoProvider {
  groupId: string;
  issuer: string;
  clientId: string;
  clientSecretEnc: string;
  updatedAt: Date;
}

type ClientDeps = Pick<Deps, 'config' | 'dispatcher' | 'secretBox' | 'auth'>;

/** Where the provider sends the browser back: built from PUBLIC_URL, never from a Host header. */
export function ssoRedirectUri(config: Pick<Deps['config'], 'PUBLIC_URL'>): string {
  return `${config.PUBLIC_URL}/sso/callback`;
}

/**
 * Every call to the provider (discovery, token, JWKS) goes through the process's dispatcher (its
 * connect-time address policy) and reads at most 1 MiB of the answer (net/capped-fetch.ts).
 */
function dispatcherFetch(deps: Pick<Deps, 'dispatcher'>): CustomFetch {
  return cappedFetch(deps.dispatcher) as CustomFetch;
}

export { SsoClientCaches } from './client-caches.ts';

/**
 * The openid-client Configuration of a group's provider, by OpenID Connect Discovery against its
 * issuer (which openid-client checks equals the document's `issuer`, OIDC Discovery §4.3), with
 * client_secret_post, ID token signatures checked, `deps.dispatcher` for every call (private targets refused at connect time
 * unless ALLOW_PRIVATE_TARGETS) and plain http only with ALLOW_INSECURE_HTTP.
 */
export function ssoClient(deps: ClientDeps, provider: StoredSsoProvider): Promise<Configuration> {
  const cacheKey = `${provider.groupId}:${provider.updatedAt.getTime()}`;
  // A discovery that fails drops out of the cache by itself (TtlCache), so the next call tries again.
  return deps.auth.sso.discovered.getOrLoad(cacheKey, () => {
    const secret = deps.secretBox.decrypt(provider.clientSecretEnc, secretContext.ssoClientSecret(provider.groupId));
    return discoverProvider(deps, provider.issuer, provider.clientId, secret);
  });
}

/**
 * Runs discovery for an issuer; a failure is an AppError saying what went wrong, for a person.
 * The endpoints the document names (`token_endpoint`, `jwks_uri`, `userinfo_endpoint`, …) pass
 * the same outbound URL policy as configured URLs before the configuration is used: the issuer
 * passing it says nothing about where its document points (OIDC Discovery §3 lets each endpoint
 * live on any host).
 */
export async function discoverProvider(
  deps: Pick<Deps, 'config' | 'dispatcher'>,
  issuer: string,
  clientId: string,
  clientSecret: string,
): Promise<Configuration> {
  let configuration: Configuration;
  try {
    configuration = await discovery(
      new URL(issuer),
      clientId,
      { client_secret: clientSecret },
      ClientSecretPost(clientSecret),
      {
        [customFetch]: dispatcherFetch(deps),
        timeout: deps.config.OAUTH_HTTP_TIMEOUT_SECONDS,
        // Non-repudiation: also verify the ID token's signature against the provider's JWKS, not
        // only trust the TLS channel it came over (OIDC Core §3.1.3.7 makes that check optional).
        execute: [enableNonRepudiationChecks, ...(deps.config.ALLOW_INSECURE_HTTP ? [allowInsecureRequests] : [])],
      },
    );
  } catch (cause) {
    // openid-client wraps what the fetch threw in a ClientError("something went wrong").
    const detail = responseTooLargeIn(cause)?.message ?? (cause instanceof Error ? cause.message : String(cause));
    throw new AppError(
      'SSO_DISCOVERY_FAILED',
      `OpenID Connect discovery at ${issuer}/.well-known/openid-configuration failed: ${detail}`,
      502,
      { cause },
    );
  }
  const refused = await checkLearnedEndpoints(configuration.serverMetadata(), {
    allowPrivateTargets: deps.config.ALLOW_PRIVATE_TARGETS,
    allowInsecureHttp: deps.config.ALLOW_INSECURE_HTTP,
  });
  if (refused.length) {
    throw new AppError(
      'SSO_ENDPOINT_REFUSED',
      `The discovery document at ${issuer} names endpoints this connector refuses to call: ${refused
        .map((r) => `${r.name} ${r.problem}`)
        .join('; ')}`,
      502,
    );
  }
  return configuration;
}

/** The provider's signing keys (jose fetches and caches them, refetching on an unknown `kid`). */
export function providerKeys(deps: Pick<Deps, 'dispatcher' | 'auth'>, jwksUri: string): RemoteJWKSet {
  const jwksByUri = deps.auth.sso.jwks;
  let jwks = jwksByUri.get(jwksUri);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(jwksUri), {
      [joseCustomFetch]: dispatcherFetch(deps) as never,
    });
    jwksByUri.set(jwksUri, jwks);
  }
  return jwks;
}
