import { z } from 'zod';

export const analysisSeverities = ['critical', 'high', 'medium', 'low'] as const;
export type AnalysisSeverity = (typeof analysisSeverities)[number];

/** What the model says about one bug, as the API shows it. */
export const analysisSchema = z.object({
  summary: z.string(),
  probable_cause: z.string(),
  suggested_fix: z.string(),
  severity: z.enum(analysisSeverities),
  confidence: z.number().min(0).max(1),
  category: z.string(),
  model: z.string(),
  analyzed_at: z.string(),
});
export type Analysis = z.infer<typeof analysisSchema>;

export const analysisJobStatuses = ['pending', 'running', 'done', 'failed'] as const;

/** Where the bug is in the analysis queue; `last_error` says why the last attempt failed. */
export const analysisJobSchema = z.object({
  status: z.enum(analysisJobStatuses),
  attempts: z.number(),
  last_error: z.string().nullable(),
});

export const analyzeAcceptedSchema = z.object({
  bug_id: z.number(),
  status: z.literal('pending'),
});
export type AnalyzeAccepted = z.infer<typeof analyzeAcceptedSchema>;
