import { createEventWorker } from '../jobs/event-worker.ts';
import { inArray } from 'drizzle-orm';
import { backoffMs, describeFailure, describeStatus, retryAfterMs, retryableStatus } from '../http/outbound.ts';
import type { LlmConfig } from '../config.ts';
import type { Db } from '../db/client.ts';
import { type AnalysisJobRow, type BugRow, bugs } from '../db/schema.ts';
import type { BugEvent, BugEvents } from '../events.ts';
import { parseAnswer } from './answer.ts';
import { buildChatRequest } from './prompt.ts';
import { type JobOutcome, claimDueJobs, countSentSince, enqueueAnalyses, finishJob } from './queries.ts';

export type AnalysisWorkerOptions = {
  db: Db;
  events: BugEvents;
  llm: LlmConfig;
  clock?: () => Date;
  fetch?: typeof fetch;
  scrubPatterns?: readonly RegExp[];
  /** How often to look for due jobs (retries, and bugs queued by other replicas or the API). */
  pollMs?: number;
  /** Invalid answers per bug before it is marked failed. */
  maxAttempts?: number;
  /** Delay before asking again about a bug whose answer did not validate. */
  retryDelayMs?: number;
  /** Timeouts, 429 and 5xx before a bug is marked failed. */
  maxRetries?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a claimed job stays with one worker before another may take it. */
  leaseMs?: number;
  /** Bug events arriving within this delay are queued with one statement. */
  enqueueDelayMs?: number;
  log?: (message: string, error?: unknown) => void;
};

type Attempt =
  | { kind: 'answer'; body: unknown }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'rejected'; error: string };

/**
 * Analyses new and regressed bugs with a language model, off the ingest path: bug events only
 * queue jobs in the database; this worker claims them in batches, sends one chat completion per
 * batch and stores each validated answer. Every replica may run one; they share the queue.
 */
