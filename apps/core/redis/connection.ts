import { Redis } from 'ioredis';

/**
 * An ioredis connection. `maxRetriesPerRequest: null` is what BullMQ workers require (a command
 * waits for Redis to come back instead of failing the job); the API's own commands use the same
 * client and stay short.
 */
export function createRedis(url: string, name: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: name, enableReadyCheck: true });
  // Errors surface through the commands that fail; without a listener ioredis would print them.
  redis.on('error', () => undefined);
  return redis;
}
