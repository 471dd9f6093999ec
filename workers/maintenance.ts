import { type ConnectionOptions, Worker } from 'bullmq';
import { sweepDeliveries } from '../apps/core/deliveries/sweeper.ts';
import type { Deps } from '../apps/core/deps.ts';
import { type MaintenanceJob, type MaintenanceTask, QUEUES } from '../apps/core/queues.ts';
import { refreshExpiringTokens, refreshIdleTokens } from '../apps/core/tokens/maintenance.ts';

/** How often each maintenance task runs (BullMQ job schedulers: one run per period across all processes). */
export const MAINTENANCE_EVERY_MS: Record<MaintenanceTask, number> = {
  sweep: 15_000,
  'refresh-expiring': 60_000,
  // Selects tokens not refreshed for a day, so each idle token is refreshed about daily.
  'refresh-idle': 3600_000,
};

/** Registers the repeatable maintenance jobs (idempotent) and starts their worker. */
export async function startMaintenanceWorker(deps: Deps): Promise<Worker<MaintenanceJob>> {
  for (const [task, every] of Object.entries(MAINTENANCE_EVERY_MS) as [MaintenanceTask, number][]) {
    await deps.queues.maintenance.upsertJobScheduler(task, { every }, { name: task, data: { task } });
  }
  const worker = new Worker<MaintenanceJob>(
    QUEUES.maintenance,
    async (job) => {
      switch (job.data.task) {
        case 'sweep':
          return sweepDeliveries(deps);
        case 'refresh-expiring':
          return { refreshed: await refreshExpiringTokens(deps) };
        case 'refresh-idle':
          return { refreshed: await refreshIdleTokens(deps) };
      }
    },
    {
      // BullMQ takes `url` (bullmq/dist/esm/classes/redis-connection.js builds ioredis from it), but its
      // ConnectionOptions type, ioredis' RedisOptions, has no such field: hence the cast.
      connection: { url: deps.redisUrl, maxRetriesPerRequest: null } as ConnectionOptions,
      prefix: deps.queuePrefix,
      concurrency: 1,
    },
  );
  worker.on('failed', (job, error) =>
    deps.logger.error({ err: error, task: job?.data.task }, 'maintenance task failed'),
  );
  worker.on('error', (error) => deps.logger.error({ err: error }, 'maintenance worker error'));
  return worker;
}
