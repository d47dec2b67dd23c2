import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.ts';
import type { BugEvents } from '../events.ts';

// Process metrics (CPU, memory, event loop lag, GC) exist once per process, however many apps it builds.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'log_center_' });
  }
  return processRegistry;
}

export type ReportOutcome = 'new' | 'deduplicated' | 'rejected' | 'rate_limited' | 'failed';
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed';

const dbProbeTimeoutMs = 1000;

/** One registry per app; `/metrics` renders it after the process-wide metrics. */
export function createMetrics() {
  const registry = new Registry();

  const reportsReceived = new Counter({
    name: 'log_center_reports_received_total',
    help: 'Reports received on the ingest endpoints (JSON and Sentry), by source and outcome (new, deduplicated, rejected, rate_limited, failed).',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  });
  const bugsCreated = new Counter({
    name: 'log_center_bugs_created_total',
    help: 'Bugs seen for the first time.',
    registers: [registry],
  });
  const bugsRegressed = new Counter({
    name: 'log_center_bugs_regressed_total',
    help: 'Fixed or resolved bugs that happened again.',
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'log_center_http_request_duration_seconds',
    help: 'HTTP request latency until the response starts, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const alertsTriggered = new Counter({
    name: 'log_center_alerts_triggered_total',
    help: 'Alert rules that fired for a bug, by trigger and whether a delivery was queued or throttled.',
    labelNames: ['on', 'result'] as const,
    registers: [registry],
  });
  const alertDeliveries = new Counter({
    name: 'log_center_alert_deliveries_total',
    help: 'Alert delivery attempts by channel and outcome (delivered, retrying, failed for good).',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  const retentionDeleted = new Counter({
    name: 'log_center_retention_deleted_total',
    help: 'Rows deleted by the retention job, by what they were and why (age, per_bug_cap).',
    labelNames: ['table', 'reason'] as const,
    registers: [registry],
  });
  const ingestBatchSize = new Histogram({
    name: 'log_center_ingest_batch_reports',
    help: 'Reports written per group-committed ingest transaction.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const ingestBatchDuration = new Histogram({
    name: 'log_center_ingest_batch_duration_seconds',
    help: 'Time to write one group-committed ingest transaction, from send to commit.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  let ingestPending: () => number = () => 0;
  new Gauge({
    name: 'log_center_ingest_pending_reports',
    help: 'Reports accepted and not yet committed; past LOG_CENTER_INGEST_MAX_PENDING new ones get 503.',
    registers: [registry],
    collect() {
      this.set(ingestPending());
    },
  });

  let db: Db | undefined;
  let poolSize: number | undefined;
  // One probe per scrape, shared by the gauges below (prom-client collects them concurrently).
  let probing: Promise<Map<string, number> | undefined> | undefined;
  function probeDatabase(): Promise<Map<string, number> | undefined> {
    if (!db) return Promise.resolve(undefined);
    const database = db;
    probing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const rows = await Promise.race([
          queryRows<{ state: string | null; n: number | string }>(
            database,
            sql`select coalesce(state, 'unknown') as state, count(*) as n from pg_stat_activity
                where datname = current_database() and pid <> pg_backend_pid() group by 1`,
          ),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('timeout')), dbProbeTimeoutMs);
          }),
        ]);
        // The probe's own connection is busy answering it: count it as active.
        const states = new Map<string, number>([['active', 1]]);
        for (const row of rows) {
          const state = row.state ?? 'unknown';
          states.set(state, (states.get(state) ?? 0) + Number(row.n));
        }
        return states;
      } catch {
        return undefined;
      } finally {
        clearTimeout(timer);
        setImmediate(() => {
          probing = undefined;
        });
      }
    })();
    return probing;
  }

  new Gauge({
    name: 'log_center_db_up',
    help: '1 when the database answered the scrape-time probe, else 0.',
    registers: [registry],
    async collect() {
      if (db) this.set((await probeDatabase()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'log_center_db_pool_max',
    help: 'Configured PostgreSQL connections per server process (LOG_CENTER_DB_POOL_SIZE).',
    registers: [registry],
    collect() {
      if (poolSize !== undefined) this.set(poolSize);
    },
  });
  // postgres.js does not expose its pool, so the server's own view answers "how many are in use".
  new Gauge({
    name: 'log_center_db_connections',
    help: 'Connections to this database by state (active = running a query, idle, idle in transaction), from pg_stat_activity; all replicas together.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const states = await probeDatabase();
      for (const [state, n] of states ?? []) this.set({ state }, n);
    },
  });

  return {
    registry,
    reportsReceived,
    bugsCreated,
    bugsRegressed,
    httpDuration,
    alertsTriggered,
    alertDeliveries,
    retentionDeleted,
    ingestBatchSize,
    ingestBatchDuration,
    /** Lets the scrape report how many reports wait for their transaction. */
    watchIngestQueue(pending: () => number) {
      ingestPending = pending;
    },
    /** Lets the scrape report database connections; `poolSize` only for PostgreSQL. */
    watchDatabase(database: Db, options: { poolSize?: number } = {}) {
      db = database;
      poolSize = options.poolSize;
    },
    /** Counts new and regressed bugs from every ingest path (JSON API, Sentry, batches). */
    observeBugEvents(events: BugEvents): () => void {
      return events.subscribe((event) => {
        if (event.type === 'bug.created') bugsCreated.inc();
        else if (event.type === 'bug.regressed') bugsRegressed.inc();
      });
    },
    async render(): Promise<{ contentType: string; body: string }> {
      const [own, process] = await Promise.all([registry.metrics(), processMetrics().metrics()]);
      return { contentType: registry.contentType, body: `${own}\n${process}` };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
