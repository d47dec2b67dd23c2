import { z } from 'zod';
import { analysisSeverities } from '../../schemas/analysis.ts';
import { levelSchema, levels, projectIdSchema, sourceSchema, sources } from '../../schemas/report.ts';

/** `analysis`: the language model rated the bug at least `min_severity`. */
export const alertTriggers = ['new_bug', 'regression', 'spike', 'analysis'] as const;
export type AlertTrigger = (typeof alertTriggers)[number];
/** `test` deliveries come from `POST /alerts/:id/test`, never from a rule firing. */
export type DeliveryTrigger = AlertTrigger | 'test';

export const alertChannels = ['webhook', 'slack'] as const;
export type AlertChannel = (typeof alertChannels)[number];

export const deliveryStatuses = ['pending', 'sending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000);

const ruleFields = {
  name: z.string().trim().min(1).max(200),
  on: z.enum(alertTriggers),
  project_id: projectIdSchema.nullish(),
  source: sourceSchema.nullish(),
  min_level: levelSchema.nullish(),
  spike_threshold: z.number().int().min(2).max(1_000_000).nullish(),
  spike_window_minutes: z.number().int().min(1).max(1440).nullish(),
  min_severity: z.enum(analysisSeverities).nullish(),
  throttle_minutes: z.number().int().min(1).max(10_080),
  channel: z.enum(alertChannels),
  url: webhookUrl,
  secret: z.string().min(16, 'must be at least 16 characters').max(256).nullish(),
  enabled: z.boolean(),
};

function checkSpikeFields(
  rule: { on?: AlertTrigger; spike_threshold?: number | null; spike_window_minutes?: number | null; min_severity?: string | null },
  ctx: z.RefinementCtx,
) {
  const spike = rule.on === 'spike';
  for (const field of ['spike_threshold', 'spike_window_minutes'] as const) {
    const present = rule[field] !== undefined && rule[field] !== null;
    if (spike && !present) ctx.addIssue({ code: 'custom', path: [field], message: 'required when on is "spike"' });
    if (!spike && present) ctx.addIssue({ code: 'custom', path: [field], message: 'only for on: "spike"' });
  }
  const analysis = rule.on === 'analysis';
  const severity = rule.min_severity !== undefined && rule.min_severity !== null;
  if (analysis && !severity) ctx.addIssue({ code: 'custom', path: ['min_severity'], message: 'required when on is "analysis"' });
  if (!analysis && severity) ctx.addIssue({ code: 'custom', path: ['min_severity'], message: 'only for on: "analysis"' });
}

export const createAlertRuleSchema = z
  .object({
    ...ruleFields,
    throttle_minutes: ruleFields.throttle_minutes.default(60),
    channel: ruleFields.channel.default('webhook'),
    enabled: ruleFields.enabled.default(true),
  })
  .superRefine(checkSpikeFields);
export type CreateAlertRule = z.output<typeof createAlertRuleSchema>;

/** Every field optional; the merged rule is checked again with `createAlertRuleSchema`. */
export const updateAlertRuleSchema = z
  .object(ruleFields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');
export type UpdateAlertRule = z.output<typeof updateAlertRuleSchema>;

export const alertRuleSchema = z.object({
  id: z.number(),
  name: z.string(),
  on: z.enum(alertTriggers),
  project_id: z.string().nullable(),
  source: z.enum(sources).nullable(),
  min_level: z.enum(levels).nullable(),
  spike_threshold: z.number().nullable(),
  spike_window_minutes: z.number().nullable(),
  min_severity: z.enum(analysisSeverities).nullable(),
  throttle_minutes: z.number(),
  channel: z.enum(alertChannels),
  url: z.string(),
  has_secret: z.boolean(),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

/** The secret is shown when a rule is created, like an ingest key. */
export const createdAlertRuleSchema = alertRuleSchema.extend({ secret: z.string().nullable() });

export const alertRuleListSchema = z.object({ items: z.array(alertRuleSchema) });

export const alertDeliverySchema = z.object({
  id: z.number(),
  rule_id: z.number(),
  bug_id: z.number().nullable(),
  on: z.enum([...alertTriggers, 'test']),
  status: z.enum(deliveryStatuses),
  attempts: z.number(),
  last_error: z.string().nullable(),
  response_status: z.number().nullable(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  payload: z.record(z.string(), z.unknown()),
});
export type AlertDelivery = z.infer<typeof alertDeliverySchema>;

export const alertDeliveryListSchema = z.object({
  items: z.array(alertDeliverySchema),
  next_cursor: z.string().nullable(),
});

const positiveId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const deliveriesQuerySchema = z.object({
  rule_id: positiveId.optional(),
  bug_id: positiveId.optional(),
  status: z.enum(deliveryStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a next_cursor from a previous page')
    .transform(Number)
    .optional(),
});
export type DeliveriesQuery = z.output<typeof deliveriesQuerySchema>;
