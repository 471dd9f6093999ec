// The stack's own ceiling (benchmark (a), docs/benchmarks.md): a bare BullMQ worker doing the same undici
// POST (same headers and body size) to the same loopback receiver, with no database, no token
// and no signing. Started as its own process by bench/run.ts, like the connector.
import { Worker } from 'bullmq';
import { Agent, request } from 'undici';

const target = process.env.TARGET_URL as string;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256, headersTimeout: 15_000, bodyTimeout: 15_000 });
const body = JSON.stringify({
  type: 'engagement.completed',
  timestamp: new Date().toISOString(),
  data: { id: 'E-000000', channel: 'chat', visitor: { name: 'Ada Lovelace' }, durationSeconds: 312 },
});
const worker = new Worker(
  'bare-delivery',
  async (job) => {
    const response = await request(target, {
      method: 'POST',
      dispatcher: agent,
      body,
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer 00000000000000000000000000000000',
        'webhook-id': job.data.deliveryId,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
      signal: AbortSignal.timeout(15_000),
    });
    await response.body.dump();
  },
  {
    connection: { url: process.env.REDIS_URL, maxRetriesPerRequest: null },
    concurrency: Number(process.env.CONCURRENCY ?? 50),
  },
);
await worker.waitUntilReady();
console.log('bare worker ready');
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
