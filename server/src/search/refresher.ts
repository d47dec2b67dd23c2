import type { Db } from '../db/client.ts';
import type { BugEvent, BugEvents } from '../events.ts';
import { createEventWorker } from '../jobs/event-worker.ts';
import { refreshAllBugSearch, refreshBugSearch } from './queries.ts';

export type SearchRefresherOptions = {
  db: Db;
  events: BugEvents;
  clock?: () => Date;
  /** How long after a report a changed message becomes searchable, at most (plus one pass). */
  delayMs?: number;
  /** A pass without being asked, for reports other replicas stored and did not get to refresh. */
  pollMs?: number;
  /**
   * How far before the previous pass each pass looks back: covers batches that committed
   * after that pass read, and replicas whose clocks disagree.
   */
  overlapMs?: number;
  log?: (message: string, error?: unknown) => void;
};

/**
 * Keeps the bug list's text search following each bug's latest message, off the ingest path:
 * reports only mark the search as due, and one pass every `delayMs` under load rewrites the
 * rows whose text changed. The first pass after start checks every bug, so a report stored
 * just before a crash, or a bug written around ingest, is searchable after a restart.
 */
export function createSearchRefresher(options: SearchRefresherOptions) {
  const clock = options.clock ?? (() => new Date());
  const overlapMs = options.overlapMs ?? 60_000;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`search: ${message}`, error ?? ''));
  let due = false;
  let lastPassStarted: Date | undefined;

  async function pass() {
    const started = clock();
    if (lastPassStarted) await refreshBugSearch(options.db, { since: new Date(lastPassStarted.getTime() - overlapMs) });
    else await refreshAllBugSearch(options.db);
    lastPassStarted = started;
  }

  const worker = createEventWorker({
    events: options.events,
    // A new bug's row is written with it; only reports to known bugs can change the text.
    take: (event: BugEvent) => {
      if (!event.occurrences || event.type === 'bug.created') return false;
      due = true;
      return true;
    },
    hasTaken: () => due,
    async flush() {
      due = false;
      worker.trigger();
    },
    flushDelayMs: options.delayMs ?? 2_000,
    work: pass,
    pollMs: options.pollMs ?? 60_000,
    onError: (_stage, error) => log('refreshing bug search failed', error),
  });

  return {
    start: worker.start,
    stop: worker.stop,
    /** Resolves when every report received so far is reflected in search. */
    idle: worker.idle,
  };
}
