import type { BugEvent, BugEvents } from '../events.ts';
import { createCoalescingRunner } from './coalescing-runner.ts';

export type EventWorkerOptions = {
  events: BugEvents;
  /** Notes an event in memory; true when it left something for `flush`. */
  take: (event: BugEvent) => boolean;
  /** Whether anything taken still waits for `flush`. */
  hasTaken: () => boolean;
  /** Moves what was taken on (evaluated, or queued as jobs); runs `flushDelayMs` after an event, so a burst is one pass. */
  flush: () => Promise<void>;
  flushDelayMs: number;
  /** One pass over the work due in the database; never two at once. */
  work: () => Promise<void>;
  /** How often `work` runs without being asked (retries, work queued by other replicas). */
  pollMs: number;
  onError: (stage: 'flush' | 'work', error: unknown) => void;
};

export type EventWorker = ReturnType<typeof createEventWorker>;

/**
 * The life of a background worker fed by bug events, kept off the ingest path: an event is
 * only noted in memory, a short delay later everything noted is flushed in one go, and the
 * due work runs one pass at a time, when asked and every `pollMs`.
 */
export function createEventWorker(options: EventWorkerOptions) {
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let stopped = false;
  const runner = createCoalescingRunner(
    options.work,
    (error) => options.onError('work', error),
    () => stopped,
  );
  const trigger = () => runner.trigger();

  function scheduleFlush() {
    if (flushing || stopped) return;
    flushing = new Promise<void>((resolve) => setTimeout(resolve, options.flushDelayMs))
      .then(options.flush)
      .catch((error) => options.onError('flush', error))
      .finally(() => {
        flushing = undefined;
        if (options.hasTaken() && !stopped) scheduleFlush();
      });
  }

  const onEvent = (event: BugEvent) => {
    if (options.take(event)) scheduleFlush();
  };

  async function idle() {
    while (flushing || runner.current || options.hasTaken()) {
      if (options.hasTaken() && !flushing) scheduleFlush();
      await Promise.all([flushing, runner.current]);
    }
  }

  return {
    get stopped() {
      return stopped;
    },
    /** Asks for a pass over the due work; joins the one in progress if any. */
    trigger,
    start() {
      if (unsubscribe) return;
      stopped = false;
      unsubscribe = options.events.subscribe(onEvent);
      timer = setInterval(trigger, options.pollMs);
      timer.unref();
      trigger();
    },
    /** Stops listening and waits for work in progress; what is queued in the database stays there. */
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      clearInterval(timer);
      await idle();
      stopped = true;
    },
    /** Resolves when every received event is flushed and every due piece of work attempted. */
    idle,
    /** Runs the work that is due now (the poll timer, and tests that move the clock). */
    async runDue() {
      trigger();
      await idle();
    },
  };
}
