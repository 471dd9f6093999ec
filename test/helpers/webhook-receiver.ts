import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { freePort } from '../../apps/core/net/free-port.ts';

/** One request the receiver got, after verifying it. */
export interface ReceivedWebhook {
  webhookId: string;
  /** 1 for the first request with this webhook-id, 2 for the second … */
  nth: number;
  /** Arrival time (ms since the epoch), to check that a Retry-After was honoured. */
  at: number;
  bearer: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  /** The status the receiver answered. */
  status: number;
}

/** What the receiver answers to one verified request. */
export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (a receiver slower than the connector's timeout). */
  delayMs?: number;
}

export interface WebhookReceiverOptions {
  /** The export's signing secret(s): every request must verify with the standardwebhooks package. */
  secrets: () => string[];
  /** Whether the Bearer token is one the CRM would accept (e.g. valid at the test OAuth server). */
  acceptToken: (token: string) => boolean | Promise<boolean>;
  /** The answer to a request that verified and carried an accepted token (default 200). */
  respond?: (request: ReceivedWebhook) => ReceiverAnswer;
  /**
   * Answer this many requests, then hold every further one open without answering until
   * `release()`: the sender then has that many done and the rest in flight, for as long as the
   * test wants (e.g. to kill it there).
   */
  holdAfter?: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Requests refused before `respond`: bad signature (400) or token not accepted (401). */
  refused: { webhookId: string; reason: string }[];
  /**
   * Requests held open by `holdAfter`, unanswered. One still open at `release()` is then answered
   * and recorded in `received`; one whose sender went away meanwhile is only here. Their `nth` and
   * `status` are 0: they count as received only once answered.
   */
  held: ReceivedWebhook[];
  /** Stops holding: held requests still open are answered, and every later one too. */
  release(): void;
  /** Distinct webhook-ids received (a receiver deduplicates on it). */
  ids(): Set<string>;
  /** The requests for one webhook-id, in order. */
  requestsFor(webhookId: string): ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * A CRM webhook on loopback, as strict as a real one: each request is verified with the
 * `standardwebhooks` package (signature over id, timestamp and body; timestamp tolerance) and
 * must carry `Authorization: Bearer` with a token `acceptToken` accepts (401 otherwise), then
 * answered as `respond` says. Everything it got is recorded for the test to assert on.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const refused: { webhookId: string; reason: string }[] = [];
  const held: ReceivedWebhook[] = [];
  const counts = new Map<string, number>();
  let holding = options.holdAfter !== undefined;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = () => {
      holding = false;
      resolve();
    };
  });
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const headers = Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(req.headers[h] ?? '')]),
    );
    const webhookId = headers['webhook-id'] ?? '';
    let body: ReceivedWebhook['body'] | undefined;
    for (const secret of options.secrets()) {
      try {
        body = new Webhook(secret).verify(raw, headers) as ReceivedWebhook['body'];
        break;
      } catch {
        // try the next secret
      }
    }
    if (!body) {
      refused.push({ webhookId, reason: 'signature' });
      res.writeHead(400).end('bad signature');
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (req.headers['content-type'] !== 'application/json' || !bearer || !(await options.acceptToken(bearer))) {
      refused.push({ webhookId, reason: bearer ? 'token' : 'no bearer' });
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    if (holding && received.length >= (options.holdAfter ?? 0)) {
      held.push({ webhookId, nth: 0, at: Date.now(), bearer, body, status: 0 });
      await released;
      if (res.destroyed || req.socket.destroyed) return;
    }
    const nth = (counts.get(webhookId) ?? 0) + 1;
    counts.set(webhookId, nth);
    const request: ReceivedWebhook = { webhookId, nth, at: Date.now(), bearer, body, status: 0 };
    const answer = options.respond?.(request) ?? { status: 200 };
    request.status = answer.status;
    received.push(request);
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (res.destroyed) return;
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '{}');
  });
  // Keep-alive like a real CRM front end, so the connector's pool reuses connections.
  server.keepAliveTimeout = 60_000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/hooks/engagements`,
    received,
    refused,
    held,
    release: () => release(),
    ids: () => new Set(received.map((r) => r.webhookId)),
    requestsFor: (webhookId) => received.filter((r) => r.webhookId === webhookId),
    close: async () => {
      release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
