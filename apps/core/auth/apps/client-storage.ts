import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Deps } from '../../deps.ts';
import { storedPrivileges } from '../api-keys/api-keys.ts';
import { appSecretContext } from './apps.ts';

/**
 * oidc-provider's Client model on the apps table (apps.ts): an app's client metadata, read from
 * the database each time oidc-provider looks the client up, so an app deleted by an admin is
 * unknown to every process at once. Apps are registered through `POST /v1/apps`, never through
 * oidc-provider (dynamic registration is off), so only `find` is used.
 */
export class ClientStorage implements Adapter {
  constructor(private readonly deps: Pick<Deps, 'db' | 'secretBox'>) {}

  async find(clientId: string): Promise<AdapterPayload | undefined> {
    const app = await this.deps.db.thirdPartyApp.findUnique({ where: { clientId } });
    if (!app) return undefined;
    return {
      client_id: app.clientId,
      client_secret: this.deps.secretBox.decrypt(app.clientSecretEnc, appSecretContext(app.id)),
      client_name: app.name,
      redirect_uris: JSON.parse(app.redirectUris) as string[],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // RFC 6749 §2.3.1's default; the app's servers send HTTP Basic with the client id and secret.
      token_endpoint_auth_method: 'client_secret_basic',
      // What the app may ask for: its privileges (authorization-server.ts reads them as the
      // resource's scopes; the standard `scope` may name only oidc-provider's own scopes).
      privileges: storedPrivileges(app.privileges).join(' '),
    };
  }

  async upsert(): Promise<void> {
    throw new Error('apps are registered through POST /v1/apps');
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {}

  async destroy(): Promise<void> {
    throw new Error('apps are deleted through DELETE /v1/apps/:id');
  }

  async revokeByGrantId(): Promise<void> {}
}
