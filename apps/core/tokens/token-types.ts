// The shapes the token service passes around, in a module of their own so the composition root
// (apps/core/deps.ts) can name them without importing the services that take `Deps`.

/** An export's tokens as stored (decrypted), with the connection's status. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string | null;
  tokenType: string | null;
  expiresAt: Date | null;
  scopes: string | null;
  extra: Record<string, unknown>;
  status: string;
  /** Increases on every token write: pass it back as `expectedVersion` to detect a concurrent write. */
  version: number;
  authorizedAt: Date | null;
  lastRefreshedAt: Date | null;
}

/** An access token ready to send, with the connection version it came from. */
export interface AccessToken {
  exportId: string;
  accessToken: string;
  /** The connection's token version: pass it back when the CRM refuses this token. */
  version: number;
  expiresAt: Date | null;
  /** The provider's extra token fields (`instance_url` …). */
  extra: Record<string, unknown>;
}
