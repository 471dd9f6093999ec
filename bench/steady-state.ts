// `npx tsx bench/steady-state.ts`: delivery throughput with a large history of delivered deliveries
// already in the database against an empty database, measured side by side in one run, and the
// cost of the retention sweep deleting that history while deliveries go on (docs/benchmarks.md).
//
//   BENCH_ROWS          delivered deliveries (each with its engagement and one attempt) already in
//                       the full database (default 1000000)
//   BENCH_DELIVERIES    deliveries per throughput round (default 6000)
//   BENCH_RUNS          rounds of each kind, alternating; medians are compared (default 3)
//   BENCH_DATABASES     comma-separated (default sqlite,postgresql)
//   BENCH_LAYOUT        one (`npm start`) or two (`start:api` + `start:workers`) (default one)
//   BENCH_POSTGRES_URL  as bench/run.ts
//   BENCH_SEED_CHUNK    rows per seeding statement (default 100000)
//
// Two connectors run side by side, each on its own database and Redis: "empty" and "full" (the
// history seeded by SQL in bulk, 60 days old, past the default RETENTION_DELIVERED of 30 days).
// Both run with RETENTION_SWEEP_SECONDS=5 and their maintenance queue paused, so no sweep runs
// until the bench resumes the full one's queue: during the "full + sweep" rounds only, the sweep
// deletes the history in its batches while the round's deliveries go on.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Database from 'better-sqlite3';
import { type EmbeddedRedis, startEmbeddedRedis } from '../apps/core/redis/embedded.ts';
import { type RunningConnector, startBenchConnector } from './lib/connector.ts';
import { type DatabaseLocation, databaseSize, mb, withPostgres } from './lib/database-size.ts';
import { EngagementPoster } from './lib/poster.ts';
import { type BenchReceiver, startBenchReceiver } from './lib/receiver.ts';
import { seedStatements } from './lib/seed.ts';
import { POSTGRES_URL, postgresReachable } from './lib/postgres.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 6000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,postgresql').split(',') as ('sqlite' | 'postgresql')[];
const SPLIT = process.env.BENCH_LAYOUT === 'two';
const CHUNK = Number(process.env.BENCH_SEED_CHUNK ?? 100_000);
const POSTER_IN_FLIGHT = 200;
const DAY = 86_400_000;

const dataDir = mkdtempSync(join(tmpdir(), 'connector-steady-'));
const say = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Side {
  connector: RunningConnector;
  redis: EmbeddedRedis;
  receiver: BenchReceiver;
  poster: EngagementPoster;
  maintenance: Queue;
  location: DatabaseLocation;
}

async function startSide(database: 'sqlite' | 'postgresql', name: string): Promise<Side> {
  const redis = await startEmbeddedRedis({ dir: join(dataDir, `redis-${database}-${name}`) });
  // Paused before the connector starts: its first sweep waits until the bench wants one.
  const maintenance = new Queue('maintenance', { connection: { url: redis.url }, prefix: 'connector' });
  await maintenance.pause();
  const receiver = await startBenchReceiver();
  const connector = await startBenchConnector({
    dataDir,
    redisUrl: redis.url,
    database,
    postgresUrl: POSTGRES_URL,
    exports: 1,
    webhookUrl: receiver.url,
    split: SPLIT,
    env: { RETENTION_SWEEP_SECONDS: '5' },
  });
  const location: DatabaseLocation = connector.file
    ? { provider: 'sqlite', file: connector.file }
    : { provider: 'postgresql', url: POSTGRES_URL, schema: connector.schema };
  const poster = new EngagementPoster(connector.baseUrl, connector.token, POSTER_IN_FLIGHT);
  return { connector, redis, receiver, poster, maintenance, location };
}

async function stopSide(side: Side | undefined): Promise<void> {
  if (!side) return;
  await side.poster.close();
  await side.maintenance.close();
  await side.connector.stop();
  await side.receiver.close();
  await side.redis.stop();
}

/** ROWS delivered deliveries of the side's export, `at` and later, in chunks (each one transaction). */
async function seed(side: Side, at: Date): Promise<void> {
  const exportId = side.connector.exportIds[0] as string;
  const chunks: string[][] = [];
  for (let from = 0; from < ROWS; from += CHUNK) {
    chunks.push(
      seedStatements({
        provider: side.location.provider,
        schema: side.location.provider === 'postgresql' ? side.location.schema : undefined,
        groupId: side.connector.groupId,
        exportId,
        from,
        to: Math.min(ROWS, from + CHUNK),
        prefix: 'h',
        at,
      }),
    );
  }
  if (side.location.provider === 'sqlite') {
    const c = new Database(side.location.file, { timeout: 30_000 });
    try {
      c.pragma('synchronous = NORMAL');
      for (const statements of chunks) {
        c.transaction(() => {
          for (const s of statements) c.exec(s);
        }).immediate();
      }
      c.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      c.close();
    }
    return;
  }
  await withPostgres(side.location, async (c) => {
    for (const statements of chunks) {
      await c.query('BEGIN');
      for (const s of statements) await c.query(s);
      await c.query('COMMIT');
    }
    // What autovacuum would have done after such inserts: statistics and the visibility map.
    await c.query(
      `VACUUM (ANALYZE) "${side.connector.schema}"."engagements", "${side.connector.schema}"."deliveries", "${side.connector.schema}"."delivery_attempts"`,
    );
  });
}

