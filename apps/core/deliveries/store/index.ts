import type { StoreConnection } from '../../db/client.ts';
import type { DeliveryStore } from './delivery-store.ts';
import { PostgresDeliveryStore } from './postgres/postgres-delivery-store.ts';
import { SqliteDeliveryStore } from './sqlite/sqlite-delivery-store.ts';

export type * from './delivery-store.ts';

/** The delivery store for the opened database: chosen here, once, by the composition root. */
export function openDeliveryStore(connection: StoreConnection): DeliveryStore {
  return connection.provider === 'postgresql'
    ? new PostgresDeliveryStore(connection.pool, connection.schema)
    : new SqliteDeliveryStore(connection.file, connection.transactions);
}
