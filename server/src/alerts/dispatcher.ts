import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { type AlertDeliveryRow, type AlertRuleRow, type BugRow, alertRules, bugAnalyses, bugs } from '../db/schema.ts';
import { analysisSeverities } from '../schemas/analysis.ts';
import type { BugEvent, BugEvents } from '../events.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { AlertChannel, AlertTrigger } from '../routes/alerts/schema.ts';
import { createEventWorker } from '../jobs/event-worker.ts';
import { buildAlertRequest } from './channels.ts';
import { type AlertPayload, alertBug } from './payload.ts';
import {
  type DeliveryResult,
  claimDueDeliveries,
  countRecentOccurrences,
  finishDelivery,
  listEnabledRules,
  queueAlert,
} from './queries.ts';
import { ruleMatchesBug } from './rules.ts';
import { backoffMs, describeFailure, describeStatus, retryAfterMs, retryableStatus } from '../http/outbound.ts';

export type DispatcherOptions = {
  db: Db;
  events: BugEvents;
  clock?: () => Date;
  fetch?: typeof fetch;
  metrics?: Metrics;
  /** Base URL for links to the dashboard in alerts. */
  publicUrl?: string;
  /** How often to look for due deliveries (retries, and work queued by other replicas). */
  pollMs?: number;
  maxAttempts?: number;
  /** Delay before the second attempt; doubles each time up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
  /** How long a claimed delivery stays with one worker before another may retry it. */
  leaseMs?: number;
  claimBatch?: number;
  /** Bug events arriving within this delay are evaluated together. */
  evaluateDelayMs?: number;
  /** How long the enabled rules are reused before being read again; a rule change takes effect after this. */
  rulesTtlMs?: number;
  log?: (message: string, error?: unknown) => void;
};

/** `analysisSeverities` runs from most to least severe. */
function atLeastAsSevere(severity: string, threshold: string | null): boolean {
  const rank = (value: string | null) => analysisSeverities.indexOf(value as (typeof analysisSeverities)[number]);
  return threshold !== null && rank(severity) !== -1 && rank(severity) <= rank(threshold);
}

type PendingBug = { projectId: string; created: boolean; regressed: boolean; analyzed: boolean; occurrences: number };

const evaluateBatch = 200;

/**
 * Turns bug events into alert deliveries and sends them, off the ingest path: the event
 * listener only records which bugs changed; evaluation, database writes and webhook calls
 * happen later in this dispatcher's own loop.
 */
