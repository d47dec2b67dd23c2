import { type SQL, and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.ts';
import { type AlertDeliveryRow, type AlertRuleRow, alertDeliveries, alertRules, alertThrottles, occurrences } from '../db/schema.ts';
import type { CreateAlertRule, DeliveriesQuery, DeliveryTrigger } from '../routes/alerts/schema.ts';

type RuleValues = Omit<typeof alertRules.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;

export function ruleValues(rule: CreateAlertRule): RuleValues {
  return {
    name: rule.name,
    trigger: rule.on,
    projectId: rule.project_id ?? null,
    source: rule.source ?? null,
    minLevel: rule.min_level ?? null,
    spikeThreshold: rule.on === 'spike' ? (rule.spike_threshold ?? null) : null,
    spikeWindowMinutes: rule.on === 'spike' ? (rule.spike_window_minutes ?? null) : null,
    minSeverity: rule.on === 'analysis' ? (rule.min_severity ?? null) : null,
    throttleMinutes: rule.throttle_minutes,
    channel: rule.channel,
    url: rule.url,
    secret: rule.secret ?? null,
    enabled: rule.enabled,
  };
}

export async function insertRule(db: Db, values: RuleValues, now: Date): Promise<AlertRuleRow> {
  const [row] = await db.insert(alertRules).values({ ...values, createdAt: now, updatedAt: now }).returning();
  return row;
}

export async function updateRule(db: Db, id: number, values: RuleValues, now: Date): Promise<AlertRuleRow | undefined> {
  const [row] = await db
    .update(alertRules)
    .set({ ...values, updatedAt: now })
    .where(eq(alertRules.id, id))
    .returning();
  return row;
}

export async function getRule(db: Db, id: number): Promise<AlertRuleRow | undefined> {
  const [row] = await db.select().from(alertRules).where(eq(alertRules.id, id));
  return row;
}

export async function deleteRule(db: Db, id: number): Promise<boolean> {
  const rows = await db.delete(alertRules).where(eq(alertRules.id, id)).returning({ id: alertRules.id });
  return rows.length > 0;
}

export function listRules(db: Db): Promise<AlertRuleRow[]> {
  return db.select().from(alertRules).orderBy(alertRules.id);
}

export function listEnabledRules(db: Db): Promise<AlertRuleRow[]> {
  return db.select().from(alertRules).where(eq(alertRules.enabled, true)).orderBy(alertRules.id);
}

/** Occurrences of a bug received after `since`, counted only up to `limit` so a flood stays cheap. */
export async function countRecentOccurrences(db: Db, bugId: number, since: Date, limit: number): Promise<number> {
  const [row] = await queryRows<{ n: number | string }>(
    db,
    sql`select count(*) as n from (
      select 1 from ${occurrences}
      where ${occurrences.bugId} = ${bugId} and ${occurrences.receivedAt} > ${since.toISOString()}::timestamptz
      limit ${limit}
    ) recent`,
  );
  return Number(row?.n ?? 0);
}

/**
 * Queues a delivery unless this rule already alerted for this bug within its throttle window.
 * The throttle row is claimed with one conditional upsert, so two replicas evaluating the
 * same event queue one delivery between them.
 */
export async function queueAlert(
  db: Db,
  alert: { ruleId: number; bugId: number; trigger: DeliveryTrigger; payload: Record<string, unknown>; throttleMinutes: number },
  now: Date,
): Promise<AlertDeliveryRow | undefined> {
  const windowStart = new Date(now.getTime() - alert.throttleMinutes * 60_000);
  return db.transaction(async (tx) => {
    const claimed = await tx
      .insert(alertThrottles)
      .values({ ruleId: alert.ruleId, bugId: alert.bugId, lastAlertAt: now })
      .onConflictDoUpdate({
        target: [alertThrottles.ruleId, alertThrottles.bugId],
        set: { lastAlertAt: now },
        setWhere: sql`${alertThrottles.lastAlertAt} <= ${windowStart.toISOString()}::timestamptz`,
      })
      .returning({ ruleId: alertThrottles.ruleId });
    if (claimed.length === 0) return undefined;
    const [row] = await tx
      .insert(alertDeliveries)
      .values({
        ruleId: alert.ruleId,
        bugId: alert.bugId,
        trigger: alert.trigger,
        payload: alert.payload,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return row;
  });
}

/** A delivery outside any throttle, for `POST /alerts/:id/test`. */
export async function insertDelivery(
  db: Db,
  delivery: { ruleId: number; bugId: number | null; trigger: DeliveryTrigger; payload: Record<string, unknown> },
  now: Date,
): Promise<AlertDeliveryRow> {
  const [row] = await db
    .insert(alertDeliveries)
    .values({ ...delivery, nextAttemptAt: now, createdAt: now, updatedAt: now })
    .returning();
  return row;
}

/**
 * Claims due deliveries for this worker: `FOR UPDATE SKIP LOCKED` lets replicas share the
 * queue without taking the same row, and the lease in `next_attempt_at` hands a delivery
 * back to the queue if its worker dies mid-send.
 */
export async function claimDueDeliveries(db: Db, now: Date, limit: number, leaseMs: number): Promise<AlertDeliveryRow[]> {
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const due = db
    .select({ id: alertDeliveries.id })
    .from(alertDeliveries)
    .where(
      and(
        inArray(alertDeliveries.status, ['pending', 'sending']),
        sql`${alertDeliveries.nextAttemptAt} <= ${now.toISOString()}::timestamptz`,
      ),
    )
    .orderBy(alertDeliveries.nextAttemptAt, alertDeliveries.id)
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(alertDeliveries)
    .set({
      status: 'sending',
      attempts: sql`${alertDeliveries.attempts} + 1`,
      nextAttemptAt: leaseUntil,
      updatedAt: now,
    })
    .where(inArray(alertDeliveries.id, due))
    .returning();
}

export type DeliveryResult =
  | { status: 'delivered'; responseStatus: number }
  | { status: 'pending'; responseStatus: number | null; error: string; nextAttemptAt: Date }
  | { status: 'failed'; responseStatus: number | null; error: string };

/** Records an attempt; a no-op if the lease ran out and another worker took the delivery over. */
export async function finishDelivery(db: Db, claimed: AlertDeliveryRow, result: DeliveryResult, now: Date): Promise<boolean> {
  const rows = await db
    .update(alertDeliveries)
    .set(
      result.status === 'delivered'
        ? { status: 'delivered', responseStatus: result.responseStatus, lastError: null, deliveredAt: now, updatedAt: now }
        : {
            status: result.status,
            responseStatus: result.responseStatus,
            lastError: result.error,
            nextAttemptAt: result.status === 'pending' ? result.nextAttemptAt : claimed.nextAttemptAt,
            updatedAt: now,
          },
    )
    .where(
      and(
        eq(alertDeliveries.id, claimed.id),
        eq(alertDeliveries.status, 'sending'),
        eq(alertDeliveries.attempts, claimed.attempts),
      ),
    )
    .returning({ id: alertDeliveries.id });
  return rows.length > 0;
}

export function listDeliveries(db: Db, query: DeliveriesQuery): Promise<AlertDeliveryRow[]> {
  const conditions: SQL[] = [];
  if (query.rule_id !== undefined) conditions.push(eq(alertDeliveries.ruleId, query.rule_id));
  if (query.bug_id !== undefined) conditions.push(eq(alertDeliveries.bugId, query.bug_id));
  if (query.status) conditions.push(eq(alertDeliveries.status, query.status));
  if (query.cursor !== undefined) conditions.push(lt(alertDeliveries.id, query.cursor));
  return db
    .select()
    .from(alertDeliveries)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(alertDeliveries.id))
    .limit(query.limit + 1);
}
