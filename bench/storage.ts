// `npx tsx bench/storage.ts`: storage stays bounded when retention runs (docs/benchmarks.md). The
// connector takes engagements at a fixed rate with a short RETENTION_DELIVERED; the live data at
// the check minute and at the end must be within 20 % of each other, and the files must stop growing.
//
//   BENCH_STORAGE_MINUTES   length of the run (default 5)
//   BENCH_STORAGE_CHECK     the minute compared with the end (default 2)
//   BENCH_STORAGE_RATE      engagements per second (default 200)
//   BENCH_RETENTION         RETENTION_DELIVERED (default 60s)
//   BENCH_SWEEP_SECONDS     RETENTION_SWEEP_SECONDS (default 10)
//   BENCH_SAMPLE_SECONDS    how often the sizes are printed (default 30)
//   BENCH_DATABASES         comma-separated (default sqlite,postgresql)
//   BENCH_POSTGRES_URL      as bench/run.ts
//   BENCH_STORAGE_DETAIL    1: at each check, PostgreSQL's largest tables and indexes and their vacuum counts
//
// SQLite: live data is the pages in use (page_count − freelist_count): deleted rows' pages go to the
// freelist and are reused, so the file stops growing but does not shrink. PostgreSQL: the tables'
// and indexes' sizes less the free space recorded by a plain VACUUM (what autovacuum does) run at
// each of the two check points (bench/lib/database-size.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedRedis } from '../apps/core/redis/embedded.ts';
import { startBenchConnector } from './lib/connector.ts';
import {
  type DatabaseLocation,
  type DatabaseSize,
  databaseSize,
  mb,
  postgresRelations,
  vacuum,
} from './lib/database-size.ts';
import { EngagementPoster } from './lib/poster.ts';
import { startBenchReceiver } from './lib/receiver.ts';
import { POSTGRES_URL, postgresReachable } from './lib/postgres.ts';

const MINUTES = Number(process.env.BENCH_STORAGE_MINUTES ?? 5);
const CHECK_MINUTE = Number(process.env.BENCH_STORAGE_CHECK ?? 2);
const RATE = Number(process.env.BENCH_STORAGE_RATE ?? 200);
const RETENTION = process.env.BENCH_RETENTION ?? '60s';
const SWEEP_SECONDS = process.env.BENCH_SWEEP_SECONDS ?? '10';
const SAMPLE_SECONDS = Number(process.env.BENCH_SAMPLE_SECONDS ?? 30);
const DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,postgresql').split(',') as ('sqlite' | 'postgresql')[];

const dataDir = mkdtempSync(join(tmpdir(), 'connector-storage-'));
const say = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function measure(database: 'sqlite' | 'postgresql'): Promise<void> {
  const redis = await startEmbeddedRedis({ dir: join(dataDir, `redis-${database}`) });
  const receiver = await startBenchReceiver();
  const connector = await startBenchConnector({
    dataDir,
    redisUrl: redis.url,
    database,
    postgresUrl: POSTGRES_URL,
    exports: 1,
    webhookUrl: receiver.url,
    env: { RETENTION_DELIVERED: RETENTION, RETENTION_FAILED: RETENTION, RETENTION_SWEEP_SECONDS: SWEEP_SECONDS },
  });
  const location: DatabaseLocation = connector.file
    ? { provider: 'sqlite', file: connector.file }
    : { provider: 'postgresql', url: POSTGRES_URL, schema: connector.schema };
  const poster = new EngagementPoster(connector.baseUrl, connector.token, 50);
  const started = performance.now();
  const samples: { second: number; size: DatabaseSize }[] = [];
  const checks: Record<string, DatabaseSize> = {};
  const minute = () => (performance.now() - started) / 60_000;
  const sample = async () => {
    const size = await databaseSize(location);
    const second = Math.round((performance.now() - started) / 1000);
    samples.push({ second, size });
    const live = `, in use ${mb(size.liveBytes)}`;
    say(
      `    ${String(second).padStart(4)} s: ${fmt(size.deliveries).padStart(7)} deliveries, files ${mb(size.fileBytes)}${live}`,
    );
  };
  const check = async (name: string) => {
    if (location.provider === 'postgresql') await vacuum(location);
    checks[name] = await databaseSize(location);
    const size = checks[name];
    say(
      `    minute ${name}: ${fmt(size.deliveries)} deliveries, live data ${mb(size.liveBytes)}, files ${mb(size.fileBytes)}`,
    );
    if (location.provider === 'postgresql' && process.env.BENCH_STORAGE_DETAIL === '1') {
      for (const r of await postgresRelations(location))
        say(`      ${r.name.padEnd(48)} ${mb(r.bytes).padStart(9)}  ${r.vacuums}`);
    }
  };
  say(
    `\n${database}: ${RATE} engagements/s for ${MINUTES} min, RETENTION_DELIVERED=${RETENTION}, RETENTION_SWEEP_SECONDS=${SWEEP_SECONDS}`,
  );
  try {
    let checked = false;
    const timer = setInterval(() => {
      void sample();
    }, SAMPLE_SECONDS * 1000);
    const checker = setInterval(() => {
      if (!checked && minute() >= CHECK_MINUTE) {
        checked = true;
        void check(String(CHECK_MINUTE));
      }
    }, 250);
    try {
      await poster.atRate('eng', RATE, MINUTES * 60);
    } finally {
      clearInterval(timer);
      clearInterval(checker);
    }
    if (poster.failures) throw new Error(`${poster.failures} engagements were refused`);
    await check(String(MINUTES));
    const first = checks[String(CHECK_MINUTE)];
    const last = checks[String(MINUTES)];
    if (!first || !last) throw new Error('a check point was not measured');
    const growth = last.liveBytes / first.liveBytes - 1;
    say(
      `  live data at minute ${MINUTES} against minute ${CHECK_MINUTE}: ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} % ` +
        `(target within 20 %: ${Math.abs(growth) <= 0.2 ? 'met' : 'NOT met'})`,
    );
    // The files over the second half of the run: the growth should have stopped.
    const half = samples.filter((s) => s.second >= (MINUTES * 60) / 2);
    if (half.length >= 2) {
      const a = (half[0] as (typeof half)[number]).size.fileBytes;
      const b = (half[half.length - 1] as (typeof half)[number]).size.fileBytes;
      say(
        `  files over the second half of the run: ${mb(a)} → ${mb(b)} (${b > a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %)`,
      );
    }
  } finally {
    await poster.close();
    await connector.stop();
    await receiver.close();
    await redis.stop();
  }
}

try {
  say(
    `Bounded storage: ${cpus().length} CPUs, load ${loadavg()
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