export function createAnalysisWorker(options: AnalysisWorkerOptions) {
  const { db, events, llm } = options;
  const clock = options.clock ?? (() => new Date());
  const send = options.fetch ?? fetch;
  const pollMs = options.pollMs ?? 5000;
  const maxAttempts = options.maxAttempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 10;
  const baseBackoffMs = options.baseBackoffMs ?? 30_000;
  const maxBackoffMs = options.maxBackoffMs ?? 3_600_000;
  const leaseMs = options.leaseMs ?? llm.timeoutMs * 2 + 30_000;
  const enqueueDelayMs = options.enqueueDelayMs ?? 50;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`analysis: ${message}`, error ?? ''));

  const queued = { new: new Set<number>(), regression: new Set<number>() };
  let capLogged = false;

  function take(event: BugEvent): boolean {
    if (event.type === 'bug.created') queued.new.add(event.bug_id);
    else if (event.type === 'bug.regressed') queued.regression.add(event.bug_id);
    else return false;
    return true;
  }

  async function flushQueued() {
    const created = [...queued.new];
    const regressed = [...queued.regression];
    queued.new.clear();
    queued.regression.clear();
    const now = clock();
    await enqueueAnalyses(db, created, 'new', now);
    await enqueueAnalyses(db, regressed, 'regression', now);
    worker.trigger();
  }

  async function runDue(): Promise<void> {
    while (!worker.stopped) {
      const now = clock();
      const remaining = llm.maxPerHour - (await countSentSince(db, new Date(now.getTime() - 3_600_000)));
      if (remaining <= 0) {
        if (!capLogged) log(`LOG_CENTER_LLM_MAX_PER_HOUR (${llm.maxPerHour}) reached; waiting`);
        capLogged = true;
        return;
      }
      capLogged = false;
      const claimed = await claimDueJobs(db, now, Math.min(llm.batch, remaining), leaseMs);
      if (claimed.length === 0) return;
      await analyse(claimed);
    }
  }

  async function analyse(claimed: AnalysisJobRow[]) {
    const rows = await db.select().from(bugs).where(inArray(bugs.id, claimed.map((job) => job.bugId)));
    const byId = new Map(rows.map((row) => [row.id, row]));
    const present = claimed.filter((job) => byId.has(job.bugId));
    if (present.length === 0) return;
    const attempt = await request(present.map((job) => byId.get(job.bugId) as BugRow));
    const now = clock();
    const parsed = attempt.kind === 'answer' ? parseAnswer(attempt.body) : undefined;
    await Promise.all(
      present.map((job) => {
        let outcome: JobOutcome;
        if (attempt.kind === 'retry') outcome = retryLater(job, attempt.error, now, attempt.retryAfterMs);
        else if (attempt.kind === 'rejected') outcome = invalid(job, attempt.error, now);
        else if (!parsed?.ok) outcome = invalid(job, parsed?.error ?? 'no answer', now);
        else {
          const item = parsed.items.get(job.bugId);
          if (item === undefined) outcome = invalid(job, 'the reply has no analysis for this bug', now);
          else if (typeof item === 'string') outcome = invalid(job, item, now);
          else {
            const { bug_id: _, ...analysis } = item;
            outcome = { status: 'done', analysis: { ...analysis, model: parsed.model ?? llm.model } };
          }
        }
        return finishJob(db, job, outcome, now).then((stored) => {
          // Lets open dashboards refresh; alerts and metrics ignore an update without occurrences.
          const bug = byId.get(job.bugId);
          if (stored && outcome.status === 'done' && bug) events.publish({ type: 'bug.updated', bug_id: bug.id, project_id: bug.projectId, occurrences: 0, analyzed: true });
        });
      }),
    );
  }

  function invalid(job: AnalysisJobRow, error: string, now: Date): JobOutcome {
    const attempts = job.attempts + 1;
    if (attempts >= maxAttempts) {
      return { status: 'failed', error: `${error} (gave up after ${attempts} attempts)`, attempts, retries: job.retries };
    }
    return { status: 'pending', error, nextAttemptAt: new Date(now.getTime() + retryDelayMs), attempts, retries: job.retries };
  }

  function retryLater(job: AnalysisJobRow, error: string, now: Date, wait?: number): JobOutcome {
    const retries = job.retries + 1;
    if (retries >= maxRetries) {
      return { status: 'failed', error: `${error} (gave up after ${retries} tries)`, attempts: job.attempts, retries };
    }
    const nextAttemptAt = new Date(now.getTime() + backoffMs(retries, baseBackoffMs, maxBackoffMs, wait));
    return { status: 'pending', error, nextAttemptAt, attempts: job.attempts, retries };
  }

  async function request(batch: BugRow[]): Promise<Attempt> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (llm.apiKey) headers.authorization = `Bearer ${llm.apiKey}`;
    try {
      const response = await send(llm.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(buildChatRequest(llm, batch, options.scrubPatterns)),
        redirect: 'manual',
        signal: AbortSignal.timeout(llm.timeoutMs),
      });
      if (response.ok) {
        try {
          return { kind: 'answer', body: await response.json() };
        } catch {
          return { kind: 'rejected', error: 'the reply body is not JSON' };
        }
      }
      const text = await response.text().catch(() => '');
      const error = describeStatus(response.status, text);
      if (retryableStatus(response.status)) {
        return { kind: 'retry', error, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
      }
      return { kind: 'rejected', error };
    } catch (failure) {
      return { kind: 'retry', error: describeFailure(failure, llm.timeoutMs) };
    }
  }

  const worker = createEventWorker({
    events,
    take,
    hasTaken: () => queued.new.size + queued.regression.size > 0,
    flush: flushQueued,
    flushDelayMs: enqueueDelayMs,
    work: runDue,
    pollMs,
    onError: (stage, error) => log(stage === 'flush' ? 'queueing bugs failed' : 'analysing bugs failed', error),
  });

  return {
    start: worker.start,
    /** Stops listening and waits for the batch in flight; queued jobs stay in the database. */
    stop: worker.stop,
    /** Resolves when every received event is queued and every due job attempted. */
    idle: worker.idle,
    /** Analyses every job that is due now (the poll timer, and tests that move the clock). */
    runDue: worker.runDue,
  };
}

export type AnalysisWorker = ReturnType<typeof createAnalysisWorker>;