export function createAlertDispatcher(options: DispatcherOptions) {
  const { db, events, metrics } = options;
  const clock = options.clock ?? (() => new Date());
  const send = options.fetch ?? fetch;
  const pollMs = options.pollMs ?? 5000;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseBackoffMs = options.baseBackoffMs ?? 30_000;
  const maxBackoffMs = options.maxBackoffMs ?? 3_600_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? Math.max(60_000, requestTimeoutMs * 3);
  const claimBatch = options.claimBatch ?? 10;
  const evaluateDelayMs = options.evaluateDelayMs ?? 50;
  const rulesTtlMs = options.rulesTtlMs ?? 1000;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`alerts: ${message}`, error ?? ''));

  // Bugs waiting for evaluation, coalesced: a flood of occurrences of one bug is one entry.
  const pending = new Map<number, PendingBug>();
  // Rule/bug pairs known to be throttled until a time: saves the spike count query under a flood.
  const throttledUntil = new Map<string, number>();
  let rulesCache: { rules: AlertRuleRow[]; expires: number } | undefined;

  async function enabledRules(): Promise<AlertRuleRow[]> {
    const now = Date.now();
    if (rulesCache && rulesCache.expires > now) return rulesCache.rules;
    const rules = await listEnabledRules(db);
    rulesCache = { rules, expires: now + rulesTtlMs };
    return rules;
  }

  function take(event: BugEvent): boolean {
    const relevant =
      event.type === 'bug.created' || event.type === 'bug.regressed' || event.analyzed === true || (event.occurrences ?? 0) > 0;
    if (!relevant) return false;
    const entry = pending.get(event.bug_id) ?? {
      projectId: event.project_id,
      created: false,
      regressed: false,
      analyzed: false,
      occurrences: 0,
    };
    if (event.type === 'bug.created') entry.created = true;
    if (event.type === 'bug.regressed') entry.regressed = true;
    if (event.analyzed) entry.analyzed = true;
    entry.occurrences += event.occurrences ?? 0;
    pending.set(event.bug_id, entry);
    return true;
  }

  async function evaluateLoop() {
    while (pending.size > 0 && !worker.stopped) {
      const batch = [...pending.entries()].slice(0, evaluateBatch);
      for (const [bugId] of batch) pending.delete(bugId);
      const queued = await evaluate(batch);
      if (queued > 0) worker.trigger();
    }
  }

  async function evaluate(batch: [number, PendingBug][]): Promise<number> {
    const rules = await enabledRules();
    if (rules.length === 0) return 0;
    const rows = await db.select().from(bugs).where(inArray(bugs.id, batch.map(([id]) => id)));
    const byId = new Map(rows.map((row) => [row.id, row]));
    let queued = 0;
    for (const [bugId, change] of batch) {
      const bug = byId.get(bugId);
      // An ignored bug was silenced on purpose; its count grows without paging anyone.
      if (!bug || bug.status === 'ignored') continue;
      for (const rule of rules) {
        if (!ruleMatchesBug(rule, bug)) continue;
        try {
          if (await fire(rule, bug, change)) queued++;
        } catch (error) {
          log(`rule ${rule.id} on bug ${bug.id} failed`, error);
        }
      }
    }
    return queued;
  }

  async function fire(rule: AlertRuleRow, bug: BugRow, change: PendingBug): Promise<boolean> {
    const trigger = rule.trigger as AlertTrigger;
    const now = clock();
    if (trigger === 'new_bug' && !change.created) return false;
    if (trigger === 'regression' && !change.regressed) return false;
    if (trigger === 'spike' && change.occurrences === 0) return false;
    if (trigger === 'analysis' && !change.analyzed) return false;
    // Keyed by the rule's version too, so editing a rule (say, a shorter throttle) takes effect at once.
    const key = `${rule.id}:${rule.updatedAt.getTime()}:${bug.id}`;
    const hint = throttledUntil.get(key);
    if (hint !== undefined && hint > now.getTime()) {
      // A spiking bug's every report lands here; only a real trigger counts as throttled.
      if (trigger !== 'spike') metrics?.alertsTriggered.inc({ on: trigger, result: 'throttled' });
      return false;
    }

    let spike: AlertPayload['spike'];
    if (trigger === 'spike') {
      const threshold = rule.spikeThreshold ?? 0;
      const windowMinutes = rule.spikeWindowMinutes ?? 0;
      // occurrence_count only grows, so a bug below the threshold in total cannot be spiking.
      if (threshold < 1 || windowMinutes < 1 || bug.occurrenceCount < threshold) return false;
      const since = new Date(now.getTime() - windowMinutes * 60_000);
      const count = await countRecentOccurrences(db, bug.id, since, threshold);
      if (count < threshold) return false;
      spike = { count, window_minutes: windowMinutes };
    }

    let analysis: AlertPayload['analysis'];
    if (trigger === 'analysis') {
      const [stored] = await db
        .select({ severity: bugAnalyses.severity, summary: bugAnalyses.summary })
        .from(bugAnalyses)
        .where(eq(bugAnalyses.bugId, bug.id));
      if (!stored || !atLeastAsSevere(stored.severity, rule.minSeverity)) return false;
      analysis = stored;
    }

    const payload: AlertPayload = {
      on: trigger,
      rule: { id: rule.id, name: rule.name },
      bug: alertBug(bug, options.publicUrl),
      ...(spike ? { spike } : {}),
      ...(analysis ? { analysis } : {}),
      triggered_at: now.toISOString(),
    };
    const delivery = await queueAlert(
      db,
      { ruleId: rule.id, bugId: bug.id, trigger, payload, throttleMinutes: rule.throttleMinutes },
      now,
    );
    if (delivery) {
      if (throttledUntil.size > 10_000) throttledUntil.clear();
      throttledUntil.set(key, now.getTime() + rule.throttleMinutes * 60_000);
    }
    metrics?.alertsTriggered.inc({ on: trigger, result: delivery ? 'queued' : 'throttled' });
    return delivery !== undefined;
  }

  async function deliverDue(): Promise<void> {
    while (!worker.stopped) {
      const claimed = await claimDueDeliveries(db, clock(), claimBatch, leaseMs);
      if (claimed.length === 0) return;
      const ruleIds = [...new Set(claimed.map((delivery) => delivery.ruleId))];
      const rules = new Map(
        (await db.select().from(alertRules).where(inArray(alertRules.id, ruleIds))).map((rule) => [rule.id, rule]),
      );
      await Promise.all(claimed.map((delivery) => deliverOne(delivery, rules.get(delivery.ruleId))));
    }
  }

  async function deliverOne(delivery: AlertDeliveryRow, rule: AlertRuleRow | undefined): Promise<void> {
    const channel = (rule?.channel ?? 'webhook') as AlertChannel;
    let result: DeliveryResult;
    if (!rule) {
      result = { status: 'failed', responseStatus: null, error: 'the rule was deleted' };
    } else if (!rule.enabled && delivery.trigger !== 'test') {
      result = { status: 'failed', responseStatus: null, error: 'the rule is disabled' };
    } else {
      result = await attempt(delivery, rule);
    }
    const recorded = await finishDelivery(db, delivery, result, clock());
    if (!recorded) return;
    const outcome = result.status === 'delivered' ? 'delivered' : result.status === 'pending' ? 'retrying' : 'failed';
    metrics?.alertDeliveries.inc({ channel, outcome });
  }

  async function attempt(delivery: AlertDeliveryRow, rule: AlertRuleRow): Promise<DeliveryResult> {
    const request = buildAlertRequest(
      { channel: rule.channel as AlertChannel, secret: rule.secret },
      delivery,
      delivery.payload as unknown as AlertPayload,
    );
    let status: number | null = null;
    let error: string;
    let wait: number | undefined;
    try {
      const response = await send(rule.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      status = response.status;
      const text = await response.text().catch(() => '');
      if (response.ok) return { status: 'delivered', responseStatus: status };
      error = describeStatus(status, text);
      wait = retryAfterMs(response.headers.get('retry-after'));
      if (!retryableStatus(status)) return { status: 'failed', responseStatus: status, error };
    } catch (failure) {
      error = describeFailure(failure, requestTimeoutMs);
    }
    if (delivery.attempts >= maxAttempts) {
      return { status: 'failed', responseStatus: status, error: `${error}; gave up after ${delivery.attempts} attempts` };
    }
    const nextAttemptAt = new Date(clock().getTime() + backoffMs(delivery.attempts, baseBackoffMs, maxBackoffMs, wait));
    return { status: 'pending', responseStatus: status, error, nextAttemptAt };
  }

  const worker = createEventWorker({
    events,
    take,
    hasTaken: () => pending.size > 0,
    flush: evaluateLoop,
    flushDelayMs: evaluateDelayMs,
    work: deliverDue,
    pollMs,
    onError: (stage, error) => log(stage === 'flush' ? 'evaluating bug events failed' : 'delivering alerts failed', error),
  });

  return {
    start: worker.start,
    stop: worker.stop,
    /** Resolves when every received event is evaluated and every due delivery attempted. */
    idle: worker.idle,
    /** Attempts every delivery that is due now (used by the poll timer, and by tests that move the clock). */
    deliverDue: worker.runDue,
  };
}

export type AlertDispatcher = ReturnType<typeof createAlertDispatcher>;
