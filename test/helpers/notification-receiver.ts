import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { freePort } from '../../apps/core/net/free-port.ts';

/** One notification the receiver verified (Standard Webhooks signature with the group's secret). */
export interface ReceivedNotification {
  webhookId: string;
  /** 1 for the first request with this webhook-id, 2 for the second … */
  nth: number;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  /** The status the receiver answered. */
  status: number;
  /** Whether the request carried an Authorization header (a notification must not). */
  authorization: boolean;
}

export interface NotificationReceiver {
  url: string;
  received: ReceivedNotification[];
  /** Requests whose signature did not verify with the secret (answered 400). */
  refused: string[];
  /** Verified requests answered 2xx, of one type. */
  accepted(type?: string): ReceivedNotification[];
  /** Requests waiting in `hold` (not answered yet). */
  waiting(): number;
  close(): Promise<void>;
}

export interface NotificationReceiverOptions {
  /** The group's notification signing secret (set once the PUT answered it). */
  secret: () => string | undefined;
  /** The status for a verified request (default 200). */
  respond?: (request: ReceivedNotification) => number;
  /** Hold a verified request open until the promise this returns resolves (a slow receiver). */
  hold?: (request: ReceivedNotification) => Promise<void> | undefined;
}

/**
 * A group's notification webhook on loopback: each request is verified with the `standardwebhooks`
 * package (signature over id, timestamp and body; timestamp tolerance), then answered as `respond`
 * says. Everything it got is recorded for the test to assert on.
 */
export async function startNotificationReceiver(options: NotificationReceiverOptions): Promise<NotificationReceiver> {
  const received: ReceivedNotification[] = [];
  const refused: string[] = [];
  const counts = new Map<string, number>();
  let holding = 0;
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const headers = Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(req.headers[h] ?? '')]),
    );
    const webhookId = headers['webhook-id'] ?? '';
    let body: { type: string; timestamp: string; data: Record<string, unknown> } | undefined;
    try {
      const secret = options.secret();
      if (secret) body = new Webhook(secret).verify(raw, headers) as typeof body;
    } catch {
      body = undefined;
    }
    if (!body || req.headers['content-type'] !== 'application/json') {
      refused.push(webhookId);
      res.writeHead(400).end('bad signature');
      return;
    }
    const nth = (counts.get(webhookId) ?? 0) + 1;
    counts.set(webhookId, nth);
    const request: ReceivedNotification = {
      webhookId,
      nth,
      type: body.type,
      timestamp: body.timestamp,
      data: body.data,
      status: 0,
      authorization: req.headers.authorization !== undefined,
    };
    const wait = options.hold?.(request);
    if (wait) {
      holding++;
      await wait;
      holding--;
    }
    request.status = options.respond?.(request) ?? 200;
    received.push(request);
    if (!res.destroyed) res.writeHead(request.status, { 'content-type': 'application/json' }).end('{}');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/hooks/notifications`,
    received,
    refused,
    accepted: (type) => received.filter((r) => r.status < 300 && (!type || r.type === type)),
    waiting: () => holding,
    close: async () => {
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
