import { signRequest } from '../../apps/core/auth/sign-request.ts';
import type { TestConnector } from './connector.ts';
import { rememberSecret } from './log-sink.ts';

export interface TestApiKey {
  id: string;
  secret: string;
  privileges: string[];
}

/** `POST /v1/api-keys` with an admin's token; the secret is registered with `rememberSecret`. */
export async function createApiKey(
  connector: TestConnector,
  adminToken: string,
  body: { name?: string; privileges: string[]; expiresAt?: string },
): Promise<TestApiKey> {
  const res = await fetch(`${connector.baseUrl}/v1/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ name: 'test key', ...body }),
  });
  const json = (await res.json()) as TestApiKey & Record<string, unknown>;
  if (res.status !== 201) throw new Error(`creating an API key failed: ${res.status} ${JSON.stringify(json)}`);
  rememberSecret(json.secret);
  return json;
}

export interface SignedCall {
  method?: string;
  /** Object bodies are sent as JSON; strings as they are. */
  body?: unknown;
  /** Unix seconds to sign with (default: now). */
  timestamp?: number;
  nonce?: string;
  /** Change the Authorization header after signing (to test refusals). */
  tamper?: (authorization: string) => string;
  headers?: Record<string, string>;
}

/**
 * Sends one request to the connector signed with a server API key, exactly as a user's server
 * would with the exported helper (apps/core/auth/sign-request.ts). Returns the answer and the
 * Authorization header it used (to replay it).
 */
export async function signedCall(
  connector: TestConnector,
  key: Pick<TestApiKey, 'id' | 'secret'>,
  path: string,
  call: SignedCall = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; authorization: string }> {
  const method = call.method ?? 'GET';
  const body =
    call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const signed = await signRequest({
    keyId: key.id,
    secret: key.secret,
    method,
    url: `${connector.baseUrl}${path}`,
    body,
    timestamp: call.timestamp,
    nonce: call.nonce,
  });
  const authorization = call.tamper ? call.tamper(signed) : signed;
  return sendWithAuthorization(connector, path, authorization, { method, body, headers: call.headers });
}

/** Sends a request with a given Authorization header (e.g. a captured signed one, to replay it). */
export async function sendWithAuthorization(
  connector: TestConnector,
  path: string,
  authorization: string,
  init: { method?: string; body?: string | undefined; headers?: Record<string, string> | undefined } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; authorization: string }> {
  const res = await fetch(`${connector.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
    authorization,
  };
}
