/**
 * Group commit: callers submit items one by one; one flush runs at a time, and whatever arrives
 * while it runs goes into the next flush together. At low load a flush carries one item and adds
 * no wait; under load batches grow by themselves, so N concurrent jobs cost one database round
 * trip instead of N (Prisma's per-statement overhead dominates a delivery's cost otherwise).
 *
 * When a whole batch fails, its items are flushed again one by one, so one bad item cannot fail
 * the others (which might then be retried and sent twice).
 */
export class GroupCommit<I, R> {
  private queue: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly flush: (items: I[]) => Promise<R[]>,
    private readonly maxBatch = 200,
  ) {}

  /** Queues an item; resolves with its result once the flush that carried it has committed. */
  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Let every caller of this turn of the event loop join the first flush.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.flush(batch.map((b) => b.item));
        for (const [i, b] of batch.entries()) b.resolve(results[i] as R);
      } catch (error) {
        if (batch.length === 1) (batch[0] as (typeof batch)[number]).reject(error);
        else {
          for (const one of batch) {
            await this.flush([one.item]).then(
              ([result]) => one.resolve(result as R),
              (e: unknown) => one.reject(e),
            );
          }
        }
      }
    }
    this.running = false;
  }
}
