import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { AppError } from '../errors.ts';
import { isPrivateAddress } from './address-policy.ts';

export interface DispatcherOptions {
  allowPrivateTargets: boolean;
  proxyUrl?: string | undefined;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

/**
 * The one outbound HTTP dispatcher of a process (undici, keep-alive). Its DNS lookup refuses
 * private addresses at connect time, after resolution, so a host that passed validation and
 * later resolves to 127.0.0.1 or 169.254.169.254 is still refused (DNS rebinding).
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const lookup = options.allowPrivateTargets ? undefined : guardedLookup;
  const common = {
    keepAliveTimeout: 30_000,
    connections: 256,
    headersTimeout: options.headersTimeoutMs ?? 15_000,
    bodyTimeout: options.bodyTimeoutMs ?? 15_000,
    connect: { timeout: options.connectTimeoutMs ?? 5_000, ...(lookup ? { lookup } : {}) },
  };
  // An outbound proxy gives operators a fixed egress (Salesforce orgs may restrict refresh by IP).
  if (options.proxyUrl) return new ProxyAgent({ uri: options.proxyUrl, ...common });
  return new Agent(common);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as LookupAddress[];
    const refused = list.find((a) => isPrivateAddress(a.address));
    if (refused) {
      const error = new AppError(
        'PRIVATE_TARGET_REFUSED',
        `${hostname} resolves to ${refused.address}, a private or loopback address (set ALLOW_PRIVATE_TARGETS to allow)`,
      ) as AppError & NodeJS.ErrnoException;
      return callback(error, '');
    }
    const wantsAll = (options as { all?: boolean }).all;
    if (wantsAll) return callback(null, list);
    const first = list[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}
