import type { Redis } from 'ioredis';

interface Batch {
  keys: Map<string, Promise<string | null>>;
  resolvers: Map<string, { resolve: (value: string | null) => void; reject: (error: unknown) => void }>;
}

const pendingByClient = new WeakMap<Redis, Batch>();

/**
 * Reads keys like MGET, but every read asked for in the same turn of the event loop goes out as
 * one MGET, each key once. Every authenticated request reads the same two revocation keys of its
 * token; under load, dozens of requests arrive in one turn and share one round trip. A read is
 * only ever joined to a batch that has not been sent yet, so it never sees an answer older than
 * its own request (a revocation that completed before the request is always seen).
 */
export function coalescedMget(redis: Redis, keys: readonly string[]): Promise<(string | null)[]> {
  let batch = pendingByClient.get(redis);
  if (!batch) {
    const fresh: Batch = { keys: new Map(), resolvers: new Map() };
    pendingByClient.set(redis, (batch = fresh));
    setImmediate(() => {
      pendingByClient.delete(redis);
      void send(redis, fresh);
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

async function send(redis: Redis, batch: Batch): Promise<void> {
  const keys = [...batch.resolvers.keys()];
  try {
    const values = await redis.mget(...keys);
    for (const [i, key] of keys.entries()) batch.resolvers.get(key)?.resolve(values[i] ?? null);
  } catch (error) {
    for (const { reject } of batch.resolvers.values()) reject(error);
  }
}
