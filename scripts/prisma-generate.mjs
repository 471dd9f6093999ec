// Generates one Prisma client per database provider from prisma/schema.prisma.
// A client generated for SQLite refuses the PostgreSQL adapter, so each provider gets its own
// (docs/field-notes.md). The Prisma CLI wants to download a schema engine it never uses for
// `generate`; pointing it at /bin/false keeps this offline and takes about a second.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = readFileSync(join(root, 'prisma/schema.prisma'), 'utf8');
const tmpDir = join(root, 'prisma/.generated');
mkdirSync(tmpDir, { recursive: true });

for (const provider of ['sqlite', 'postgresql']) {
  const schema = source
    .replace('provider = "sqlite"', `provider = "${provider}"`)
    .replace('"../apps/core/db/generated/PROVIDER"', `"../../apps/core/db/generated/${provider}"`);
  const schemaPath = join(tmpDir, `schema.${provider}.prisma`);
  writeFileSync(schemaPath, schema);
  execFileSync(join(root, 'node_modules/.bin/prisma'), ['generate', '--schema', schemaPath], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false',
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  });
}
console.log('prisma: generated clients for sqlite and postgresql');
