import type { Worker } from 'bullmq';
import type { Deps } from '../apps/core/deps.ts';
import { startTokenExchangeWorker } from './token-exchange.processor.ts';
import { startDeliveryWorker } from './delivery.ts';
import { startMaintenanceWorker } from './maintenance.ts';

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs, lets in-flight jobs finish (up to the timeout) and closes connections. */
  close(): Promise<void>;
}

/** Starts every BullMQ worker of this process. */
export async function startWorkers(deps: Deps): Promise<RunningWorkers> {
  const workers: Worker[] = [];
  workers.push(startTokenExchangeWorker(deps) as Worker);
  workers.push(startDeliveryWorker(deps) as Worker, (await startMaintenanceWorker(deps)) as Worker);
  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
