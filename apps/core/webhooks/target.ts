import { isIP } from 'node:net';
import { isPrivateAddress } from '../net/address-policy.ts';
import type { OutboundPolicy } from '../net/url-policy.ts';

const INSTANCE_URL = '{instance_url}';

export type Target = { url: URL } | { problem: string };

/**
 * The URL to POST to. A webhook URL may start with `{instance_url}` (Salesforce: the org's API host
 * comes back in the token answer), filled from the connection's extra fields. The host of an IP
 * literal is judged here, because the dispatcher's connect-time guard only sees hosts it resolves.
 */
export function resolveTarget(webhookUrl: string, tokenExtra: Record<string, unknown>, policy: OutboundPolicy): Target {
  let raw = webhookUrl;
  if (raw.startsWith(INSTANCE_URL)) {
    const instanceUrl = tokenExtra.instance_url;
    if (typeof instanceUrl !== 'string' || !instanceUrl) {
      return { problem: 'The webhook URL uses {instance_url}, but the CRM gave no instance_url with the token' };
    }
    raw = instanceUrl.replace(/\/+$/, '') + raw.slice(INSTANCE_URL.length);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `The webhook URL is not a valid URL once filled in (${raw.slice(0, 200)})` };
  }
  if (url.protocol !== 'https:' && !(policy.allowInsecureHttp && url.protocol === 'http:')) {
    return { problem: `The webhook URL must use https:// (got ${url.protocol}//)` };
  }
  if (url.username || url.password) return { problem: 'The webhook URL must not contain a user name or password' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivateTargets && isIP(host) && isPrivateAddress(host)) {
    return { problem: `The webhook URL points to ${host}, a private or loopback address (set ALLOW_PRIVATE_TARGETS)` };
  }
  return { url };
}
