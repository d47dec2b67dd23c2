import { z } from 'zod';
import { bugSchema, countBucketSchema, statuses } from './bug.ts';
import { levels, projectIdSchema, sources } from './report.ts';

const durationPattern = /^(\d{1,5})([mhd])$/;
const durationUnits = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `since` is an ISO time or a look-back such as `90m`, `24h`, `14d`. */
export const sinceSchema = z.string().transform((value, ctx) => {
  const match = durationPattern.exec(value);
  if (match) return { lookBackMs: Number(match[1]) * durationUnits[match[2] as keyof typeof durationUnits] };
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    ctx.addIssue({ code: 'custom', message: 'use an ISO time or a duration like 24h, 14d, 90m' });
    return z.NEVER;
  }
  return { at: new Date(time) };
});

export const statsQuerySchema = z.object({
  project_id: projectIdSchema.optional(),
  source: z.enum(sources).optional(),
  since: sinceSchema.optional(),
  bucket: z.enum(['hour', 'day']).optional(),
});
export type StatsQuery = z.infer<typeof statsQuerySchema>;

const countsOf = <T extends readonly string[]>(keys: T) =>
  z.object(Object.fromEntries(keys.map((key) => [key, z.number()])) as Record<T[number], z.ZodNumber>);

export const statsSchema = z.object({
  total_bugs: z.number(),
  total_occurrences: z.number(),
  by_status: countsOf(statuses),
  by_level: countsOf(levels),
  source_distribution: countsOf(sources),
  occurrences_by_source: countsOf(sources),
  by_project: z.array(z.object({ project_id: z.string(), bugs: z.number(), occurrences: z.number() })),
  trend: z.array(countBucketSchema),
  trend_bucket: z.enum(['hour', 'day']),
  top_bugs: z.array(bugSchema),
});
export type Stats = z.infer<typeof statsSchema>;
