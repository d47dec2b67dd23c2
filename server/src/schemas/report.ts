import { z } from 'zod';

export const sources = ['runtime', 'cicd', 'deployment'] as const;
export type Source = (typeof sources)[number];

/** Ordered from least to most severe; the index is the severity rank. */
export const levels = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type Level = (typeof levels)[number];

const levelAliases: Record<string, Level> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  notice: 'INFO',
  log: 'INFO',
  warn: 'WARNING',
  warning: 'WARNING',
  error: 'ERROR',
  err: 'ERROR',
  critical: 'CRITICAL',
  crit: 'CRITICAL',
  fatal: 'CRITICAL',
  emergency: 'CRITICAL',
  alert: 'CRITICAL',
};

export const projectIdPattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const projectIdSchema = z
  .string()
  .regex(projectIdPattern, 'must be a slug: lowercase letters, digits, "_" or "-", at most 64');

export const levelSchema = z
  .string()
  .transform((value, ctx) => {
    const level = levelAliases[value.trim().toLowerCase()];
    if (!level) {
      ctx.addIssue({ code: 'custom', message: `unknown level; use one of ${levels.join(', ')}` });
      return z.NEVER;
    }
    return level;
  });

export const sourceSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z.enum(sources),
);

const timestampSchema = z.union([
  z.iso.datetime({ offset: true, local: true }).transform((value) => new Date(value)),
  // Epoch seconds (Sentry, Python) or milliseconds (JavaScript).
  z
    .number()
    .positive()
    .transform((value) => new Date(value < 1e11 ? value * 1000 : value)),
]);

const tagValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const reportSchema = z.object({
  project_id: projectIdSchema.optional(),
  source: sourceSchema.default('runtime'),
  level: levelSchema.default('ERROR'),
  error_type: z.string().trim().min(1, 'must not be empty'),
  message: z.string(),
  stack_trace: z.string().nullish(),
  file_path: z.string().nullish(),
  line_number: z.number().int().min(0).nullish(),
  environment: z.string().trim().min(1).nullish(),
  release: z.string().nullish(),
  timestamp: timestampSchema.nullish(),
  fingerprint: z.array(z.string().min(1)).min(1).max(32).nullish(),
  tags: z.record(z.string(), tagValue).nullish(),
  context: z.record(z.string(), z.unknown()).nullish(),
});

export type ReportInput = z.input<typeof reportSchema>;
export type Report = z.output<typeof reportSchema>;

export const maxBatchSize = 100;

export const reportBatchSchema = z.union([
  z.array(z.unknown()).min(1).max(maxBatchSize),
  z.object({ reports: z.array(z.unknown()).min(1).max(maxBatchSize) }).transform((v) => v.reports),
]);

export const reportResultSchema = z.object({
  bug_id: z.number(),
  occurrence_id: z.number(),
  fingerprint: z.string(),
  is_new: z.boolean(),
  occurrence_count: z.number(),
});
export type ReportResult = z.infer<typeof reportResultSchema>;

export const batchItemResultSchema = z.union([
  reportResultSchema.extend({ index: z.number(), status: z.union([z.literal(200), z.literal(201)]) }),
  z.object({
    index: z.number(),
    status: z.number(),
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  }),
]);

export const batchResultSchema = z.object({
  accepted: z.number(),
  rejected: z.number(),
  results: z.array(batchItemResultSchema),
});
