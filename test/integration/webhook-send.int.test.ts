import { createServer, type RequestListener, type Server } from 'node:http';
import { type AddressInfo, connect as netConnect } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../apps/core/net/dispatcher.ts';
import { SNIPPET_BYTES, sendWebhook, type WebhookResult } from '../../apps/core/webhooks/send.ts';

// How one push reads each kind of answer a real receiver can give, over a real socket: the
// exchange handler in send.ts sees the answer as undici parses it, so each way an answer can
// arrive (large, informational first, cut short, stalled, never) is sent here for real.

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
let server: Server;
let base: string;
let dispatcher: Dispatcher;
const routes = new Map<string, RequestListener>();

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => (routes.get(req.url ?? '') ?? ((_q, r) => r.writeHead(404).end()))(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dispatcher = createDispatcher({ allowPrivateTargets: true });
});

afterAll(async () => {
  await dispatcher.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const ACCESS_TOKEN = 'at-0123456789abcdefWXYZ';

function push(
  path: string,
  timeoutMs?: number,
  through = dispatcher,
  url = new URL(path, base),
): Promise<WebhookResult> {
  return sendWebhook(through, {
    url,
    body: '{"type":"engagement.completed","data":{"id":"E-1"}}',
    webhookId: 'dlv_test',
    accessToken: ACCESS_TOKEN,
    secrets: [SECRET],
    now: new Date(),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

describe('sendWebhook', () => {
  it('takes a 2xx with a large body as delivered, keeps its first 4 KiB, and the connection serves the next push', async () => {
    routes.set('/large', (_req, res) => res.writeHead(200).end('x'.repeat(1024 * 1024)));
    routes.set('/small', (_req, res) => res.writeHead(204).end());
    const large = await push('/large');
    expect(large).toMatchObject({ kind: 'response', statusCode: 200, snippet: `${'x'.repeat(SNIPPET_BYTES)}…` });
    expect(await push('/small')).toMatchObject({ kind: 'response', statusCode: 204, snippet: undefined });
  });

  it('keeps the first 4 KiB of a refusal, its headers, its Retry-After, and control characters blanked', async () => {
    routes.set('/busy', (_req, res) =>
      res.writeHead(503, { 'retry-after': '7', 'x-request-id': 'r-1' }).end(`busy\u0007\n${'y'.repeat(5000)}`),
    );
    const result = await push('/busy');
    expect(result).toMatchObject({
      kind: 'response',
      statusCode: 503,
      retryAfter: '7',
      headers: { 'retry-after': '7', 'x-request-id': 'r-1' },
    });
    const snippet = (result as { snippet: string }).snippet;
    expect(snippet.startsWith('busy \ny')).toBe(true);
    expect(snippet).toHaveLength(SNIPPET_BYTES + 1);
    expect(snippet.endsWith('…')).toBe(true);
  });

  it('gives the request as sent, the access token masked to its last 4 characters', async () => {
    routes.set('/ok?tenant=7', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
    const result = await push('/ok?tenant=7');
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, snippet: '{"ok":true}' });
    expect(result.request?.url).toBe(`${base}/ok?tenant=7`);
    expect(result.request?.headers).toMatchObject({
      authorization: 'Bearer ****WXYZ',
      'content-type': 'application/json',
      'webhook-id': 'dlv_test',
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      'webhook-signature': expect.stringMatching(/^v1,/),
    });
    expect(JSON.stringify(result)).not.toContain(ACCESS_TOKEN.slice(0, 12));
  });

  it('waits past an informational 103 for the final answer', async () => {
    routes.set('/hints', (_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      setTimeout(() => res.writeHead(201).end('{}'), 20);
    });
    expect(await push('/hints')).toMatchObject({ kind: 'response', statusCode: 201 });
  });

  it('keeps what arrived of a refusal whose body was cut short', async () => {
    routes.set('/cut', (req, res) => {
      res.writeHead(500, { 'content-length': '100' });
      res.write('partial answer');
      setTimeout(() => req.socket.destroy(), 20);
    });
    expect(await push('/cut')).toMatchObject({ kind: 'response', statusCode: 500, snippet: 'partial answer' });
  });

  it('gives up at the deadline on an answer that never comes, and on a body that stalls', async () => {
    routes.set('/silent', () => undefined);
    routes.set('/stalled', (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{');
    });
    for (const path of ['/silent', '/stalled']) {
      const result = await push(path, 300);
      expect(result).toMatchObject({ kind: 'error', code: 'TIMEOUT', message: 'No complete answer within 0.3 s' });
      expect(result.durationMs).toBeGreaterThanOrEqual(290);
    }
    // The connections given up on were closed; a new push still goes through.
    routes.set('/after', (_req, res) => res.writeHead(200).end());
    expect(await push('/after')).toMatchObject({ kind: 'response', statusCode: 200 });
  });

  it("names a refused connection as the receiver's", async () => {
    const port = await closedPort();
    const result = await push('/hook', undefined, dispatcher, new URL(`http://127.0.0.1:${port}/hook`));
    expect(result).toMatchObject({
      kind: 'error',
      code: 'ECONNREFUSED',
      message: 'The receiver refused the connection (ECONNREFUSED)',
    });
    expect(result.request?.url).toBe(`http://127.0.0.1:${port}/hook`);
  });
});

describe('sendWebhook through OUTBOUND_PROXY_URL', () => {
  const proxies: Server[] = [];
  const dispatchers: Dispatcher[] = [];
  afterAll(async () => {
    for (const d of dispatchers) await d.close();
    for (const p of proxies) {
      p.closeAllConnections();
      await new Promise((resolve) => p.close(resolve));
    }
  });

  function through(proxyUrl: string): Dispatcher {
    const d = createDispatcher({ allowPrivateTargets: true, proxyUrl });
    dispatchers.push(d);
    return d;
  }

  /** A loopback CONNECT proxy: tunnels when `answer` is 200, else refuses with that status. */
  async function startProxy(answer: number): Promise<string> {
    const proxy = createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, client) => {
      if (answer !== 200) {
        client.end(`HTTP/1.1 ${answer} Refused\r\ncontent-length: 0\r\n\r\n`);
        return;
      }
      const [host, port] = String(req.url).split(':');
      const upstream = netConnect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'));
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxies.push(proxy);
    return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }

  it('delivers through a proxy that tunnels', async () => {
    routes.set('/proxied', (_req, res) => res.writeHead(202).end('{"queued":true}'));
    const result = await push('/proxied', undefined, through(await startProxy(200)));
    expect(result).toMatchObject({ kind: 'response', statusCode: 202, snippet: '{"queued":true}' });
  });

  it("names a refused connection to the proxy as the proxy's fault, not the receiver's", async () => {
    const port = await closedPort();
    routes.set('/never', (_req, res) => res.writeHead(200).end());
    const result = await push('/never', undefined, through(`http://127.0.0.1:${port}`));
    expect(result).toMatchObject({
      kind: 'error',
      code: 'OUTBOUND_PROXY_FAILED',
      message: `Could not connect to the outbound proxy 127.0.0.1:${port} (OUTBOUND_PROXY_URL): ECONNREFUSED`,
    });
  });

  it('names a proxy that refuses the tunnel, with the status it answered CONNECT with', async () => {
    const proxyUrl = await startProxy(403);
    const result = await push('/never', undefined, through(proxyUrl));
    const target = new URL(base).host;
    expect(result).toMatchObject({
      kind: 'error',
      code: 'OUTBOUND_PROXY_FAILED',
      message: `The outbound proxy ${new URL(proxyUrl).host} (OUTBOUND_PROXY_URL) refused the tunnel to ${target}: it answered CONNECT with 403`,
    });
  });

  it('keeps the credentials of the proxy URL out of the message', async () => {
    const port = await closedPort();
    const result = await push('/never', undefined, through(`http://user:s3cret-proxy@127.0.0.1:${port}`));
    expect(result).toMatchObject({ kind: 'error', code: 'OUTBOUND_PROXY_FAILED' });
    expect(JSON.stringify(result)).not.toContain('s3cret-proxy');
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  return port;
}
