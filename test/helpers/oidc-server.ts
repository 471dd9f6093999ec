import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Provider, { type ProviderClient, type ProviderConfiguration } from 'oidc-provider';
import { freePort } from '../../apps/core/net/free-port.ts';
import { rememberSecret } from './log-sink.ts';

export interface OidcServer {
  issuer: string;
  provider: Provider;
  close(): Promise<void>;
}

export interface OidcServerOptions {
  clients: ProviderClient[];
  /** Account claims beyond `sub` (the development login takes any account name). */
  claims?: (accountId: string) => Record<string, unknown>;
  /** oidc-provider settings beyond the shared ones (scopes, claims, ttl, refresh rotation …). */
  configuration?: ProviderConfiguration;
}

/**
 * A real oidc-provider on a free loopback port, shared by the test CRM authorization server
 * (test/helpers/oidc-provider.ts) and the test enterprise identity provider
 * (test/helpers/oidc-identity-provider.ts): PKCE required (RFC 7636), its development login and
 * consent pages, and every client secret, code and token it issues registered as a secret the
 * log scan looks for (test/helpers/log-sink.ts).
 */
export async function startOidcServer(options: OidcServerOptions): Promise<OidcServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  for (const client of options.clients) rememberSecret(client.client_secret);
  const { features, ...configuration } = options.configuration ?? {};
  const provider = new Provider(issuer, {
    clients: options.clients,
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: (_ctx: unknown, accountId: string) => ({
      accountId,
      claims: () => ({ sub: accountId, ...options.claims?.(accountId) }),
    }),
    ...configuration,
    features: { devInteractions: { enabled: true }, ...(features as Record<string, unknown> | undefined) },
  });
  for (const event of ['access_token.saved', 'refresh_token.saved', 'authorization_code.saved']) {
    provider.on(event, (token) => rememberSecret((token as { jti?: string }).jti));
  }
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    provider,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
