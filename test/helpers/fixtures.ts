import { test as base } from 'vitest';
import { ADMIN, type StartOptions, startConnector } from './connector.ts';
import { rememberSecret } from './log-sink.ts';
import { type OidcProviderOptions, startOidcProvider } from './oidc-provider.ts';

/**
 * The common set-up of an integration file as vitest fixtures (`test.extend`), each built once per
 * file and only when a test (or a `beforeAll` of this `it`) asks for it:
 * - `connector`: the whole connector on its own Redis and database (test/helpers/connector.ts);
 * - `adminToken`: the bootstrap admin's token (a secret the log scan looks for);
 * - `oidcProvider`: a real oidc-provider as the CRM's authorization server, its client registered
 *   with the connector's redirect URI (test/helpers/oidc-provider.ts).
 * Torn down in reverse order after the file's last test. A file that needs other options says so
 * once, at its top: `it.override('connectorOptions', { workers: false })`.
 */
export const test = base
  .extend('connectorOptions', { scope: 'file' }, {} as StartOptions)
  .extend('connector', { scope: 'file' }, async ({ connectorOptions }, { onCleanup }) => {
    const connector = await startConnector(connectorOptions);
    onCleanup(() => connector.close());
    return connector;
  })
  .extend('adminToken', { scope: 'file' }, async ({ connector }) => {
    rememberSecret(ADMIN.password);
    const token = await connector.adminToken();
    rememberSecret(token);
    return token;
  })
  .extend('oidcProviderOptions', { scope: 'file' }, {} as Omit<OidcProviderOptions, 'redirectUri'>)
  .extend('oidcProvider', { scope: 'file' }, async ({ connector, oidcProviderOptions }, { onCleanup }) => {
    const provider = await startOidcProvider({
      ...oidcProviderOptions,
      redirectUri: connector.deps.config.redirectUri,
    });
    onCleanup(() => provider.close());
    return provider;
  });

export const it = test;
