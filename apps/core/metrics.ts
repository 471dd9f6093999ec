import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from './db/client.ts';
import { WAITING_STATUSES } from './deliveries/state.ts';
import { QUEUES, type Queues } from './queues.ts';

// Every label value each counter knows of, so a series exists (at 0) from the first scrape:
// `rate()` and `increase()` see the first event, and an alert on "no failures" has a series to read.
const DELIVERY_OUTCOMES = ['delivered', 'retry', 'failed', 'dead', 'parked', 'postponed'] as const;
const ATTEMPT_RESULTS = ['2xx', '4xx', '5xx', 'error'] as const;
const REFRESH_OUTCOMES = ['success', 'shared', 'reauthorize', 'configuration', 'retryable', 'provider'] as const;
const INGEST_OUTCOMES = ['accepted', 'duplicate'] as const;
const EXCHANGE_OUTCOMES = ['success', 'rejected', 'failed'] as const;
const NOTIFICATION_CHANNELS = ['webhook', 'email'] as const;
const NOTIFICATION_OUTCOMES = ['sent', 'retry', 'failed'] as const;
// retention/sweep.ts RETENTION_TABLES (importing it would close a cycle through deps.ts;
// test/integration/operator.int.test.ts checks the two lists agree).
const RETENTION_TABLES = [
  'deliveries',
  'delivery_attempts',
  'engagements',
  'audit_log',
  'authorization_requests',
  'notification_outbox',
] as const;

/** The connector's Prometheus metrics (one registry per composition root, so tests can run several). */
export interface Metrics {
  registry: Registry;
  /**
   * Delivery attempts by how they ended: delivered, retry, failed, dead, parked, postponed
   * (`connector_delivery_attempts_total`; retry and postponed come back for another attempt).
   */
  deliveries: Counter<'outcome'>;
  /** One observation per request sent to a webhook, by class of result (2xx, 4xx, 5xx, error). */
  attemptSeconds: Histogram<'result'>;
  /** Token refreshes: success, shared (another caller's refresh served), reauthorize, configuration, retryable, provider. */
  refreshes: Counter<'outcome'>;
  /** Rows the retention sweep deleted, by table (apps/core/retention/sweep.ts). */
  retentionDeleted: Counter<'table'>;
  /** Engagements posted: accepted (new) or duplicate (an id already kept). */
  ingested: Counter<'outcome'>;
  /** HTTP requests answered, by route pattern (never the raw path), method and status code. */
  httpRequests: Counter<'route' | 'method' | 'status'>;
  /** Authorization codes exchanged for tokens: success, rejected (the CRM refused), failed (could not ask). */
  codeExchanges: Counter<'outcome'>;
  /** Notifications sent, by channel (webhook, email) and outcome (sent, retry, failed). */
  notifications: Counter<'channel' | 'outcome'>;
}

/** The metrics of one composition root (apps/core/deps.ts builds them once; the gauges read `sources` when scraped). */
export function createMetrics(deps: { queues: Queues; db: Db }): Metrics {
  const registry = new Registry();
  // Node's and the process' own metrics under their stock names (process_cpu_seconds_total,
  // nodejs_heap_size_used_bytes …), which the usual Node.js dashboards and alerts look for.
  collectDefaultMetrics({ register: registry });
  const metrics: Metrics = {
    registry,
    deliveries: new Counter({
      name: 'connector_delivery_attempts_total',
      help: 'Delivery attempts by how they ended (retry and postponed come back for another attempt)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    attemptSeconds: new Histogram({
      name: 'connector_delivery_attempt_duration_seconds',
      help: 'Time from sending a webhook to its complete answer (or failure)',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers: [registry],
    }),
    refreshes: new Counter({
      name: 'connector_token_refreshes_total',
      help: 'Access token refreshes by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: 'connector_retention_deleted_total',
      help: 'Rows the retention sweep deleted, by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    ingested: new Counter({
      name: 'connector_engagements_ingested_total',
      help: 'Engagements posted, by outcome (accepted, duplicate)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'connector_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status code',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    codeExchanges: new Counter({
      name: 'connector_code_exchanges_total',
      help: 'Authorization codes exchanged for tokens, by outcome (success, rejected, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'connector_notifications_total',
      help: 'Notifications sent, by channel (webhook, email) and outcome (sent, retry, failed)',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
  };
  for (const outcome of DELIVERY_OUTCOMES) metrics.deliveries.inc({ outcome }, 0);
  for (const result of ATTEMPT_RESULTS) metrics.attemptSeconds.zero({ result });
  for (const outcome of REFRESH_OUTCOMES) metrics.refreshes.inc({ outcome }, 0);
  for (const table of RETENTION_TABLES) metrics.retentionDeleted.inc({ table }, 0);
  for (const outcome of INGEST_OUTCOMES) metrics.ingested.inc({ outcome }, 0);
  for (const outcome of EXCHANGE_OUTCOMES) metrics.codeExchanges.inc({ outcome }, 0);
  for (const channel of NOTIFICATION_CHANNELS) {
    for (const outcome of NOTIFICATION_OUTCOMES) metrics.notifications.inc({ channel, outcome }, 0);
  }
  new Gauge({
    name: 'connector_queue_jobs',
    help: 'Jobs in each queue by state (read from Redis, so it counts every process)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const name of [QUEUES.delivery, QUEUES.maintenance, QUEUES.tokenExchange] as const) {
        const counts = await deps.queues[name].getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'failed');
        for (const [state, count] of Object.entries(counts)) this.set({ queue: name, state }, count);
      }
    },
  });
  new Gauge({
    name: 'connector_deliveries_waiting',
    help: 'Deliveries not through yet, by status (read from the database, so it counts every process; one queue job may wake up to 50 of them)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await deps.db.delivery.groupBy({
        by: ['status'],
        where: { status: { in: [...WAITING_STATUSES] } },
        _count: { _all: true },
      });
      for (const status of WAITING_STATUSES) {
        this.set({ status }, rows.find((r) => r.status === status)?._count._all ?? 0);
      }
    },
  });
  return metrics;
}
