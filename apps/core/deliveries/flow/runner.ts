import type { Deps } from '../../deps.ts';
import { loadExportContext } from '../export-context.ts';
import { type DeliveryOutcome, processDelivery } from '../process.ts';
import { type FlowAnswer, type Grant, wakeMember } from './flow-control.ts';
import { flowLimits } from './limits.ts';

/** A wake-up as a job carries it: the export id is there when whoever queued it knew it. */
export interface WakeUp {
  deliveryId: string;
  attemptCount: number;
  exportId?: string;
}

/** Runs a task in one of the process's WORKER_CONCURRENCY slots (the worker's p-limit). */
export type Slot = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A worker process's side of flow control (docs/api/deliveries.md, "Flow control and ordering").
 * A job's wake-ups first ask for room (flow-control.ts); those let through take a worker slot,
 * are sent and give their lease back as soon as the answer is in, which hands it to the export's
 * next waiting wake-up, run here too. Those without room wait in Redis and the job is done with
 * them: an export at its limit holds no slot of any worker while its backlog waits. One export
 * never holds every slot of a process either: at most WORKER_CONCURRENCY - 1 of them.
 */
export class DeliveryRunner {
  readonly #deps: Deps;
  readonly #slot: Slot;
  readonly #perExport: number;
  #closing = false;
  /** Deliveries handed a lease outside a job of their own (they were waiting); close() waits for them. */
  readonly #detached = new Set<Promise<unknown>>();
  /** One timer per export whose waiting wake-ups wait for its rate window to move on. */
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #local = new Map<string, { active: number; queue: (() => void)[] }>();

  constructor(deps: Deps, slot: Slot, concurrency: number) {
    this.#deps = deps;
    this.#slot = slot;
    this.#perExport = Math.max(1, concurrency - 1);
  }

  /**
   * Runs a job's wake-ups: each one let through is sent (and awaited here); one that must wait is
   * `deferred`. Throws, once all of them settled, what the first one that failed threw, so that
   * BullMQ runs the job again (`rerun`).
   */
  async run(wakes: readonly WakeUp[], rerun: boolean): Promise<DeliveryOutcome[]> {
    const byExport = await this.#byExport(wakes);
    const outcomes: DeliveryOutcome[] = [];
    const own: Promise<DeliveryOutcome>[] = [];
    const admitted = await Promise.allSettled(
      [...byExport].map(async ([exportId, list]) => {
        const flowWakes = list.map((w) => ({ deliveryId: w.deliveryId, attemptCount: w.attemptCount, rerun }));
        const exp = exportId ? await loadExportContext(this.#deps, exportId) : null;
        // Gone (deleted, with its deliveries): nothing to do.
        if (!exp) return void outcomes.push(...list.map(() => 'skipped' as const));
        const limits = flowLimits(exp);
        if (!limits.maxInFlight && !limits.ratePerMinute) {
          for (const wake of flowWakes) own.push(this.#start({ exportId: exp.id, wake, lease: null, limits }));
          return;
        }
        const answer = await this.#deps.flow.admit(exp.id, limits, flowWakes, !this.#closing);
        const mine = new Set(flowWakes.map(wakeMember));
        for (const grant of answer.grants) {
          if (mine.delete(wakeMember(grant.wake))) own.push(this.#start(grant));
          else this.#detach(this.#start(grant));
        }
        outcomes.push(...[...mine].map(() => 'deferred' as const));
        this.#retryLater(exp.id, answer.retryMs);
      }),
    );
    const sent = await Promise.allSettled(own);
    const failure = [...admitted, ...sent].find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    return [...outcomes, ...sent.map((r) => (r as PromiseFulfilledResult<DeliveryOutcome>).value)];
  }

  /**
   * Stops handing leases on (given back, they go to other processes, or to the sweeper's nudge)
   * and stops waiting for rate windows: the process is going away.
   */
  stop(): void {
    this.#closing = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Stops, and waits for the deliveries this process still runs outside its jobs. */
  async close(): Promise<void> {
    this.stop();
    while (this.#detached.size) await Promise.allSettled([...this.#detached]);
  }

  /** Groups wake-ups by export; those queued without their export id look it up (one query). */
  async #byExport(wakes: readonly WakeUp[]): Promise<Map<string, WakeUp[]>> {
    const unknown = wakes.filter((w) => !w.exportId).map((w) => w.deliveryId);
    const found = unknown.length
      ? new Map(
          (
            await this.#deps.db.delivery.findMany({
              where: { id: { in: unknown } },
              select: { id: true, exportId: true },
            })
          ).map((r) => [r.id, r.exportId]),
        )
      : new Map<string, string>();
    const byExport = new Map<string, WakeUp[]>();
    for (const wake of wakes) {
      // A delivery that is gone files under '' and is skipped.
      const exportId = wake.exportId ?? found.get(wake.deliveryId) ?? '';
      const list = byExport.get(exportId);
      if (list) list.push(wake);
      else byExport.set(exportId, [wake]);
    }
    return byExport;
  }

  #start(grant: Grant): Promise<DeliveryOutcome> {
    return this.#localTurn(grant.exportId, () => this.#slot(() => this.#deliver(grant)));
  }

  #detach(run: Promise<unknown>): void {
    const tracked = run.catch((error: unknown) =>
      this.#deps.logger.error({ err: error }, 'a delivery handed a lease failed; the sweeper will send it'),
    );
    this.#detached.add(tracked);
    void tracked.finally(() => this.#detached.delete(tracked));
  }

  /** One delivery with its lease: given back once the request is answered, or at the end whatever happened. */
  async #deliver(grant: Grant): Promise<DeliveryOutcome> {
    let sent = false;
    let released: Promise<void> | undefined;
    const release = () => {
      released ??= this.#release(grant, !sent);
      return released;
    };
    try {
      return await processDelivery(
        this.#deps,
        { deliveryId: grant.wake.deliveryId, attemptCount: grant.wake.attemptCount },
        grant.wake.rerun,
        {
          sending: () => {
            sent = true;
          },
          sent: () => void release(),
        },
      );
    } finally {
      await release();
    }
  }

