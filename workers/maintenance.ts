import { type ConnectionOptions, Worker } from 'bullmq';
import { sweepDeliveries } from '../apps/core/deliveries/sweeper.ts';
import type { Deps } from '../apps/core/deps.ts';
import { type MaintenanceJob, type MaintenanceTask, QUEUES } from '../apps/core/queues.ts';
import { runNotificationChecks } from '../apps/core/notifications/periodic.ts';
import { sweepRetention } from '../apps/core/retention/sweep.ts';
import { refreshExpiringTokens, refreshIdleTokens } from '../apps/core/tokens/maintenance.ts';

interface MaintenanceEntry {
  /** How often it runs (a BullMQ job scheduler: one run per period across all processes). */
  every: number;
  run(): Promise<unknown>;
}

/** Every maintenance task of this process: how often it runs and what it does. */
export function maintenanceTasks(deps: Deps): Record<MaintenanceTask, MaintenanceEntry> {
  return {
    sweep: { every: 15_000, run: () => sweepDeliveries(deps) },
    'refresh-expiring': { every: 60_000, run: async () => ({ refreshed: await refreshExpiringTokens(deps) }) },
    // Selects tokens not refreshed for a day, so each idle token is refreshed about daily.
    'refresh-idle': { every: 3600_000, run: async () => ({ refreshed: await refreshIdleTokens(deps) }) },
    retention: { every: deps.config.RETENTION_SWEEP_SECONDS * 1000, run: () => sweepRetention(deps) },
    // Conditions nobody announced yet, exports failing or to disable, notifications to retry (docs/notifications.md).
    notifications: { every: 30_000, run: () => runNotificationChecks(deps) },
  };
}

/** Registers the repeatable maintenance jobs (idempotent) and starts their worker. */
export async function startMaintenanceWorker(deps: Deps): Promise<Worker<MaintenanceJob>> {
  const tasks = maintenanceTasks(deps);
  for (const [task, { every }] of Object.entries(tasks) as [MaintenanceTask, MaintenanceEntry][]) {
    await deps.queues.maintenance.upsertJobScheduler(task, { every }, { name: task, data: { task } });
  }
  const worker = new Worker<MaintenanceJob>(QUEUES.maintenance, (job) => tasks[job.data.task].run(), {
    // BullMQ takes `url` (bullmq/dist/esm/classes/redis-connection.js builds ioredis from it), but its
    // ConnectionOptions type, ioredis' RedisOptions, has no such field: hence the cast.
    connection: { url: deps.redisUrl, maxRetriesPerRequest: null } as ConnectionOptions,
    prefix: deps.queuePrefix,
    // One slot per task: a retention sweep may work for most of its period (apps/core/retention/sweep.ts),
    // and the delivery sweeper must not wait behind it.
    concurrency: Object.keys(tasks).length,
  });
  worker.on('failed', (job, error) =>
    deps.logger.error({ err: error, task: job?.data.task }, 'maintenance task failed'),
  );
  worker.on('error', (error) => deps.logger.error({ err: error }, 'maintenance worker error'));
  return worker;
}
