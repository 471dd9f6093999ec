import { createServer, type Server } from 'node:http';

/** A loopback webhook receiver for the benchmark: answers 200 and notes when each delivery arrived. */
export interface BenchReceiver {
  url: string;
  /** First arrival time (performance.now()) by webhook-id. */
  arrivals: Map<string, number>;
  /** First arrival time by the engagement id in the body (for ingest-to-receipt latency). */
  byEngagement: Map<string, number>;
  requests: number;
  /** Resolves when `count` distinct webhook-ids have arrived. */
  waitFor(count: number, timeoutMs: number): Promise<number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startBenchReceiver(options: { parseBodies?: boolean } = {}): Promise<BenchReceiver> {
  const arrivals = new Map<string, number>();
  const byEngagement = new Map<string, number>();
  let waiter: { count: number; resolve: (at: number) => void } | undefined;
  const receiver: BenchReceiver = {
    url: '',
    arrivals,
    byEngagement,
    requests: 0,
    waitFor: (count, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (arrivals.size >= count) return resolve(performance.now());
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${arrivals.size} of ${count} deliveries in ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
        waiter = {
          count,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
      }),
    reset: () => {
      arrivals.clear();
      byEngagement.clear();
      receiver.requests = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      receiver.requests++;
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) arrivals.set(id, at);
      if (options.parseBodies) {
        const engagementId = (JSON.parse(Buffer.concat(chunks).toString()) as { data: { id: string } }).data.id;
        if (!byEngagement.has(engagementId)) byEngagement.set(engagementId, at);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      if (waiter && arrivals.size >= waiter.count) {
        waiter.resolve(at);
        waiter = undefined;
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/engagements`;
  return receiver;
}
