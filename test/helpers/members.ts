import { randomBytes } from 'node:crypto';
import { ADMIN, type TestConnector } from './connector.ts';
import { rememberSecret } from './log-sink.ts';

export type Role = 'admin' | 'manager' | 'viewer';

export interface SignedInMember {
  username: string;
  password: string;
  token: string;
  group: string;
}

/** `POST /v1/auth/token` with a password; returns the raw answer (status and JSON) without judging it. */
export async function requestToken(
  connector: TestConnector,
  body: Record<string, unknown>,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${connector.baseUrl}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (typeof json.token === 'string') rememberSecret(json.token);
  return { status: res.status, headers: res.headers, body: json };
}

/**
 * Creates a new member with `role` in the bootstrap group (or `group`, with `adminToken` of that
 * group) through the API, signs them in and returns their token. Passwords and tokens are
 * registered with `rememberSecret`.
 */
export async function signInNewMember(
  connector: TestConnector,
  role: Role,
  options: { adminToken?: string; group?: string; duration?: number } = {},
): Promise<SignedInMember> {
  const group = options.group ?? ADMIN.group;
  const adminToken = options.adminToken ?? (await connector.adminToken());
  rememberSecret(adminToken);
  const username = `${role}-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  rememberSecret(password);
  const added = await fetch(`${connector.baseUrl}/v1/groups/${encodeURIComponent(group)}/members`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ username, password, role }),
  });
  if (added.status !== 201) throw new Error(`adding ${username} failed: ${added.status} ${await added.text()}`);
  const signed = await requestToken(connector, { username, password, group, duration: options.duration });
  if (signed.status !== 200) throw new Error(`sign-in of ${username} failed: ${JSON.stringify(signed.body)}`);
  return { username, password, token: String(signed.body.token), group };
}
