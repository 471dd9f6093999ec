import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, ProxyAgent, type Dispatcher } from 'undici';
import { AppError } from '../errors.ts';
import { isPrivateAddress } from './address-policy.ts';
import { proxyClientFactory } from './proxy-failure.ts';

export interface DispatcherOptions {
  allowPrivateTargets: boolean;
  proxyUrl?: string | undefined;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

/**
 * The one outbound HTTP dispatcher of a process (undici, keep-alive). Unless ALLOW_PRIVATE_TARGETS,
 * its connector refuses private addresses at connect time, for every call that goes through it
 * (webhooks, token exchange and refresh, discovery, JWKS): an IP-literal host is judged as it is,
 * a name after resolution (so a host that passed validation and later resolves to 127.0.0.1 or
 * 169.254.169.254 is still refused: DNS rebinding), and the connected socket's peer address last.
 *
 * With OUTBOUND_PROXY_URL the connector only ever sees the proxy (undici's ProxyAgent connects to
 * it and tunnels with CONNECT), so the proxy must enforce the same policy: see the README.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const timeout = options.connectTimeoutMs ?? 5_000;
  const common = {
    keepAliveTimeout: 30_000,
    connections: 256,
    headersTimeout: options.headersTimeoutMs ?? 15_000,
    bodyTimeout: options.bodyTimeoutMs ?? 15_000,
  };
  // An outbound proxy gives operators a fixed egress (Salesforce orgs may restrict refresh by IP).
  // ProxyAgent ignores `connect` for the destinations: it builds its own connectors. Its connection
  // to the proxy names the proxy when a tunnel cannot be opened (proxy-failure.ts).
  if (options.proxyUrl) {
    return new ProxyAgent({ uri: options.proxyUrl, ...common, clientFactory: proxyClientFactory(options.proxyUrl) });
  }
  return new Agent({ ...common, connect: options.allowPrivateTargets ? { timeout } : guardedConnector(timeout) });
}

/**
 * An undici connector that refuses private, loopback, link-local and metadata addresses. Node
 * calls the `lookup` hook only for names, never for an IP literal (`net.connect` skips DNS for
 * them), so the literal is judged here before any socket is opened.
 */
function guardedConnector(timeout: number): buildConnector.connector {
  const connect = buildConnector({ timeout, lookup: guardedLookup } as buildConnector.BuildOptions);
  return (options, callback) => {
    // undici hands IPv6 literals without their brackets; strip them anyway should that change.
    const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) && isPrivateAddress(host)) {
      callback(refusal(options.hostname, host), null);
      return;
    }
    connect(options, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error(`could not connect to ${options.hostname}`), null);
        return;
      }
      // Whatever resolved the name (a lookup hook, happy eyeballs), the peer is what counts.
      const peer = socket.remoteAddress;
      if (peer && isPrivateAddress(peer)) {
        socket.destroy();
        callback(refusal(options.hostname, peer), null);
        return;
      }
      callback(null, socket);
    });
  };
}

function refusal(hostname: string, address: string): AppError & NodeJS.ErrnoException {
  const where = hostname === address ? address : `${hostname} resolves to ${address}, which`;
  return new AppError(
    'PRIVATE_TARGET_REFUSED',
    `${where} is a private, loopback, link-local or metadata address (set ALLOW_PRIVATE_TARGETS to allow)`,
  ) as AppError & NodeJS.ErrnoException;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as LookupAddress[];
    const refused = list.find((a) => isPrivateAddress(a.address));
    if (refused) return callback(refusal(hostname, refused.address), '');
    const wantsAll = (options as { all?: boolean }).all;
    if (wantsAll) return callback(null, list);
    const first = list[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}
