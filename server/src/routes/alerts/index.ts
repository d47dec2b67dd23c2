import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import type { AlertPayload } from '../../alerts/payload.ts';
import {
  deleteRule,
  getRule,
  insertDelivery,
  insertRule,
  listDeliveries,
  listRules,
  ruleValues,
  updateRule,
} from '../../alerts/queries.ts';
import type { AlertDeliveryRow, AlertRuleRow } from '../../db/schema.ts';
import { isoOrNull } from '../../db/serialize.ts';
import { notFound } from '../../http/errors.ts';
import { idParam, jsonBody, parseWith, queryOf } from '../../http/validate.ts';
import {
  type AlertDelivery,
  type AlertRule,
  createAlertRuleSchema,
  deliveriesQuerySchema,
  updateAlertRuleSchema,
} from './schema.ts';


export function toAlertRuleJson(row: AlertRuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    on: row.trigger as AlertRule['on'],
    project_id: row.projectId,
    source: row.source as AlertRule['source'],
    min_level: row.minLevel as AlertRule['min_level'],
    spike_threshold: row.spikeThreshold,
    spike_window_minutes: row.spikeWindowMinutes,
    min_severity: row.minSeverity as AlertRule['min_severity'],
    throttle_minutes: row.throttleMinutes,
    channel: row.channel as AlertRule['channel'],
    url: row.url,
    has_secret: row.secret !== null,
    enabled: row.enabled,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function toAlertDeliveryJson(row: AlertDeliveryRow): AlertDelivery {
  const waiting = row.status === 'pending' || row.status === 'sending';
  return {
    id: row.id,
    rule_id: row.ruleId,
    bug_id: row.bugId,
    on: row.trigger as AlertDelivery['on'],
    status: row.status as AlertDelivery['status'],
    attempts: row.attempts,
    last_error: row.lastError,
    response_status: row.responseStatus,
    next_attempt_at: waiting ? row.nextAttemptAt.toISOString() : null,
    delivered_at: isoOrNull(row.deliveredAt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    payload: row.payload,
  };
}

/** The rule as its create body, so a PATCH is validated exactly like a new rule. */
function asCreateBody(row: AlertRuleRow) {
  const rule = toAlertRuleJson(row);
  const { id: _id, has_secret: _hasSecret, created_at: _created, updated_at: _updated, ...fields } = rule;
  return { ...fields, secret: row.secret };
}

/** Webhook rules get a signing secret unless one is given; Slack URLs are their own secret. */
const newSecret = () => randomBytes(24).toString('hex');

/** Admin-only CRUD for alert rules under `/api/v1/alerts`, and the delivery log. */
export function alertRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => c.json({ items: (await listRules(deps.db)).map(toAlertRuleJson) }));

  app.post('/', async (c) => {
    const body = await jsonBody(c, createAlertRuleSchema);
    const secret = body.secret ?? (body.channel === 'webhook' ? newSecret() : null);
    const row = await insertRule(deps.db, ruleValues({ ...body, secret }), deps.clock());
    return c.json({ ...toAlertRuleJson(row), secret }, 201);
  });

  app.get('/deliveries', async (c) => {
    const query = queryOf(c, deliveriesQuerySchema);
    const rows = await listDeliveries(deps.db, query);
    const page = rows.slice(0, query.limit);
    return c.json({
      items: page.map(toAlertDeliveryJson),
      next_cursor: rows.length > query.limit ? String(page[page.length - 1].id) : null,
    });
  });

  app.get('/:id', async (c) => {
    const row = await getRule(deps.db, idParam(c));
    if (!row) throw notFound('alert rule');
    return c.json(toAlertRuleJson(row));
  });

  app.patch('/:id', async (c) => {
    const id = idParam(c);
    const changes = await jsonBody(c, updateAlertRuleSchema);
    const current = await getRule(deps.db, id);
    if (!current) throw notFound('alert rule');
    const merged = { ...asCreateBody(current), ...changes };
    // Switching away from a spike rule drops its spike settings instead of failing on them.
    if (changes.on && changes.on !== 'spike') {
      if (changes.spike_threshold === undefined) merged.spike_threshold = null;
      if (changes.spike_window_minutes === undefined) merged.spike_window_minutes = null;
      if (changes.min_severity === undefined) merged.min_severity = null;
    }
    const rule = parseWith(createAlertRuleSchema, merged, 'body');
    const row = await updateRule(deps.db, id, ruleValues(rule), deps.clock());
    if (!row) throw notFound('alert rule');
    return c.json(toAlertRuleJson(row));
  });

  app.delete('/:id', async (c) => {
    if (!(await deleteRule(deps.db, idParam(c)))) throw notFound('alert rule');
    return c.body(null, 204);
  });

  /** Queues a test delivery through the rule's channel; the dispatcher sends it like any other. */
  app.post('/:id/test', async (c) => {
    const rule = await getRule(deps.db, idParam(c));
    if (!rule) throw notFound('alert rule');
    const now = deps.clock();
    const payload: AlertPayload = {
      on: 'test',
      rule: { id: rule.id, name: rule.name },
      bug: null,
      triggered_at: now.toISOString(),
    };
    const row = await insertDelivery(
      deps.db,
      { ruleId: rule.id, bugId: null, trigger: 'test', payload: payload as unknown as Record<string, unknown> },
      now,
    );
    return c.json(toAlertDeliveryJson(row), 202);
  });

  return app;
}
