import { type Dispatcher, Pool } from 'undici';

/**
 * A call through OUTBOUND_PROXY_URL that got no answer because of the proxy itself: the connection
 * to the proxy failed (refused, timed out, dropped, name not found) or the proxy answered CONNECT
 * with something else than 200. Without this, undici reports a refused proxy exactly as a refused
 * receiver (`connect ECONNREFUSED`), and an operator would look at the wrong machine.
 */
export class OutboundProxyFailure extends Error {
  readonly code = 'OUTBOUND_PROXY_FAILED';
  constructor(
    message: string,
    /** The proxy as `host:port` (never its credentials). */
    readonly proxy: string,
    /** The proxy's answer to CONNECT, when it answered. */
    readonly statusCode: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'OutboundProxyFailure';
  }
}

/** The proxy failure behind `error` (undici and fetch wrap errors in `cause`), if the proxy is why. */
export function outboundProxyFailure(error: unknown): OutboundProxyFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof OutboundProxyFailure) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The `clientFactory` of undici's ProxyAgent: its connection to the proxy, which opens each tunnel
 * with CONNECT (RFC 9110 §9.3.6). A tunnel that cannot be opened fails with an OutboundProxyFailure
 * naming the proxy; what happens inside an open tunnel (TLS with the receiver, its answer) stays
 * the receiver's.
 */
export function proxyClientFactory(proxyUrl: string): (origin: URL, options: object) => Dispatcher {
  const url = new URL(proxyUrl);
  const proxy = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  return (origin, options) => new ProxyConnection(origin, options as Pool.Options, proxy);
}

type ConnectCallback<T> = (err: Error | null, data: Dispatcher.ConnectData<T>) => void;

class ProxyConnection extends Pool {
  constructor(
    origin: URL,
    options: Pool.Options,
    private readonly proxy: string,
  ) {
    super(origin, options);
  }

  override connect<T = null>(options: Dispatcher.ConnectOptions<T>, callback: ConnectCallback<T>): void;
  override connect<T = null>(options: Dispatcher.ConnectOptions<T>): Promise<Dispatcher.ConnectData<T>>;
  override connect<T = null>(
    options: Dispatcher.ConnectOptions<T>,
    callback?: ConnectCallback<T>,
  ): Promise<Dispatcher.ConnectData<T>> | undefined {
    const tunnel = this.tunnel(options);
    if (!callback) return tunnel;
    tunnel.then(
      (data) => callback(null, data),
      (error: Error) => callback(error, undefined as never),
    );
    return undefined;
  }

  private async tunnel<T>(options: Dispatcher.ConnectOptions<T>): Promise<Dispatcher.ConnectData<T>> {
    const target = options.path ?? 'the receiver';
    const connect = super.connect.bind(this) as (o: typeof options) => Promise<Dispatcher.ConnectData<T>>;
    let data: Dispatcher.ConnectData<T>;
    try {
      data = await connect(options);
    } catch (error) {
      // The caller gave up (its deadline): not the proxy's doing.
      if ((error as { code?: unknown }).code === 'UND_ERR_ABORTED') throw error;
      throw new OutboundProxyFailure(
        `Could not connect to the outbound proxy ${this.proxy} (OUTBOUND_PROXY_URL): ${reasonOf(error)}`,
        this.proxy,
        undefined,
        { cause: error },
      );
    }
    if (data.statusCode !== 200) {
      data.socket.on('error', () => undefined).destroy();
      const auth = data.statusCode === 407 ? ' (Proxy Authentication Required: check OUTBOUND_PROXY_URL)' : '';
      throw new OutboundProxyFailure(
        `The outbound proxy ${this.proxy} (OUTBOUND_PROXY_URL) refused the tunnel to ${target}: it answered CONNECT with ${data.statusCode}${auth}`,
        this.proxy,
        data.statusCode,
      );
    }
    return data;
  }
}

/** The error's code (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT …), looking through its causes, else its message. */
function reasonOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return (error as Error)?.message ?? String(error);
}