let round = 0;
/** Deliveries per second: DELIVERIES engagements posted through the API until the receiver has every one. */
async function throughput(side: Side): Promise<number> {
  side.receiver.reset();
  const t0 = performance.now();
  await side.poster.flood(`r${round++}`, DELIVERIES, POSTER_IN_FLIGHT);
  const t1 = await side.receiver.waitFor(DELIVERIES, 600_000);
  if (side.poster.failures) throw new Error(`${side.poster.failures} engagements were refused`);
  return DELIVERIES / ((t1 - t0) / 1000);
}

/** Rows the connector's retention sweep deleted so far, by table (its /metrics). */
async function deletedSoFar(side: Side): Promise<number> {
  const text = await (await fetch(`${side.connector.baseUrl}/metrics`)).text();
  const line = /connector_retention_deleted_total\{table="deliveries"\} (\d+)/.exec(text);
  return Number(line?.[1] ?? 0);
}

/** Whether a retention sweep is running in the side's workers. */
async function sweeping(side: Side): Promise<boolean> {
  return (await side.maintenance.getJobs(['active'])).some((job) => job.name === 'retention');
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function measure(database: 'sqlite' | 'postgresql'): Promise<void> {
  let empty: Side | undefined;
  let full: Side | undefined;
  try {
    empty = await startSide(database, 'empty');
    full = await startSide(database, 'full');
    const t0 = performance.now();
    await seed(full, new Date(Date.now() - 60 * DAY));
    const seeded = await databaseSize(full.location);
    const bare = await databaseSize(empty.location);
    say(
      `\n${database}: ${fmt(seeded.deliveries)} delivered deliveries seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s; ` +
        `${mb(seeded.fileBytes)} on disk, ${fmt((seeded.fileBytes - bare.fileBytes) / ROWS)} bytes per delivery ` +
        `(with its engagement and attempt, indexes included)`,
    );
    for (const side of [empty, full]) {
      await side.poster.flood('warm', 500, POSTER_IN_FLIGHT);
      await side.receiver.waitFor(500, 120_000);
    }

    const rates = { empty: [] as number[], full: [] as number[], emptyB: [] as number[], swept: [] as number[] };
    for (let r = 0; r < RUNS; r++) {
      rates.empty.push(await throughput(empty));
      rates.full.push(await throughput(full));
      say(`    round ${r + 1}: empty ${fmt(rates.empty[r] as number)}/s, full ${fmt(rates.full[r] as number)}/s`);
    }
    // The sweep runs during the "full + sweep" rounds only: paused (and its running sweep ended)
    // for the empty database's rounds, so it does not take their CPU.
    let deletedDuring = 0;
    let sweptSeconds = 0;
    for (let r = 0; r < RUNS; r++) {
      await full.maintenance.pause();
      await waitFor(async () => !(await sweeping(full as Side)), 'the sweep to stop');
      rates.emptyB.push(await throughput(empty));
      await full.maintenance.resume();
      await waitFor(() => sweeping(full as Side), 'a sweep to start');
      const before = await deletedSoFar(full);
      const t = performance.now();
      rates.swept.push(await throughput(full));
      sweptSeconds += (performance.now() - t) / 1000;
      deletedDuring += (await deletedSoFar(full)) - before;
      say(
        `    round ${r + 1}: empty ${fmt(rates.emptyB[r] as number)}/s, full + sweep ${fmt(rates.swept[r] as number)}/s`,
      );
    }
    await full.maintenance.pause();

    const ratio = median(rates.full) / median(rates.empty);
    const sweptRatio = median(rates.swept) / median(rates.emptyB);
    const cost = 1 - sweptRatio / ratio;
    say(
      `  throughput, medians of ${RUNS}: empty ${fmt(median(rates.empty))}/s, with ${fmt(ROWS)} delivered ${fmt(median(rates.full))}/s: ` +
        `${(ratio * 100).toFixed(0)} % of empty (target ≥ 85 %: ${ratio >= 0.85 ? 'met' : 'NOT met'})`,
    );
    say(
      `  with the retention sweep deleting meanwhile (${fmt(deletedDuring / sweptSeconds)} deliveries/s, ${fmt(deletedDuring)} in its rounds): ` +
        `${fmt(median(rates.swept))}/s against ${fmt(median(rates.emptyB))}/s empty in the same rounds, ` +
        `a cost of ${(cost * 100).toFixed(1)} % (target ≤ 10 %: ${cost <= 0.1 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await stopSide(empty);
    await stopSide(full);
  }
}

try {
  say(
    `Steady state: ${fmt(ROWS)} delivered deliveries already stored against an empty database, ${fmt(DELIVERIES)} deliveries per round, ` +
      `${RUNS} rounds each, ${SPLIT ? 'two processes' : 'one process'}, ${cpus().length} CPUs, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}`,
  );
  for (const database of DATABASES) {
    if (database === 'postgresql' && !(await postgresReachable())) {
      say(`\npostgresql: ${POSTGRES_URL} is not reachable: skipped`);
      continue;
    }
    await measure(database);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
