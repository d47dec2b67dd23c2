// Every shape the dashboard reads comes from the server's zod schemas; nothing is copied by hand.
import type { z } from 'zod';
import type { createdKeySchema, createdProjectSchema } from '../../../server/src/schemas/project.ts';

export type { Bug, BugDetail, BugList, BugPatch, Occurrence, Status, CountBucket } from '../../../server/src/schemas/bug.ts';
export type { Stats } from '../../../server/src/schemas/stats.ts';
export type { Analysis, AnalysisSeverity, AnalyzeAccepted } from '../../../server/src/schemas/analysis.ts';
export type { Level, Source } from '../../../server/src/schemas/report.ts';
export type { ApiKey, Project } from '../../../server/src/schemas/project.ts';
export type { ErrorBody } from '../../../server/src/schemas/error.ts';
export type { SessionState } from '../../../server/src/routes/session/schema.ts';
export type { StreamEvent } from '../../../server/src/routes/stream/schema.ts';

export type CreatedProject = z.infer<typeof createdProjectSchema>;
export type CreatedKey = z.infer<typeof createdKeySchema>;
export type Items<T> = { items: T[] };
