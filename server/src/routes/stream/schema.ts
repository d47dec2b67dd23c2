import { z } from 'zod';
import { projectIdSchema, sources } from '../../schemas/report.ts';

export const streamQuerySchema = z.object({
  project_id: projectIdSchema.optional(),
  source: z.enum(sources).optional(),
});

/** The `data` of a `bug.created` / `bug.updated` / `bug.regressed` event; `source` is null when it could not be looked up. */
export const streamEventSchema = z.object({
  type: z.enum(['bug.created', 'bug.updated', 'bug.regressed']),
  bug_id: z.number(),
  project_id: z.string(),
  source: z.enum(sources).nullable(),
});
export type StreamEvent = z.infer<typeof streamEventSchema>;

export const streamEventTypes = ['ready', 'bug.created', 'bug.updated', 'bug.regressed', 'resync'] as const;
