// `npm run bench`: the delivery pipeline's throughput against the stack's own ceiling,
// ingest-to-receipt latency at a fixed rate, and peak memory. Not part of `npm test`. Each connector
// figure is measured twice: one process (`npm start`) and two (`start:api` + `start:workers`, sharing
// one Redis and the database, as docs/operations.md documents for production).
//
//   BENCH_DELIVERIES      deliveries per throughput run (default 6000)
//   BENCH_POSTGRES_URL    PostgreSQL server for the PostgreSQL runs (default TEST_POSTGRES_URL or
//                         postgresql://connector:connector@127.0.0.1:5432/connector_test); skipped if unreachable
//   BENCH_DATABASES       which databases to run, comma-separated (default sqlite,postgresql)
//   BENCH_LAYOUTS         which layouts to run, comma-separated (default one,two)
//   BENCH_EXPORTS         exports per group to run, comma-separated (default 1,5)
//   BENCH_SKIP_LATENCY    set to 1 to leave out (d), the latency runs
//   BENCH_SKIP_THROUGHPUT set to 1 to leave out (a)–(c), the throughput runs
//
// This machine's speed drifts by a factor of two or more over minutes (other virtual machines share
// its cores), so a ceiling measured once at the start says little about a connector run ten
// minutes later. The ceiling is measured before the first connector run and again after each one,
// and each ratio divides by the mean of the two measurements around its own run.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { DEFAULT_WORKER_CONCURRENCY } from '../apps/core/config.ts';
import { startEmbeddedRedis } from '../apps/core/redis/embedded.ts';
import { type RunningConnector, startBenchConnector } from './lib/connector.ts';
import { EngagementPoster } from './lib/poster.ts';
import { startProcess, waitUntil } from './lib/process.ts';
import { startBenchReceiver } from './lib/receiver.ts';
import { POSTGRES_URL, postgresReachable } from './lib/postgres.ts';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 6000);
/** The bare worker runs at the connector's own default concurrency (deliveries in flight per process). */
const WORKER_CONCURRENCY = DEFAULT_WORKER_CONCURRENCY;
/**
 * Engagements the poster keeps in flight. The connector answers an engagement once its group commit
 * is written (20–45 ms under load), so a closed-loop poster with 50 in flight offered at most
 * 50 / latency engagements per second and left the connector's CPU 15–30 % idle: it measured the
 * poster. The bare worker's queue is filled ahead (addBulk), so it is never waiting for work either.
 */
const POSTER_IN_FLIGHT = 200;
/**
 * Each export may have as many deliveries in flight as a worker process has slots, as the bare
 * worker does: the bench measures the pipeline, not the per-export limit a CRM gets by default (20,
 * docs/api/deliveries.md). With that default, one busy export's claims and outcomes come in
 * batches of at most 20, which costs it throughput (docs/benchmarks.md).
 */
const EXPORT_SETTINGS = { maxInFlight: WORKER_CONCURRENCY };
const LATENCY_RATE = 200;
const LATENCY_SECONDS = 10;

type Database = 'sqlite' | 'postgresql';
/** `one`: `npm start` (API and workers in one process); `two`: `start:api` + `start:workers` sharing Redis and the database. */
type Layout = 'one' | 'two';
const LAYOUTS = (process.env.BENCH_LAYOUTS ?? 'one,two').split(',') as Layout[];
const WANTED_DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,postgresql').split(',') as Database[];
const EXPORTS_PER_GROUP = (process.env.BENCH_EXPORTS ?? '1,5').split(',').map(Number);
const SKIP_LATENCY = process.env.BENCH_SKIP_LATENCY === '1';
const SKIP_THROUGHPUT = process.env.BENCH_SKIP_THROUGHPUT === '1';
const dataDir = mkdtempSync(join(tmpdir(), 'connector-bench-'));
const peakRss: { layout: Layout; run: string; mb: number; workersMb?: number }[] = [];

function notePeak(layout: Layout, run: string, connector: RunningConnector): void {
  peakRss.push({ layout, run, mb: connector.process.peakRssMb(), workersMb: connector.workers?.peakRssMb() });
}

interface Ceiling {
  rate: number;
  /** The bare worker's CPU time per delivery, in µs. */
  cpuUs: number;
}

/** (a) A bare BullMQ worker process doing the same POST, fed by addBulk: deliveries per second, and its CPU per delivery. */
let ceilingRuns = 0;

