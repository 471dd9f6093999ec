import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../apps/core/net/dispatcher.ts';
import { sendWebhook, type WebhookResult } from '../../apps/core/webhooks/send.ts';

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

function push(path: string, timeoutMs?: number): Promise<WebhookResult> {
  return sendWebhook(dispatcher, {
    url: new URL(path, base),
    body: '{"type":"engagement.completed","data":{"id":"E-1"}}',
    webhookId: 'dlv_test',
    accessToken: 'token-1',
    secrets: [SECRET],
    now: new Date(),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

describe('sendWebhook', () => {
  it('takes a 2xx with a large body as delivered, and the connection serves the next push', async () => {
    routes.set('/large', (_req, res) => res.writeHead(200).end('x'.repeat(1024 * 1024)));
    routes.set('/small', (_req, res) => res.writeHead(204).end());
    expect(await push('/large')).toMatchObject({ kind: 'response', statusCode: 200, snippet: undefined });
    expect(await push('/small')).toMatchObject({ kind: 'response', statusCode: 204, snippet: undefined });
  });

  it('keeps the first KiB of a refusal, its Retry-After, and control characters blanked', async () => {
    routes.set('/busy', (_req, res) =>
      res.writeHead(503, { 'retry-after': '7' }).end(`busy\u0007\n${'y'.repeat(5000)}`),
    );
    const result = await push('/busy');
    expect(result).toMatchObject({ kind: 'response', statusCode: 503, retryAfter: '7' });
    const snippet = (result as { snippet: string }).snippet;
    expect(snippet.startsWith('busy \ny')).toBe(true);
    expect(snippet).toHaveLength(1024 + 1);
    expect(snippet.endsWith('…')).toBe(true);
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

  it('names a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await sendWebhook(dispatcher, {
      url: new URL(`http://127.0.0.1:${port}/hook`),
      body: '{}',
      webhookId: 'dlv_test',
      accessToken: 'token-1',
      secrets: [SECRET],
      now: new Date(),
    });
    expect(result).toMatchObject({ kind: 'error', code: 'ECONNREFUSED' });
  });
});
