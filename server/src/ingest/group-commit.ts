import { ApiError, isDatabaseUnavailable, unavailable } from '../http/errors.ts';
import type { ReportResult } from '../schemas/report.ts';
import type { PreparedReport } from './prepare-report.ts';
import type { RecordOutcome } from './record-reports.ts';

export type GroupCommitOptions = {
  /** Reports per transaction at most. */
  maxBatch: number;
  /** How long the first report of a batch waits for company. */
  maxWaitMs: number;
  /** Transactions in flight at once; keep it below the connection pool size. */
  maxInFlight: number;
  /** Reports accepted but not yet committed; past it new reports get 503. */
  maxPending: number;
};

export const defaultGroupCommitOptions: GroupCommitOptions = {
  maxBatch: 500,
  maxWaitMs: 2,
  maxInFlight: 4,
  maxPending: 20_000,
};

type Entry = {
  reports: PreparedReport[];
  resolve: (results: ReportResult[]) => void;
  reject: (error: unknown) => void;
};

export type GroupCommitter = {
  /** Resolves once the reports are committed: an answer to the client means stored. */
  submit(reports: PreparedReport[]): Promise<ReportResult[]>;
  /** Resolves when everything accepted so far is committed or failed. */
  drain(): Promise<void>;
  readonly pending: number;
};

/**
 * Coalesces reports from concurrent requests into one transaction, so throughput is
 * bounded by batches per second rather than round trips per report.
 */
export function createGroupCommitter(
  write: (reports: PreparedReport[]) => Promise<RecordOutcome>,
  options: Partial<GroupCommitOptions> = {},
): GroupCommitter {
  const { maxBatch, maxWaitMs, maxInFlight, maxPending } = { ...defaultGroupCommitOptions, ...options };
  let queue: Entry[] = [];
  let queuedReports = 0;
  let pending = 0;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let drained: (() => void)[] = [];

  const settle = () => {
    if (pending === 0) {
      const waiters = drained;
      drained = [];
      for (const done of waiters) done();
    }
  };

  const takeBatch = (): Entry[] => {
    const batch: Entry[] = [];
    let size = 0;
    while (queue.length > 0 && (batch.length === 0 || size + queue[0].reports.length <= maxBatch)) {
      const entry = queue.shift() as Entry;
      batch.push(entry);
      size += entry.reports.length;
    }
    queuedReports -= size;
    return batch;
  };

  const commit = async (batch: Entry[]): Promise<void> => {
    const reports = batch.flatMap((entry) => entry.reports);
    try {
      const { results } = await write(reports);
      let offset = 0;
      for (const entry of batch) {
        entry.resolve(results.slice(offset, offset + entry.reports.length));
        offset += entry.reports.length;
      }
    } catch (error) {
      // A report the database refuses must not take its neighbours down with it.
      if (batch.length > 1 && !isDatabaseUnavailable(error)) {
        await Promise.all(batch.map((entry) => commit([entry])));
        return;
      }
      // A client error (ApiError) or a database outage goes back as it is; anything else is a
      // bug worth a log line, answered 503 so the reporter retries.
      let failure: unknown = error;
      if (!(error instanceof ApiError) && !isDatabaseUnavailable(error)) {
        console.error('storing a report batch failed', error);
        failure = unavailable('the report could not be stored; retry', 1);
      }
      for (const entry of batch) entry.reject(failure);
    }
  };

  const pump = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = takeBatch();
      const size = batch.reduce((sum, entry) => sum + entry.reports.length, 0);
      inFlight++;
      void commit(batch).finally(() => {
        inFlight--;
        pending -= size;
        settle();
        if (queue.length > 0) schedule();
      });
    }
  };

  const schedule = () => {
    if (queuedReports >= maxBatch || maxWaitMs <= 0) pump();
    else timer ??= setTimeout(pump, maxWaitMs);
  };

  return {
    submit(reports) {
      if (reports.length === 0) return Promise.resolve([]);
      if (pending + reports.length > maxPending) {
        return Promise.reject(unavailable('the server is busy storing reports; retry shortly', 1));
      }
      pending += reports.length;
      return new Promise<ReportResult[]>((resolve, reject) => {
        queue.push({ reports, resolve, reject });
        queuedReports += reports.length;
        schedule();
      });
    },
    drain() {
      if (pending === 0) return Promise.resolve();
      return new Promise<void>((resolve) => drained.push(resolve));
    },
    get pending() {
      return pending;
    },
  };
}