async function ceiling(): Promise<Ceiling> {
  const redis = await startEmbeddedRedis({ dir: join(dataDir, `redis-bare-${ceilingRuns++}`) });
  const receiver = await startBenchReceiver();
  const worker = startProcess('bench/lib/bare-worker.ts', [], {
    REDIS_URL: redis.url,
    TARGET_URL: receiver.url,
    CONCURRENCY: String(WORKER_CONCURRENCY),
  });
  const queue = new Queue('bare-delivery', {
    connection: { url: redis.url, maxRetriesPerRequest: null },
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  });
  try {
    await waitUntil(async () => worker.output().includes('bare worker ready'), 'the bare worker to start', worker);
    const feed = async (prefix: string, count: number) => {
      for (let start = 0; start < count; start += 500) {
        const size = Math.min(500, count - start);
        await queue.addBulk(
          Array.from({ length: size }, (_, i) => ({
            name: 'deliver',
            data: { deliveryId: `${prefix}_${start + i}` },
            opts: { jobId: `${prefix}_${start + i}.0.1` },
          })),
        );
      }
    };
    await feed('warm', 500);
    await receiver.waitFor(500, 60_000);
    receiver.reset();
    const cpu0 = worker.cpuSeconds();
    const t0 = performance.now();
    await feed('dlv', DELIVERIES);
    const t1 = await receiver.waitFor(DELIVERIES, 300_000);
    const cpuUs = Math.round(((worker.cpuSeconds() - cpu0) * 1e6) / DELIVERIES);
    return { rate: DELIVERIES / ((t1 - t0) / 1000), cpuUs };
  } finally {
    await queue.close();
    await worker.stop();
    await receiver.close();
    await redis.stop();
  }
}

/** (b) Engagements posted through the HTTP API until the receiver has every delivery. */
/** CPU seconds used so far by the API process and, in two-process mode, the workers process. */
function cpuOf(connector: RunningConnector): { api: number; workers: number } {
  return { api: connector.process.cpuSeconds(), workers: connector.workers?.cpuSeconds() ?? 0 };
}

interface Throughput {
  rate: number;
  /** Connector CPU time per delivery, in µs: the API process, and the workers process when separate. */
  cpuUs: { api: number; workers: number };
}

async function endToEnd(database: Database, exports: number, layout: Layout): Promise<Throughput> {
  const redis = await startEmbeddedRedis({ dir: join(dataDir, `redis-${layout}-${database}-${exports}`) });
  const receiver = await startBenchReceiver();
  const connector = await startBenchConnector({
    dataDir,
    redisUrl: redis.url,
    database,
    postgresUrl: POSTGRES_URL,
    exports,
    webhookUrl: receiver.url,
    split: layout === 'two',
    exportSettings: EXPORT_SETTINGS,
  });
  const poster = new EngagementPoster(connector.baseUrl, connector.token, POSTER_IN_FLIGHT);
  try {
    await poster.flood('warm', 200, POSTER_IN_FLIGHT);
    await receiver.waitFor(200 * exports, 60_000);
    receiver.reset();
    const engagements = Math.round(DELIVERIES / exports);
    const cpu0 = cpuOf(connector);
    const t0 = performance.now();
    await poster.flood('eng', engagements, POSTER_IN_FLIGHT);
    const t1 = await receiver.waitFor(engagements * exports, 300_000);
    const cpu1 = cpuOf(connector);
    if (poster.failures) throw new Error(`${poster.failures} engagements were refused`);
    notePeak(layout, `${database} ×${exports}`, connector);
    const perDelivery = (a: number, b: number) => Math.round(((b - a) * 1e6) / (engagements * exports));
    return {
      rate: (engagements * exports) / ((t1 - t0) / 1000),
      cpuUs: { api: perDelivery(cpu0.api, cpu1.api), workers: perDelivery(cpu0.workers, cpu1.workers) },
    };
  } finally {
    await poster.close();
    await connector.stop();
    await receiver.close();
    await redis.stop();
  }
}

/** (d) Ingest-to-receipt latency at a fixed offered rate, one export. */
async function latency(database: Database, layout: Layout): Promise<{ p50: number; p99: number; max: number }> {
  const redis = await startEmbeddedRedis({ dir: join(dataDir, `redis-latency-${layout}-${database}`) });
  const receiver = await startBenchReceiver({ parseBodies: true });
  const connector = await startBenchConnector({
    dataDir,
    redisUrl: redis.url,
    database,
    postgresUrl: POSTGRES_URL,
    exports: 1,
    webhookUrl: receiver.url,
    split: layout === 'two',
    exportSettings: EXPORT_SETTINGS,
  });
  // Connections only: at a fixed rate the poster does not wait for answers before sending more.
  const poster = new EngagementPoster(connector.baseUrl, connector.token, 50);
  try {
    await poster.flood('warm', 200, 10);
    await receiver.waitFor(200, 60_000);
    receiver.reset();
    const sent = await poster.atRate('lat', LATENCY_RATE, LATENCY_SECONDS);
    await receiver.waitFor(sent.size, 120_000);
    const latencies = [...sent].map(([id, at]) => (receiver.byEngagement.get(id) as number) - at).sort((a, b) => a - b);
    notePeak(layout, `${database} at ${LATENCY_RATE}/s`, connector);
    const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
    return { p50: pick(0.5), p99: pick(0.99), max: latencies[latencies.length - 1] as number };
  } finally {
    await poster.close();
    await connector.stop();
    await receiver.close();
    await redis.stop();
  }
}

const LAYOUT_NAMES: Record<Layout, string> = { one: 'one process', two: 'two processes' };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (line: string) => process.stdout.write(`${line}\n`);

