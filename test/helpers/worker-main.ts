// A worker process for tests that shorten flow control's timings (test/helpers/worker-process.ts):
// `apps/main.ts --workers`, with the flow options given as the first argument (JSON), which the
// composition root takes from its caller rather than from the environment.
import { loadConfig } from '../../apps/core/config.ts';
import type { FlowOptions } from '../../apps/core/deliveries/flow/flow-control.ts';
import { createDeps } from '../../apps/core/deps.ts';
import { startWorkers } from '../../workers/index.ts';

const flow = JSON.parse(process.argv[2] ?? '{}') as FlowOptions;
const deps = await createDeps(loadConfig(), { flow });
const workers = await startWorkers(deps);
deps.logger.info({ workers: true, flow }, 'connector started');

async function shutdown(): Promise<void> {
  await workers.close();
  await deps.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
