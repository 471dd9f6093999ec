// `npm run db:migrate`: brings the configured database to the current schema.
import { loadConfig, ConfigError } from '../config.ts';
import { migrate } from './migrate.ts';
import { resolveDatabase } from './target.ts';

try {
  const target = resolveDatabase(loadConfig());
  const applied = await migrate(target);
  const where = target.provider === 'sqlite' ? target.file : 'PostgreSQL';
  console.log(applied.length ? `Applied ${applied.join(', ')} to ${where}` : `${where} is up to date`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