try {
  const reachable: Database[] = (await postgresReachable()) ? ['sqlite', 'postgresql'] : ['sqlite'];
  const databases = reachable.filter((d) => WANTED_DATABASES.includes(d));
  say(
    `Benchmark: ${DELIVERIES} deliveries per run, ${WORKER_CONCURRENCY} deliveries in flight per worker process (connector and bare worker), ${POSTER_IN_FLIGHT} engagements in flight from the poster, ${cpus().length} CPUs,`,
  );
  say(
    `load average before the run ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (other processes share these CPUs).`,
  );
  if (!reachable.includes('postgresql')) say(`PostgreSQL at ${POSTGRES_URL} is not reachable: its runs are skipped.`);

  const ceilings: Ceiling[] = [];
  const measureCeiling = async () => {
    const measured = await ceiling();
    ceilings.push(measured);
    return measured.rate;
  };
  if (!SKIP_THROUGHPUT) {
    const first = await measureCeiling();
    say(
      `\n(a) stack ceiling, bare BullMQ worker + undici POST, no database: ${fmt(first)} deliveries/s (worker CPU ${ceilings[0]?.cpuUs} µs/delivery);`,
    );
    say('    measured again after each connector run: each ratio below uses the two measurements around its run.');
  }
  say('\n(b) connector end to end (POST /v1/engagements → webhook received), (c) ratio b/a;');
  say('    one process = `npm start`; two processes = `npm run start:api` + `npm run start:workers`, one Redis:');
  say(
    '    layout          database     exports/group   deliveries/s   ceiling (a)   b/a    target          connector CPU/delivery',
  );
  for (const database of databases) {
    for (const exports of SKIP_THROUGHPUT ? [] : EXPORTS_PER_GROUP) {
      for (const layout of LAYOUTS) {
        const before = (ceilings[ceilings.length - 1] as Ceiling).rate;
        const { rate, cpuUs } = await endToEnd(database, exports, layout);
        const bare = (before + (await measureCeiling())) / 2;
        const cpu = layout === 'one' ? `${cpuUs.api} µs` : `API ${cpuUs.api} + workers ${cpuUs.workers} µs`;
        const target = database === 'postgresql' ? 0.5 : 0.3;
        const ratio = rate / bare;
        say(
          `    ${LAYOUT_NAMES[layout].padEnd(15)} ${database.padEnd(12)} ${String(exports).padEnd(15)} ${fmt(rate).padStart(12)}   ${fmt(bare).padStart(11)}   ${ratio.toFixed(2)}   ≥ ${target} ${(ratio >= target ? 'met' : 'NOT met').padEnd(8)} ${cpu}`,
        );
      }
    }
  }
  if (ceilings.length > 1) {
    const rates = ceilings.map((c) => c.rate).sort((a, b) => a - b);
    say(
      `\n(a) the ceiling measured ${rates.length} times: ${fmt(rates[0] as number)}–${fmt(rates[rates.length - 1] as number)} deliveries/s, median ${fmt(rates[Math.floor(rates.length / 2)] as number)}; in order: ${ceilings.map((c) => fmt(c.rate)).join(', ')}`,
    );
  }
  say(
    `\n(d) latency from ingest to receipt at ${LATENCY_RATE} engagements/s offered for ${LATENCY_SECONDS} s (1 export):`,
  );
  for (const database of SKIP_LATENCY ? [] : databases) {
    for (const layout of LAYOUTS) {
      const { p50, p99, max } = await latency(database, layout);
      say(
        `    ${LAYOUT_NAMES[layout].padEnd(15)} ${database.padEnd(12)} p50 ${p50.toFixed(1)} ms   p99 ${p99.toFixed(1)} ms   max ${max.toFixed(1)} ms   (target p99 ≤ 100 ms: ${p99 <= 100 ? 'met' : 'NOT met'})`,
      );
    }
  }
  const one = peakRss.filter((p) => p.layout === 'one');
  const two = peakRss.filter((p) => p.layout === 'two');
  const peak = Math.max(...one.map((p) => p.mb));
  say(
    `\n(e) peak resident memory of the connector process (API + workers): ${peak.toFixed(0)} MB (target ≤ 300 MB: ${peak <= 300 ? 'met' : 'NOT met'})`,
  );
  say(`    by run: ${one.map((p) => `${p.run} ${p.mb.toFixed(0)} MB`).join(', ')}`);
  const apiPeak = Math.max(...two.map((p) => p.mb));
  const workersPeak = Math.max(...two.map((p) => p.workersMb ?? 0));
  say(
    `    two processes: API ${apiPeak.toFixed(0)} MB, workers ${workersPeak.toFixed(0)} MB (each ≤ 300 MB: ${Math.max(apiPeak, workersPeak) <= 300 ? 'met' : 'NOT met'})`,
  );
  say(
    `    by run (API / workers): ${two.map((p) => `${p.run} ${p.mb.toFixed(0)} / ${(p.workersMb ?? 0).toFixed(0)} MB`).join(', ')}`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
