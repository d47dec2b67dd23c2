import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const projects = pgTable('projects', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  dsnId: integer('dsn_id').generatedAlwaysAsIdentity().notNull().unique(),
  // null: the server-wide LOG_CENTER_RATE_LIMIT_PER_MINUTE applies.
  rateLimitPerMinute: integer('rate_limit_per_minute'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // null project: the key reports for every project (CI script, pod monitor).
    projectId: text('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    keyHash: text('key_hash').notNull().unique(),
    keyPrefix: text('key_prefix').notNull(),
    name: text('name').notNull().default(''),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastUsedAt: timestamptz('last_used_at'),
    revokedAt: timestamptz('revoked_at'),
  },
  (t) => [index('api_keys_project_idx').on(t.projectId)],
);

export const bugs = pgTable(
  'bugs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    fingerprint: text('fingerprint').notNull(),
    source: text('source').notNull(),
    level: text('level').notNull(),
    errorType: text('error_type').notNull(),
    message: text('message').notNull(),
    filePath: text('file_path'),
    lineNumber: integer('line_number'),
    environment: text('environment').notNull(),
    release: text('release'),
    status: text('status').notNull().default('new'),
    regressed: boolean('regressed').notNull().default(false),
    regressedAt: timestamptz('regressed_at'),
    occurrenceCount: bigint('occurrence_count', { mode: 'number' }).notNull(),
    firstSeen: timestamptz('first_seen').notNull(),
    lastSeen: timestamptz('last_seen').notNull(),
    context: jsonb('context').$type<Record<string, unknown>>().notNull().default({}),
    stackTrace: text('stack_trace'),
    assignee: text('assignee'),
    note: text('note'),
    claimedBy: text('claimed_by'),
    leaseUntil: timestamptz('lease_until'),
    repairAttempts: integer('repair_attempts').notNull().default(0),
    fixSummary: text('fix_summary'),
    fixUrl: text('fix_url'),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  // DESC NULLS FIRST is what a plain `ORDER BY … DESC` asks for; any other order makes the
  // planner sort the whole table instead of reading the index.
  (t) => [
    uniqueIndex('bugs_project_fingerprint_key').on(t.projectId, t.fingerprint),
    index('bugs_last_seen_idx').on(t.lastSeen.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('bugs_first_seen_idx').on(t.firstSeen.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('bugs_count_idx').on(t.occurrenceCount.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('bugs_project_last_seen_idx').on(t.projectId, t.lastSeen.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);

export const occurrences = pgTable(
  'occurrences',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // No foreign key: its per-row check cost a third of the ingest statement, and occurrences
    // are only ever written together with their bug and deleted by retention.
    bugId: bigint('bug_id', { mode: 'number' }).notNull(),
    receivedAt: timestamptz('received_at').notNull(),
    occurredAt: timestamptz('occurred_at').notNull(),
    level: text('level').notNull(),
    message: text('message').notNull(),
    stackTrace: text('stack_trace'),
    environment: text('environment').notNull(),
    release: text('release'),
    context: jsonb('context').$type<Record<string, unknown>>().notNull().default({}),
    tags: jsonb('tags').$type<Record<string, string>>().notNull().default({}),
  },
  (t) => [
    index('occurrences_bug_received_idx').on(t.bugId, t.receivedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('occurrences_received_idx').on(t.receivedAt),
  ],
);

/** Per-bug hourly counts, kept in the write transaction so charts never scan occurrences. */
export const bugHourlyCounts = pgTable(
  'bug_hourly_counts',
  {
    bugId: bigint('bug_id', { mode: 'number' })
      .notNull()
      .references(() => bugs.id, { onDelete: 'cascade' }),
    hour: timestamptz('hour').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.bugId, t.hour] }), index('bug_hourly_counts_hour_idx').on(t.hour)],
);

/**
 * What the bug list's text search (`q`) matches: error type, latest message and file path,
 * one row per bug, with the trigram index. It lives beside `bugs` because every report
 * rewrites its bug row, and each new row version would otherwise add ~100 trigram entries
 * to that index. A new bug gets its row in the ingest statement; a changed message reaches
 * it within seconds, through `refreshBugSearch`.
 */
export const bugSearch = pgTable('bug_search', {
  bugId: bigint('bug_id', { mode: 'number' })
    .primaryKey()
    .references(() => bugs.id, { onDelete: 'cascade' }),
  text: text('text').notNull(),
});

/** Sentry `event_id`s already stored, so a resent event counts once across every server process. */
export const sentryEvents = pgTable(
  'sentry_events',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    receivedAt: timestamptz('received_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.eventId] }), index('sentry_events_received_idx').on(t.receivedAt)],
);

/** Alert rules: when (`trigger`: new_bug, regression, spike), for what (filters), and where (channel, url). */
export const alertRules = pgTable(
  'alert_rules',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    trigger: text('trigger').notNull(),
    // Filters; null matches everything. No foreign key: a rule may name a project before its first report.
    projectId: text('project_id'),
    source: text('source'),
    minLevel: text('min_level'),
    spikeThreshold: integer('spike_threshold'),
    spikeWindowMinutes: integer('spike_window_minutes'),
    /** For `on: analysis`: fire when the model rates a bug at least this severe. */
    minSeverity: text('min_severity'),
    throttleMinutes: integer('throttle_minutes').notNull(),
    channel: text('channel').notNull(),
    url: text('url').notNull(),
    secret: text('secret'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
);

/** One row per alert to send; also the work queue that delivery workers claim with SKIP LOCKED. */
export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ruleId: bigint('rule_id', { mode: 'number' })
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    // Null for a test delivery.
    bugId: bigint('bug_id', { mode: 'number' }).references(() => bugs.id, { onDelete: 'cascade' }),
    trigger: text('trigger').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    responseStatus: integer('response_status'),
    nextAttemptAt: timestamptz('next_attempt_at').notNull(),
    deliveredAt: timestamptz('delivered_at'),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [
    index('alert_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('pending', 'sending')`),
    index('alert_deliveries_created_idx').on(t.createdAt.desc(), t.id.desc()),
    index('alert_deliveries_rule_idx').on(t.ruleId),
    index('alert_deliveries_bug_idx').on(t.bugId),
  ],
);

/** The last alert per (rule, bug), so throttling holds across restarts and replicas. */
export const alertThrottles = pgTable(
  'alert_throttles',
  {
    ruleId: bigint('rule_id', { mode: 'number' })
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    bugId: bigint('bug_id', { mode: 'number' })
      .notNull()
      .references(() => bugs.id, { onDelete: 'cascade' }),
    lastAlertAt: timestamptz('last_alert_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.bugId] }), index('alert_throttles_bug_idx').on(t.bugId)],
);

/** Occurrences per project, source and hour: dashboard totals and trends without scanning bugs. */
export const projectHourlyCounts = pgTable(
  'project_hourly_counts',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    hour: timestamptz('hour').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.source, t.hour] }), index('project_hourly_counts_hour_idx').on(t.hour)],
);

/** Bugs waiting for a language-model analysis; workers on every replica claim them with SKIP LOCKED. */
export const analysisJobs = pgTable(
  'analysis_jobs',
  {
    bugId: bigint('bug_id', { mode: 'number' })
      .primaryKey()
      .references(() => bugs.id, { onDelete: 'cascade' }),
    // new, regression or manual: why the bug was queued.
    reason: text('reason').notNull(),
    status: text('status').notNull().default('pending'),
    // Answers that did not validate for this bug.
    attempts: integer('attempts').notNull().default(0),
    // Timeouts, 429 and 5xx of the model server.
    retries: integer('retries').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: timestamptz('next_attempt_at').notNull(),
    sentAt: timestamptz('sent_at'),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [
    index('analysis_jobs_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('pending', 'running')`),
    index('analysis_jobs_sent_idx').on(t.sentAt),
  ],
);

/** The latest model analysis of a bug, kept out of the hot `bugs` row. */
export const bugAnalyses = pgTable(
  'bug_analyses',
  {
    bugId: bigint('bug_id', { mode: 'number' })
      .primaryKey()
      .references(() => bugs.id, { onDelete: 'cascade' }),
    summary: text('summary').notNull(),
    probableCause: text('probable_cause').notNull(),
    suggestedFix: text('suggested_fix').notNull(),
    severity: text('severity').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    category: text('category').notNull(),
    model: text('model').notNull(),
    analyzedAt: timestamptz('analyzed_at').notNull(),
  },
  (t) => [index('bug_analyses_severity_idx').on(t.severity)],
);

export type BugRow = typeof bugs.$inferSelect;
export type OccurrenceRow = typeof occurrences.$inferSelect;
export type ProjectRow = typeof projects.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type AlertRuleRow = typeof alertRules.$inferSelect;
export type AlertDeliveryRow = typeof alertDeliveries.$inferSelect;
export type AnalysisJobRow = typeof analysisJobs.$inferSelect;
export type BugAnalysisRow = typeof bugAnalyses.$inferSelect;
