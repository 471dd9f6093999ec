import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPrivateAddress } from './address-policy.ts';

export interface OutboundPolicy {
  allowPrivateTargets: boolean;
  allowInsecureHttp: boolean;
}

/**
 * Checks a URL the connector will call (webhook, authorization, token): https only unless
 * ALLOW_INSECURE_HTTP, no credentials in it, and a host that resolves only to public addresses
 * unless ALLOW_PRIVATE_TARGETS. Returns the problem in words, or null when the URL is acceptable.
 * This is the early check that gives a manager a clear message; the delivery dispatcher checks
 * again at connect time, so a DNS answer that changes later cannot slip through.
 */
export async function checkOutboundUrl(
  raw: string,
  policy: OutboundPolicy,
  options: { allowPlaceholders?: boolean } = {},
): Promise<string | null> {
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
  const host = url.hostname.replace(/^\[|\]$/g, '');
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
