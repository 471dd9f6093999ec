import { secretContext } from '../crypto/contexts.ts';
import type { Deps } from '../deps.ts';
import type { StoredTokens } from '../tokens/token-types.ts';

/** The statuses of an export's link to its CRM (docs/api/exports.md: `GET /v1/exports/:id/oauth`). */
export const CONNECTION_STATUSES = [
  'not_configured',
  'not_authorized',
  'pending',
  'authorized',
  'failed',
  'reauthorization_required',
] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** Tokens as the connector keeps them (decrypted only in memory, only when used). */
export interface TokenSet {
  accessToken: string;
  /** `undefined` keeps the stored refresh token on a refresh (Salesforce answers none); null clears it. */
  refreshToken?: string | null;
  tokenType?: string | null;
  /** Null when the provider gives no `expires_in` (Salesforce: the session timeout is per org). */
  expiresAt?: Date | null;
  /** Space-separated, as granted. */
  scopes?: string | null;
  /** Every other field of the token answer (`instance_url`, `id`, `issued_at`, `id_token` …). */
  extra?: Record<string, unknown>;
}

export type { StoredTokens } from '../tokens/token-types.ts';

const STANDARD_FIELDS = new Set(['access_token', 'refresh_token', 'token_type', 'expires_in', 'scope']);

/** Splits a token endpoint answer (RFC 6749 §5.1) into a TokenSet; `expires_in` becomes a time. */
export function tokenSetFromResponse(response: Record<string, unknown>, now: Date): TokenSet {
  const expiresIn = typeof response.expires_in === 'number' ? response.expires_in : undefined;
  const extra = Object.fromEntries(Object.entries(response).filter(([key]) => !STANDARD_FIELDS.has(key)));
  return {
    accessToken: String(response.access_token),
    refreshToken: typeof response.refresh_token === 'string' ? response.refresh_token : undefined,
    tokenType: typeof response.token_type === 'string' ? response.token_type : null,
    expiresAt: expiresIn === undefined ? null : new Date(now.getTime() + expiresIn * 1000),
    scopes: typeof response.scope === 'string' ? response.scope : null,
    extra,
  };
}

export interface SaveOptions {
  /**
   * `authorize` replaces everything (a new grant); `refresh` keeps the stored refresh token when
   * none came back and merges the extra fields.
   */
  mode: 'authorize' | 'refresh';
  message: string;
  /** With `refresh`: write only if the row still has this version (another process may have refreshed). */
  expectedVersion?: number;
}

/**
 * Stores tokens encrypted (each bound to its column by the secret box's context) and sets the
 * connection `authorized`. Returns the new version, or null when `expectedVersion` no longer matched.
 */
export async function saveTokens(
  deps: Pick<Deps, 'db' | 'secretBox' | 'clock'>,
  exportId: string,
  tokens: TokenSet,
  options: SaveOptions,
): Promise<number | null> {
  const now = deps.clock.now();
  const box = deps.secretBox;
  const existing = await deps.db.oAuthConnection.findUnique({ where: { exportId } });
  let refreshTokenEnc: string | null;
  let extra = tokens.extra ?? {};
  if (options.mode === 'refresh' && existing) {
    refreshTokenEnc =
      tokens.refreshToken === undefined
        ? existing.refreshTokenEnc
        : box.encryptOptional(tokens.refreshToken, secretContext.refreshToken(exportId));
    extra = { ...decryptExtra(deps, exportId, existing.extraEnc), ...extra };
  } else {
    refreshTokenEnc = box.encryptOptional(tokens.refreshToken ?? null, secretContext.refreshToken(exportId));
  }
  const data = {
    status: 'authorized',
    message: options.message,
    lastError: null,
    accessTokenEnc: box.encrypt(tokens.accessToken, secretContext.accessToken(exportId)),
    refreshTokenEnc,
    tokenType: tokens.tokenType ?? null,
    expiresAt: tokens.expiresAt ?? null,
    scopes: tokens.scopes ?? (options.mode === 'refresh' ? (existing?.scopes ?? null) : null),
    extraEnc: box.encrypt(JSON.stringify(extra), secretContext.tokenExtra(exportId)),
    ...(options.mode === 'authorize' ? { authorizedAt: now, lastRefreshedAt: null } : { lastRefreshedAt: now }),
  };
  if (options.expectedVersion !== undefined) {
    const updated = await deps.db.oAuthConnection.updateMany({
      where: { exportId, version: options.expectedVersion },
      data: { ...data, version: { increment: 1 } },
    });
    return updated.count === 1 ? options.expectedVersion + 1 : null;
  }
  const row = await deps.db.oAuthConnection.upsert({
    where: { exportId },
    create: { exportId, ...data, version: 1 },
    update: { ...data, version: { increment: 1 } },
  });
  return row.version;
}

