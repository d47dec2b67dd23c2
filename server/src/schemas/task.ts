import { z } from 'zod';
import { analysisSchema } from './analysis.ts';
import { bugSchema } from './bug.ts';
import { projectIdSchema, sources } from './report.ts';

export const pendingTasksQuerySchema = z.object({
  source: z.enum(sources).optional(),
  project_id: projectIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

const agentSchema = z.string().trim().min(1).max(200);

export const claimSchema = z.object({
  agent: agentSchema,
  lease_seconds: z.number().int().min(10).max(86_400).default(1800),
});

export const completeSchema = z.object({
  agent: agentSchema,
  outcome: z.enum(['fixed', 'failed']),
  summary: z.string().max(20_000).optional(),
  url: z.url().max(2000).optional(),
});
export type CompleteTask = z.infer<typeof completeSchema>;

/** A pending task is the bug plus, when analysed, the model's hint for the repair agent. */
export const pendingTaskListSchema = z.object({
  items: z.array(bugSchema.extend({ analysis: analysisSchema.optional() })),
  next_cursor: z.null(),
});
export type PendingTaskList = z.infer<typeof pendingTaskListSchema>;
