import type { Clock } from './clock.ts';

export interface TtlCacheOptions {
  /** How long an entry is served, in milliseconds of the injected clock. */
  ttlMs: number;
  /** Entries kept at most; past it the oldest goes first. */
  maxEntries: number;
}

/**
 * A small map whose entries expire by the injected clock (apps/core/deps.ts `Clock`), so a test
 * that moves its clock sees an entry expire without sleeping. Built by the composition root and
 * owned by one process; `clear()` is its close. Entries may be promises: a rejected one is
 * dropped so the next caller tries again rather than reading the failure for the whole TTL.
 *
 * Written here rather than taken from a library: lru-cache and friends read `performance.now()`
 * themselves and offer no clock to inject, which is the one thing this class is for.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { at: number; value: V }>();

  constructor(
    private readonly clock: Clock,
    private readonly options: TtlCacheOptions,
  ) {}

  /** The live entry for `key`, or undefined. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.clock.now().getTime() - entry.at >= this.options.ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` as read now; a promise that rejects removes itself. */
  set(key: string, value: V): V {
    this.#entries.delete(key);
    if (this.#entries.size >= this.options.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const entry = { at: this.clock.now().getTime(), value };
    this.#entries.set(key, entry);
    if (value instanceof Promise) {
      value.catch(() => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      });
    }
    return value;
  }

  /** The live entry, or `load()`'s result stored as the entry. */
  getOrLoad(key: string, load: () => V): V {
    const hit = this.get(key);
    return hit !== undefined ? hit : this.set(key, load());
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
