// The connector's entry point: `npm start` runs the API and every worker in one process;
// `--api` or `--workers` runs one half (any number of worker processes may share Redis and the database).
import { createServer, type Server } from 'node:http';
import { ConfigError, loadConfig } from './core/config.ts';
import { createDeps } from './core/deps.ts';
import { createRequestListener } from './server.ts';
import { startWorkers } from '../workers/index.ts';
import { bootstrapGroup } from './core/groups/bootstrap.ts';
import { FIRST_ADMIN_HINT, noMemberYet } from './http/first-run.ts';

const args = new Set(process.argv.slice(2));
const runApi = !args.has('--workers');
const runWorkers = !args.has('--api');

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

const startedAt = performance.now();
const deps = await createDeps(config).catch((error: Error) => {
  console.error(`The connector could not start: ${error.message}`);
  process.exit(1);
});
await bootstrapGroup(deps);

let server: Server | undefined;
if (runApi) {
  server = createServer(createRequestListener(deps));
  // Longer than a load balancer's idle timeout, so it never closes a connection the LB reuses.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server?.listen(config.PORT, config.HOST, resolve));
}
const workers = runWorkers ? await startWorkers(deps) : undefined;
deps.logger.info(
  {
    port: runApi ? config.PORT : undefined,
    publicUrl: config.PUBLIC_URL,
    database: config.databaseProvider,
    api: runApi,
    workers: runWorkers,
    startupMs: Math.round(performance.now() - startedAt),
  },
  'connector started',
);
// A first start with no BOOTSTRAP_* variables: say, in one line, how to get in.
if (await noMemberYet(deps.db)) deps.logger.warn(FIRST_ADMIN_HINT);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  deps.logger.info({ signal }, 'shutting down: finishing in-flight work');
  const force = setTimeout(() => process.exit(1), 30_000);
  force.unref();
  await Promise.all([
    server && new Promise((resolve) => server?.close(resolve)),
    server?.closeIdleConnections(),
    workers?.close(),
  ]);
  await deps.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
