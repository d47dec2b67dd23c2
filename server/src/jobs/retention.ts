import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.ts';
import { alertDeliveries, alertThrottles, bugs, occurrences, sentryEvents } from '../db/schema.ts';

export type RetentionOptions = {
  retentionDays: number;
  maxOccurrencesPerBug: number;
  /** Rows per DELETE, small so ingest never waits long on a lock or a WAL burst. */
  batchSize?: number;
  /** Pause between batches, giving the connection back to other work. */
  pauseMs?: number;
  /** Stops between batches, for a shutdown; what is deleted stays deleted. */
  signal?: AbortSignal;
};

export type RetentionResult = {
  occurrencesExpired: number;
  occurrencesOverCap: number;
  sentryEventsExpired: number;
  deliveriesExpired: number;
  throttlesExpired: number;
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Batching = { batchSize: number; pauseMs: number; signal?: AbortSignal };

/** Runs a `… select count(*) as n from gone` statement until it deletes less than a full batch. */
async function deleteInBatches(db: Db, batching: Batching, deleteBatch: () => SQL): Promise<number> {
  const { batchSize, pauseMs, signal } = batching;
  let total = 0;
  while (!signal?.aborted) {
    const rows = await queryRows<{ n: number | string }>(db, deleteBatch());
    const deleted = Number(rows[0]?.n ?? 0);
    total += deleted;
    if (deleted < batchSize) return total;
    if (pauseMs > 0) await pause(pauseMs);
  }
  return total;
}

/**
 * Deletes occurrences older than the retention period, then those beyond the newest
 * `maxOccurrencesPerBug` of each bug, in small batches. Bugs, their `occurrence_count`
 * and hourly counts stay: the history of a bug outlives its samples. Safe to run on
 * several replicas at once: each batch deletes whatever is still there.
 */
export async function runRetention(db: Db, options: RetentionOptions, now: Date): Promise<RetentionResult> {
  const batchSize = options.batchSize ?? 500;
  const batching: Batching = { batchSize, pauseMs: options.pauseMs ?? 10, signal: options.signal };
  const cutoffMs = now.getTime() - options.retentionDays * 86_400_000;
  const cutoff = new Date(cutoffMs).toISOString();
  // A throttle window is at most 7 days, so an older throttle row can never block an alert.
  const throttleCutoff = new Date(Math.min(cutoffMs, now.getTime() - 7 * 86_400_000)).toISOString();
  const cap = options.maxOccurrencesPerBug;

  const occurrencesExpired = await deleteInBatches(db, batching, () => sql`
    with doomed as (
      select ${occurrences.id} as id from ${occurrences}
      where ${occurrences.receivedAt} < ${cutoff}::timestamptz
      limit ${batchSize}
    ), gone as (
      delete from ${occurrences} where ${occurrences.id} in (select id from doomed) returning 1
    )
    select count(*) as n from gone`);

  // occurrence_count never shrinks, so it is an upper bound: only these bugs can be over the cap.
  let occurrencesOverCap = 0;
  let afterId = 0;
  while (!batching.signal?.aborted) {
    const candidates = await queryRows<{ id: number | string }>(
      db,
      sql`select ${bugs.id} as id from ${bugs}
          where ${bugs.occurrenceCount} > ${cap} and ${bugs.id} > ${afterId}
          order by ${bugs.id} limit 100`,
    );
    if (candidates.length === 0) break;
    for (const candidate of candidates) {
      const bugId = Number(candidate.id);
      occurrencesOverCap += await deleteInBatches(db, batching, () => sql`
        with doomed as (
          select ${occurrences.id} as id from ${occurrences}
          where ${occurrences.bugId} = ${bugId}
          order by ${occurrences.receivedAt} desc, ${occurrences.id} desc
          offset ${cap} limit ${batchSize}
        ), gone as (
          delete from ${occurrences} where ${occurrences.id} in (select id from doomed) returning 1
        )
        select count(*) as n from gone`);
    }
    afterId = Number(candidates[candidates.length - 1].id);
  }

  // Sentry event ids only guard against resends; past retention nobody resends.
  const sentryEventsExpired = await deleteInBatches(db, batching, () => sql`
    with doomed as (
      select ${sentryEvents.projectId} as project_id, ${sentryEvents.eventId} as event_id from ${sentryEvents}
      where ${sentryEvents.receivedAt} < ${cutoff}::timestamptz limit ${batchSize}
    ), gone as (
      delete from ${sentryEvents} using doomed
      where ${sentryEvents.projectId} = doomed.project_id and ${sentryEvents.eventId} = doomed.event_id
      returning 1
    )
    select count(*) as n from gone`);

  const deliveriesExpired = await deleteInBatches(db, batching, () => sql`
    with doomed as (
      select ${alertDeliveries.id} as id from ${alertDeliveries}
      where ${alertDeliveries.createdAt} < ${cutoff}::timestamptz and ${alertDeliveries.status} in ('delivered', 'failed')
      limit ${batchSize}
    ), gone as (
      delete from ${alertDeliveries} where ${alertDeliveries.id} in (select id from doomed) returning 1
    )
    select count(*) as n from gone`);

  const throttlesExpired = await deleteInBatches(db, batching, () => sql`
    with doomed as (
      select ${alertThrottles.ruleId} as rule_id, ${alertThrottles.bugId} as bug_id from ${alertThrottles}
      where ${alertThrottles.lastAlertAt} < ${throttleCutoff}::timestamptz
      limit ${batchSize}
    ), gone as (
      delete from ${alertThrottles} using doomed
      where ${alertThrottles.ruleId} = doomed.rule_id and ${alertThrottles.bugId} = doomed.bug_id
      returning 1
    )
    select count(*) as n from gone`);

  return { occurrencesExpired, occurrencesOverCap, sentryEventsExpired, deliveriesExpired, throttlesExpired };
}
