import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPrivateAddress } from './address-policy.ts';

export interface OutboundPolicy {
  allowPrivateTargets: boolean;
  allowInsecureHttp: boolean;
}

// C0 controls and DEL. The WHATWG URL parser silently drops tab, CR and LF anywhere in its input
// (and C0 controls or spaces at either end), so `new URL()` would accept a value that is not the
// URL it turns into; the raw string is judged before any parsing (WHATWG URL §4.4, "basic URL parser").
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** The problem with a raw URL string that holds CR, LF, tab or another control character, else null. */
export function controlCharacterProblem(raw: string): string | null {
  return CONTROL_CHARACTERS.test(raw) ? 'must not contain control characters (CR, LF, tab)' : null;
}

/**
 * Checks a URL the connector will call (webhook, authorization, token): no control characters,
 * https only unless ALLOW_INSECURE_HTTP, no credentials in it, and a host that resolves only to
 * public addresses unless ALLOW_PRIVATE_TARGETS. Returns the problem in words, or null when the
 * URL is acceptable. This is the early check that gives a manager a clear message; the process's
 * dispatcher checks again at connect time (net/dispatcher.ts), so a DNS answer that changes later
 * cannot slip through.
 */
export async function checkOutboundUrl(
  raw: string,
  policy: OutboundPolicy,
  options: { allowPlaceholders?: boolean } = {},
): Promise<string | null> {
  const control = controlCharacterProblem(raw);
  if (control) return control;
  // `{instance_url}` (Salesforce) is filled from the connection at delivery time.
  const templated = options.allowPlaceholders && raw.startsWith('{instance_url}');
  const candidate = templated ? raw.replace('{instance_url}', 'https://instance.invalid') : raw;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowInsecureHttp && url.protocol === 'http:')) {
    return policy.allowInsecureHttp ? 'must use http:// or https://' : 'must use https://';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (templated) return null;
  if (policy.allowPrivateTargets) return null;
  // A trailing dot names the same host (an absolute DNS name).
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not point to a private or loopback address';
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return `host "${host}" could not be resolved`;
    }
  }
  if (addresses.some(isPrivateAddress)) return 'must not point to a private, loopback, link-local or metadata address';
  return null;
}

// RFC 6749 §4.1.1 and RFC 7636 §4.3: the parameters the connector itself adds when it sends the
// browser to the authorization endpoint. One already in the configured URL would travel twice,
// which RFC 6749 §3.1 forbids ("MUST NOT be included more than once"), and which copy a server
// honours is its choice: a stored `redirect_uri` or `state` could win over the connector's.
const AUTHORIZATION_REQUEST_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
];

/**
 * The shape an OAuth endpoint URL must have besides the outbound policy: no fragment (RFC 6749
 * §3.1 for the authorization endpoint, §3.2 for the token endpoint) and, for the authorization
 * endpoint, none of the request parameters the connector adds. Null when it is fine (or not a
 * URL at all, which checkOutboundUrl reports).
 */
export function oauthEndpointProblem(raw: string, endpoint: 'authorization' | 'token'): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  // `https://host/path#` has an empty `hash` but still a fragment: look at the raw string.
  if (raw.includes('#')) return 'must not contain a fragment (#…)';
  if (endpoint === 'authorization') {
    // Compared without case: some servers read query names case-insensitively.
    const own = [...url.searchParams.keys()].filter((name) =>
      AUTHORIZATION_REQUEST_PARAMETERS.includes(name.toLowerCase()),
    );
    if (own.length) {
      return `must not carry the OAuth parameters the connector adds itself (${[...new Set(own)].join(', ')})`;
    }
  }
  return null;
}

/** An endpoint of a discovery document and why it is refused. */
export interface RefusedEndpoint {
  name: string;
  problem: string;
}

/**
 * Judges the endpoints an authorization server's metadata names (OIDC Discovery §3, RFC 8414 §2:
 * every `*_endpoint` and `jwks_uri`) by the same outbound policy as a configured URL.
 */
export async function checkLearnedEndpoints(
  metadata: Record<string, unknown>,
  policy: OutboundPolicy,
): Promise<RefusedEndpoint[]> {
  const endpoints = Object.entries(metadata).filter(
    (entry): entry is [string, string] =>
      (entry[0] === 'jwks_uri' || entry[0].endsWith('_endpoint')) && typeof entry[1] === 'string',
  );
  const problems = await Promise.all(
    endpoints.map(async ([name, value]) => ({ name, problem: await checkOutboundUrl(value, policy) })),
  );
  return problems.filter((p): p is RefusedEndpoint => p.problem !== null);
}

/**
 * An issuer identifier is a URL with no query or fragment (RFC 8414 §2, OIDC Discovery §3) and,
 * like every URL here, no control characters. Null when it is fine (or not a URL at all, which
 * the caller's URL check reports).
 */
export function issuerProblem(raw: string): string | null {
  const control = controlCharacterProblem(raw);
  if (control) return control;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.search || raw.includes('?') || raw.includes('#')) return 'must have no query or fragment';
  return null;
}
