// oidc-provider ships no type declarations; this covers what the connector's authorization server
// (apps/core/auth/apps/) and the test helpers (test/helpers/oidc-server.ts) use.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ProviderClient {
    client_id: string;
    client_secret?: string;
    redirect_uris: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
    [key: string]: unknown;
  }

  export interface ProviderConfiguration {
    clients?: ProviderClient[];
    [key: string]: unknown;
  }

  /** What an adapter stores for one model instance (oidc-provider's "payload"). */
  export interface AdapterPayload {
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
    [key: string]: unknown;
  }

  /** oidc-provider's storage interface, one instance per model name (Session, AccessToken, Client …). */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  /** The client as oidc-provider hands it to configuration functions. */
  export interface Client {
    clientId: string;
    clientName?: string;
    scope?: string;
    /** The connector's extra client metadata: the app's privileges, space-separated (apps/core/auth/apps/client-storage.ts). */
    privileges?: string;
    redirectUris: string[];
    clientAuthMethod: string;
    grantTypeAllowed(type: string): boolean;
  }

  export interface InteractionDetails {
    uid: string;
    returnTo: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown> & { client_id?: string; scope?: string };
    session?: { accountId?: string; uid?: string };
    lastSubmission?: Record<string, unknown>;
    grantId?: string;
  }

  export class Grant {
    constructor(properties: { accountId: string; clientId: string });
    addResourceScope(resource: string, scope: string): void;
    rejectResourceScope(resource: string, scope: string): void;
    save(ttl?: number): Promise<string>;
    static find(id: string): Promise<Grant | undefined>;
    jti: string;
    accountId: string;
    clientId: string;
  }

  export interface KoaLikeContext {
    oidc: {
      route: string;
      client?: Client;
      result?: { login?: { accountId: string }; consent?: { grantId?: string } };
      provider: Provider;
    };
  }

  export class Check {
    constructor(reason: string, description: string, check: (ctx: KoaLikeContext) => boolean);
    static REQUEST_PROMPT: true;
    static NO_NEED_TO_PROMPT: false;
  }

  export interface Prompt {
    name: string;
    checks: Check[];
  }

  export interface Policy extends Array<Prompt> {
    get(name: string): Prompt | undefined;
  }

  export const interactionPolicy: { base(): Policy; Check: typeof Check };

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
  };

  export default class Provider {
    constructor(issuer: string, configuration?: ProviderConfiguration);
    issuer: string;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    /** A Koa middleware run around oidc-provider's own. */
    use(middleware: (ctx: KoaLikeContext & { body?: unknown }, next: () => Promise<void>) => Promise<void>): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    Grant: typeof Grant;
    /** The access token model: `find` answers a token the provider issued (and has not forgotten). */
    AccessToken: { find(value: string): Promise<{ isExpired: boolean } | undefined> };
  }
}
