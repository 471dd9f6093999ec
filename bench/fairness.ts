// `npx tsx bench/fairness.ts`: one export's CRM takes 10 s per push and has a backlog of 1,000;
// another export of the same connector is fed at a steady rate. Prints the fast export's
// ingest-to-receipt latency (target p99 ≤ 1 s: docs/api/deliveries.md, "Flow control and
// ordering"), and what the slow one had in flight. Both exports belong to one group, so every
// engagement goes to both: their deliveries share ingest batches and wake-up jobs, the hardest case.
//
//   FAIRNESS_DATABASE   sqlite (default) or postgresql (BENCH_POSTGRES_URL / TEST_POSTGRES_URL)
//   FAIRNESS_SPLIT      1: `start:api` + `start:workers` instead of `npm start`
//   FAIRNESS_RATE       engagements per second in the steady phase (default 50)
//   FAIRNESS_SECONDS    length of the steady phase (default 20)
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedRedis } from '../apps/core/redis/embedded.ts';
import { startBenchConnector } from './lib/connector.ts';
import { EngagementPoster } from './lib/poster.ts';
import { startBenchReceiver } from './lib/receiver.ts';
import { startSlowReceiver } from './lib/slow-receiver.ts';
import { POSTGRES_URL } from './lib/postgres.ts';

const SLOW_PUSH_MS = 10_000;
const BACKLOG = 1000;
const RATE = Number(process.env.FAIRNESS_RATE ?? 50);
const SECONDS = Number(process.env.FAIRNESS_SECONDS ?? 20);
const DATABASE = (process.env.FAIRNESS_DATABASE ?? 'sqlite') as 'sqlite' | 'postgresql';
const say = (line: string) => process.stdout.write(`${line}\n`);

const dataDir = mkdtempSync(join(tmpdir(), 'connector-fairness-'));
const redis = await startEmbeddedRedis({ dir: join(dataDir, 'redis') });
const slow = await startSlowReceiver(SLOW_PUSH_MS);
const fast = await startBenchReceiver({ parseBodies: true });
const connector = await startBenchConnector({
  dataDir,
  redisUrl: redis.url,
  database: DATABASE,
  postgresUrl: POSTGRES_URL,
  exports: 2,
  webhookUrl: fast.url,
  split: process.env.FAIRNESS_SPLIT === '1',
});
const poster = new EngagementPoster(connector.baseUrl, connector.token, 100);
try {
  say(
    `Fairness: ${DATABASE}, ${process.env.FAIRNESS_SPLIT === '1' ? 'two processes' : 'one process'}, ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}`,
  );
  // The first export's CRM becomes the slow one (its tokens stay: the URL is no OAuth setting).
  const [slowExport, fastExport] = connector.exportIds as [string, string];
  const patched = await fetch(`${connector.baseUrl}/v1/exports/${slowExport}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${connector.token}` },
    body: JSON.stringify({ webhookUrl: slow.url }),
  });
  if (patched.status !== 200) throw new Error(`PATCH the slow export: ${patched.status} ${await patched.text()}`);
  const settings = (await (
    await fetch(`${connector.baseUrl}/v1/exports/${slowExport}`, {
      headers: { authorization: `Bearer ${connector.token}` },
    })
  ).json()) as { maxInFlight?: number };

  // The backlog: 1,000 engagements at once. The fast export takes its 1,000 at full speed; the
  // slow one has its maxInFlight pushes open and the rest waiting.
  const t0 = performance.now();
  await poster.flood('backlog', BACKLOG, 100);
  await fast.waitFor(BACKLOG, 300_000);
  say(
    `backlog: ${BACKLOG} engagements posted and delivered to the fast export in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `the slow export (maxInFlight ${settings.maxInFlight ?? '?'}, ${SLOW_PUSH_MS / 1000} s per push) has ${slow.open} open, ${slow.received} received so far`,
  );

  // The steady phase: engagements at a fixed rate while the slow backlog waits.
  fast.reset();
  const sent = await poster.atRate('steady', RATE, SECONDS);
  await fast.waitFor(sent.size, 120_000);
  const latencies = [...sent].map(([id, at]) => (fast.byEngagement.get(id) as number) - at).sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  const p99 = pick(0.99);
  say(
    `fast export (${fastExport}), ${sent.size} engagements at ${RATE}/s for ${SECONDS} s: ingest-to-receipt ` +
      `p50 ${pick(0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(latencies[latencies.length - 1] as number).toFixed(1)} ms ` +
      `(target p99 ≤ 1000 ms: ${p99 <= 1000 ? 'met' : 'NOT met'})`,
  );
  say(
    `slow export (${slowExport}): ${slow.received} pushes received, at most ${slow.maxOpen} open at once, ` +
      `${BACKLOG + sent.size - slow.received} still waiting`,
  );
} finally {
  await poster.close();
  await connector.stop();
  await slow.close();
  await fast.close();
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