/** The export's tokens, decrypted; null when it holds none. */
export async function loadTokens(deps: Pick<Deps, 'db' | 'secretBox'>, exportId: string): Promise<StoredTokens | null> {
  const row = await deps.db.oAuthConnection.findUnique({ where: { exportId } });
  if (!row?.accessTokenEnc) return null;
  return {
    accessToken: deps.secretBox.decrypt(row.accessTokenEnc, secretContext.accessToken(exportId)),
    refreshToken: deps.secretBox.decryptOptional(row.refreshTokenEnc, secretContext.refreshToken(exportId)),
    tokenType: row.tokenType,
    expiresAt: row.expiresAt,
    scopes: row.scopes,
    extra: decryptExtra(deps, exportId, row.extraEnc),
    status: row.status,
    version: row.version,
    authorizedAt: row.authorizedAt,
    lastRefreshedAt: row.lastRefreshedAt,
  };
}

/**
 * Sets the connection's status and message without touching its tokens (e.g. C's
 * `reauthorization_required` on invalid_grant). `lastError` is kept unless given.
 */
export async function setConnectionStatus(
  deps: Pick<Deps, 'db'>,
  exportId: string,
  status: Exclude<ConnectionStatus, 'not_configured'>,
  message: string,
  lastError?: string | null,
): Promise<void> {
  const fields = { status, message, ...(lastError === undefined ? {} : { lastError }) };
  await deps.db.oAuthConnection.upsert({
    where: { exportId },
    create: { exportId, ...fields },
    update: fields,
  });
}

/**
 * Records the outcome of an authorization attempt that did not (yet) produce tokens. A connection
 * that is already `authorized` keeps working (deliveries go on with its tokens): the failed
 * attempt only shows in `lastError`. Otherwise the status becomes `pending` or `failed`.
 */
export async function recordAttemptOutcome(
  deps: Pick<Deps, 'db'>,
  exportId: string,
  status: 'pending' | 'failed',
  message: string,
): Promise<void> {
  const existing = await deps.db.oAuthConnection.findUnique({ where: { exportId }, select: { status: true } });
  if (existing?.status === 'authorized') {
    if (status === 'failed') {
      await deps.db.oAuthConnection.update({
        where: { exportId },
        data: { lastError: `The last authorization attempt failed: ${message}` },
      });
    }
    return;
  }
  await setConnectionStatus(deps, exportId, status, message, status === 'failed' ? message : undefined);
}

/**
 * Forgets the tokens (docs/api/exports.md: `DELETE …/oauth/connection`): status back to
 * `not_authorized` unless another is given. The version goes up, so a refresh or code exchange
 * that read the connection before fails its versioned write instead of storing tokens again.
 */
export async function forgetTokens(
  deps: Pick<Deps, 'db'>,
  exportId: string,
  then: { status: 'not_authorized' | 'reauthorization_required'; message: string } = {
    status: 'not_authorized',
    message: 'Not authorized yet: press "Authorize Export"',
  },
): Promise<void> {
  const cleared = {
    status: then.status,
    message: then.message,
    lastError: null,
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenType: null,
    expiresAt: null,
    scopes: null,
    extraEnc: null,
    authorizedAt: null,
    lastRefreshedAt: null,
  };
  await deps.db.oAuthConnection.upsert({
    where: { exportId },
    create: { exportId, ...cleared },
    update: { ...cleared, version: { increment: 1 } },
  });
}

function decryptExtra(
  deps: Pick<Deps, 'secretBox'>,
  exportId: string,
  extraEnc: string | null,
): Record<string, unknown> {
  const text = deps.secretBox.decryptOptional(extraEnc, secretContext.tokenExtra(exportId));
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
