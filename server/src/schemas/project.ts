import { z } from 'zod';
import { projectIdSchema } from './report.ts';

export const createProjectSchema = z.object({
  id: projectIdSchema,
  name: z.string().trim().min(1).max(200).optional(),
});

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  dsn_id: z.number(),
  created_at: z.string(),
  /** Reports per minute for this project; null: the server's LOG_CENTER_RATE_LIMIT_PER_MINUTE. */
  rate_limit_per_minute: z.number().int().nullable(),
});
export type Project = z.infer<typeof projectSchema>;

export const createdProjectSchema = projectSchema.extend({
  api_key: z.string(),
  dsn: z.string(),
});

export const updateProjectSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    rate_limit_per_minute: z.number().int().min(0).max(100_000_000).nullable().optional(),
  })
  .refine((patch) => patch.name !== undefined || patch.rate_limit_per_minute !== undefined, {
    message: 'send name or rate_limit_per_minute',
  });
export type ProjectUpdate = z.infer<typeof updateProjectSchema>;

export const createKeySchema = z.object({ name: z.string().trim().max(200).optional() });

export const createGlobalKeySchema = z.object({
  scope: z.literal('all'),
  name: z.string().trim().max(200).optional(),
});

export const apiKeySchema = z.object({
  id: z.number(),
  project_id: z.string().nullable(),
  name: z.string(),
  key_prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const createdKeySchema = z.object({
  id: z.number(),
  api_key: z.string(),
  project_id: z.string().nullable(),
  dsn: z.string().optional(),
});
