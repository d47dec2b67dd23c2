import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { BugEvents } from './events.ts';
import type { Metrics } from './metrics/metrics.ts';

export type Principal =
  | { kind: 'admin' }
  | { kind: 'key'; keyId: number; projectId: string | null };

export type AppDeps = {
  db: Db;
  config: Config;
  adminToken: string;
  clock: () => Date;
  events: BugEvents;
  metrics: Metrics;
};

/** `reportsCounted`: the ingest route counted this request's reports in the metrics itself. */
export type AppEnv = { Variables: { principal: Principal; reportsCounted?: boolean } };
