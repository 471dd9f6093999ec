// `npm test`: the whole suite. Unit tests, then integration tests on SQLite, then, when
// TEST_POSTGRES_URL names a PostgreSQL server, the integration tests again on PostgreSQL.
// Every test provisions its own Redis (redis-server on a free port) and database and stops them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function ensureRedisServer() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server || ls /usr/bin/redis-server'], { stdio: 'ignore' });
  if (found.status === 0) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log("redis-server is not installed: installing Debian's redis-server (apt-get install -y redis-server)");
    execFileSync('sh', ['-c', '(apt-get update && apt-get install -y redis-server) >/dev/null'], { stdio: 'inherit' });
    return;
  }
  console.error(
    'redis-server is required by the tests. Install it with: sudo apt-get update && sudo apt-get install -y redis-server',
  );
  process.exit(1);
}

function run(label, args, env = {}) {
  console.log(`\n=== ${label} ===`);
  const result = spawnSync('npx', ['vitest', 'run', ...args], { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

ensureRedisServer();
const extra = process.argv.slice(2);
let failed = 0;
failed += run('unit tests', ['--project', 'unit', ...extra]) ? 1 : 0;
failed += run('integration tests on SQLite', ['--project', 'integration', ...extra], { TEST_DATABASE: 'sqlite' })
  ? 1
  : 0;
if (process.env.TEST_POSTGRES_URL) {
  failed += run('integration tests on PostgreSQL', ['--project', 'integration', ...extra], {
    TEST_DATABASE: 'postgresql',
  })
    ? 1
    : 0;
} else {
  console.log('\n(TEST_POSTGRES_URL is not set: the PostgreSQL run is skipped; .ci/run sets it)');
}
process.exit(failed ? 1 : 0);
