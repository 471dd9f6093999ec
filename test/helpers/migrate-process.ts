import { createInterface } from 'node:readline';
import { migrate } from '../../apps/core/db/migrate.ts';
import { resolveDatabase } from '../../apps/core/db/target.ts';

// One migrating process, as `npm run db:migrate` (apps/core/db/migrate-cli.ts) is one, started by
// test/integration/migrate-processes.int.test.ts. It loads everything first and says "ready", then
// waits for "go" on stdin, so that several processes call `migrate()` within a millisecond of each
// other instead of a node start-up apart. It prints the files it applied as one JSON line.
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const target = resolveDatabase({ DATABASE_URL: url, DATA_DIR: '.' });

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) {
  if (line.trim() !== 'go') continue;
  const applied = await migrate(target);
  process.stdout.write(`${JSON.stringify({ applied })}\n`);
  break;
}
lines.close();