  async #release(grant: Grant, refund: boolean): Promise<void> {
    const { maxInFlight, ratePerMinute } = grant.limits;
    // An ordered export holds no place; its rate entry goes back only when nothing was sent.
    if (!grant.lease || !(maxInFlight || (refund && ratePerMinute))) return;
    try {
      this.#follow(
        grant.exportId,
        await this.#deps.flow.release(grant.exportId, grant.limits, grant.lease, refund, !this.#closing),
      );
    } catch (error) {
      this.#deps.logger.warn(
        { err: error, exportId: grant.exportId },
        'could not give a delivery lease back; it expires by itself',
      );
    }
  }

  /** Runs the wake-ups flow control handed a lease, and waits for the rate window when told to. */
  #follow(exportId: string, answer: FlowAnswer): void {
    for (const grant of answer.grants) this.#detach(this.#start(grant));
    this.#retryLater(exportId, answer.retryMs);
  }

  #retryLater(exportId: string, ms: number): void {
    if (ms <= 0 || this.#closing || this.#timers.has(exportId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(exportId);
      void this.#pump(exportId);
    }, ms);
    this.#timers.set(exportId, timer);
  }

  async #pump(exportId: string): Promise<void> {
    try {
      const exp = await loadExportContext(this.#deps, exportId);
      if (!exp || this.#closing) return;
      this.#follow(exportId, await this.#deps.flow.pump(exportId, flowLimits(exp)));
    } catch (error) {
      this.#deps.logger.warn({ err: error, exportId }, 'could not wake deliveries waiting for the rate limit');
    }
  }

  /** At most #perExport deliveries of one export hold a slot of this process at once. */
  async #localTurn<T>(exportId: string, task: () => Promise<T>): Promise<T> {
    let entry = this.#local.get(exportId);
    if (!entry) this.#local.set(exportId, (entry = { active: 0, queue: [] }));
    const mine = entry;
    // A turn given up is handed straight to the next one waiting (active stays the same).
    if (mine.active >= this.#perExport) await new Promise<void>((resolve) => mine.queue.push(resolve));
    else mine.active++;
    try {
      return await task();
    } finally {
      const next = mine.queue.shift();
      if (next) next();
      else if (--mine.active === 0) this.#local.delete(exportId);
    }
  }
}
