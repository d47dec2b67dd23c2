import { z } from 'zod';
import { analysisJobSchema, analysisSchema, analysisSeverities } from './analysis.ts';
import { levelSchema, levels, projectIdSchema, sources } from './report.ts';

export const statuses = ['new', 'fixing', 'fixed', 'resolved', 'ignored'] as const;
export type Status = (typeof statuses)[number];

export const bugSchema = z.object({
  id: z.number(),
  project_id: z.string(),
  fingerprint: z.string(),
  source: z.enum(sources),
  level: z.enum(levels),
  error_type: z.string(),
  message: z.string(),
  file_path: z.string().nullable(),
  line_number: z.number().nullable(),
  environment: z.string(),
  release: z.string().nullable(),
  status: z.enum(statuses),
  regressed: z.boolean(),
  regressed_at: z.string().nullable(),
  occurrence_count: z.number(),
  first_seen: z.string(),
  last_seen: z.string(),
  context: z.record(z.string(), z.unknown()),
  stack_trace: z.string().nullable(),
  assignee: z.string().nullable(),
  note: z.string().nullable(),
  repair_attempts: z.number(),
  claimed_by: z.string().nullable(),
  lease_until: z.string().nullable(),
  fix_summary: z.string().nullable(),
  fix_url: z.string().nullable(),
});
export type Bug = z.infer<typeof bugSchema>;

export const occurrenceSchema = z.object({
  id: z.number(),
  bug_id: z.number(),
  received_at: z.string(),
  occurred_at: z.string(),
  level: z.enum(levels),
  message: z.string(),
  stack_trace: z.string().nullable(),
  environment: z.string(),
  release: z.string().nullable(),
  context: z.record(z.string(), z.unknown()),
  tags: z.record(z.string(), z.string()),
});
export type Occurrence = z.infer<typeof occurrenceSchema>;

export const countBucketSchema = z.object({ bucket: z.string(), count: z.number() });
export type CountBucket = z.infer<typeof countBucketSchema>;

export const bugListSchema = z.object({
  items: z.array(bugSchema),
  next_cursor: z.string().nullable(),
});
export type BugList = z.infer<typeof bugListSchema>;

export const bugDetailSchema = z.object({
  bug: bugSchema,
  occurrences: z.array(occurrenceSchema),
  hourly_counts: z.array(countBucketSchema),
  /** Present once a language model analysed the bug (LOG_CENTER_LLM_URL). */
  analysis: analysisSchema.optional(),
  analysis_job: analysisJobSchema.optional(),
});
export type BugDetail = z.infer<typeof bugDetailSchema>;

/** Comma-separated list in a query string: `status=new,fixing`. */
const listOf = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1));

export const bugSorts = ['last_seen', 'first_seen', 'count'] as const;
export type BugSort = (typeof bugSorts)[number];

export const bugFiltersSchema = z.object({
  project_id: listOf(projectIdSchema).optional(),
  source: listOf(z.enum(sources)).optional(),
  status: listOf(z.enum(statuses)).optional(),
  level: listOf(levelSchema).optional(),
  environment: listOf(z.string().max(128)).optional(),
  q: z.string().trim().max(200).optional(),
  /** The severity a language model gave the bug (see bug analysis); unanalysed bugs never match. */
  severity: listOf(z.enum(analysisSeverities)).optional(),
});
export type BugFilters = z.infer<typeof bugFiltersSchema>;

export const bugListQuerySchema = bugFiltersSchema.extend({
  sort: z.enum(bugSorts).default('last_seen'),
  order: z.enum(['desc', 'asc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type BugListQuery = z.infer<typeof bugListQuerySchema>;

export const bugExportQuerySchema = bugFiltersSchema.extend({
  format: z.enum(['csv', 'ndjson']).default('ndjson'),
  sort: z.enum(bugSorts).default('last_seen'),
  order: z.enum(['desc', 'asc']).default('desc'),
});

export const bugPatchSchema = z
  .object({
    status: z.enum(['new', 'fixed', 'resolved', 'ignored']).optional(),
    assignee: z.string().trim().max(200).nullable().optional(),
    note: z.string().max(10_000).nullable().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one of status, assignee, note');
export type BugPatch = z.infer<typeof bugPatchSchema>;
