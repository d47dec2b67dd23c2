import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { releaseExpiredLeases } from '../db/queries/tasks.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { type RetentionResult, runRetention } from './retention.ts';

export type JobsOptions = {
  db: Db;
  config: Pick<Config, 'retentionDays' | 'maxOccurrencesPerBug'>;
  clock?: () => Date;
  metrics?: Metrics;
  /** Cron expression for retention; daily at 03:17 server time by default. */
  retentionSchedule?: string;
  /** Cron expression for returning expired repair leases to `new`. */
  leaseSweepSchedule?: string;
  /** Run retention once right away (the default), so a server that restarts daily still trims. */
  runAtStart?: boolean;
  log?: (message: string) => void;
};

/** Starts the background jobs: retention (daily and at start) and the expired-lease sweep (every minute). */
export function startJobs(options: JobsOptions) {
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? ((message: string) => console.log(message));
  const abort = new AbortController();
  const running = new Set<Promise<unknown>>();

  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    return work.finally(() => running.delete(work));
  };

  let retentionInFlight: Promise<RetentionResult | undefined> | undefined;
  function retention(): Promise<RetentionResult | undefined> {
    // One run at a time per process: a slow run and the next schedule must not overlap.
    retentionInFlight ??= track(
      (async () => {
        try {
          const result = await runRetention(
            options.db,
            {
              retentionDays: options.config.retentionDays,
              maxOccurrencesPerBug: options.config.maxOccurrencesPerBug,
              signal: abort.signal,
            },
            clock(),
          );
          options.metrics?.retentionDeleted.inc({ table: 'occurrences', reason: 'age' }, result.occurrencesExpired);
          options.metrics?.retentionDeleted.inc({ table: 'occurrences', reason: 'per_bug_cap' }, result.occurrencesOverCap);
          options.metrics?.retentionDeleted.inc({ table: 'sentry_events', reason: 'age' }, result.sentryEventsExpired);
          options.metrics?.retentionDeleted.inc({ table: 'alert_deliveries', reason: 'age' }, result.deliveriesExpired);
          const total = Object.values(result).reduce((sum, n) => sum + n, 0);
          if (total > 0) {
            log(
              `retention: deleted ${result.occurrencesExpired} occurrences older than ${options.config.retentionDays} days, ` +
                `${result.occurrencesOverCap} beyond ${options.config.maxOccurrencesPerBug} per bug, ` +
                `${result.sentryEventsExpired} Sentry event ids, ${result.deliveriesExpired} alert deliveries`,
            );
          }
          return result;
        } catch (error) {
          if (!abort.signal.aborted) log(`retention failed: ${(error as Error).message}`);
          return undefined;
        } finally {
          retentionInFlight = undefined;
        }
      })(),
    );
    return retentionInFlight;
  }

  async function sweepLeases(): Promise<number> {
    try {
      const released = await track(releaseExpiredLeases(options.db, clock()));
      if (released > 0) log(`tasks: ${released} expired repair lease(s) returned to new`);
      return released;
    } catch (error) {
      if (!abort.signal.aborted) log(`lease sweep failed: ${(error as Error).message}`);
      return 0;
    }
  }

  const tasks: ScheduledTask[] = [
    cron.schedule(options.retentionSchedule ?? '17 3 * * *', () => retention(), { name: 'retention', noOverlap: true }),
    cron.schedule(options.leaseSweepSchedule ?? '* * * * *', () => sweepLeases(), { name: 'lease-sweep', noOverlap: true }),
  ];
  if (options.runAtStart ?? true) {
    void retention();
    void sweepLeases();
  }

  return {
    retention,
    sweepLeases,
    /** Stops the schedules, cuts a running retention short between batches, and waits for it. */
    async stop() {
      abort.abort();
      await Promise.all(tasks.map((task) => task.destroy()));
      await Promise.allSettled([...running]);
    },
  };
}

export type Jobs = ReturnType<typeof startJobs>;
