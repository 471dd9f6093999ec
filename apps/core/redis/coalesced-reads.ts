import type { Redis } from 'ioredis';

interface Batch {
  keys: Map<string, Promise<string | null>>;
  resolvers: Map<string, { resolve: (value: string | null) => void; reject: (error: unknown) => void }>;
}

/**
 * Reads keys like MGET, but every read asked for in the same turn of the event loop goes out as
 * one MGET, each key once. Every authenticated request reads the same two revocation keys of its
 * token; under load, dozens of requests arrive in one turn and share one round trip. A read is
 * only ever joined to a batch that has not been sent yet, so it never sees an answer older than
 * its own request (a revocation that completed before the request is always seen). One per Redis
 * client, built by the composition root (apps/core/deps.ts).
 */
export class CoalescedReads {
  #pending: Batch | undefined;

  constructor(private readonly redis: Redis) {}

  mget(keys: readonly string[]): Promise<(string | null)[]> {
    let batch = this.#pending;
    if (!batch) {
      const fresh: Batch = { keys: new Map(), resolvers: new Map() };
      this.#pending = batch = fresh;
      setImmediate(() => {
        this.#pending = undefined;
        void send(this.redis, fresh);
      });
    }
    const current = batch;
    return Promise.all(
      keys.map((key) => {
        let value = current.keys.get(key);
        if (!value) {
          value = new Promise<string | null>((resolve, reject) => current.resolvers.set(key, { resolve, reject }));
          current.keys.set(key, value);
        }
        return value;
      }),
    );
  }
}

async function send(redis: Redis, batch: Batch): Promise<void> {
  const keys = [...batch.resolvers.keys()];
  try {
    const values = await redis.mget(...keys);
    for (const [i, key] of keys.entries()) batch.resolvers.get(key)?.resolve(values[i] ?? null);
  } catch (error) {
    for (const { reject } of batch.resolvers.values()) reject(error);
  }
}
