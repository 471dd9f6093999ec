/**
 * Counts the interactive transactions open on Prisma's SQLite connection, from the driver adapter
 * interface Prisma itself calls (`startTransaction`, then the transaction's `commit` or
 * `rollback`: @prisma/driver-adapter-utils), so that the delivery store's own connection can wait
 * for none to be open before it writes (deliveries/store/sqlite/sqlite-delivery-store.ts says why).
 * Waiting is a promise resolved when the count drops to zero: no polling.
 */
export class TransactionGate {
  #open = 0;
  #waiters: (() => void)[] = [];

  get open(): number {
    return this.#open;
  }

  enter(): void {
    this.#open++;
  }

  leave(): void {
    this.#open = Math.max(0, this.#open - 1);
    if (this.#open === 0 && this.#waiters.length) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Undefined when no transaction is open (go ahead now); otherwise resolves when none is. */
  whenClear(): Promise<void> | undefined {
    if (this.#open === 0) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
