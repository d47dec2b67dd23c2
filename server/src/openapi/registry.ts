import { z } from 'zod';
import { sentryEventSchema } from '../ingest/sentry/event-schema.ts';
import { sessionStateSchema, signInSchema } from '../routes/session/schema.ts';
import { streamQuerySchema } from '../routes/stream/schema.ts';
import {
  bugDetailSchema,
  bugExportQuerySchema,
  bugListQuerySchema,
  bugListSchema,
  bugPatchSchema,
  bugSchema,
  occurrenceSchema,
} from '../schemas/bug.ts';
import {
  apiKeySchema,
  createdKeySchema,
  createdProjectSchema,
  createGlobalKeySchema,
  createKeySchema,
  createProjectSchema,
  projectSchema,
} from '../schemas/project.ts';
import { batchResultSchema, projectIdSchema, reportBatchSchema, reportResultSchema, reportSchema } from '../schemas/report.ts';
import { statsQuerySchema, statsSchema } from '../schemas/stats.ts';
import { claimSchema, completeSchema, pendingTasksQuerySchema } from '../schemas/task.ts';
import type { RouteSpec } from './spec.ts';

// Answers that no route validates, so they have no schema module of their own.
const healthSchema = z.object({ status: z.literal('ok') });
const readySchema = z.object({ status: z.literal('ready') });
const projectListSchema = z.object({ items: z.array(projectSchema) });
const apiKeyListSchema = z.object({ items: z.array(apiKeySchema) });
const sentryAnswerSchema = z.object({ id: z.string().nullable() });
const openApiAnswerSchema = z.object({ openapi: z.string() }).catchall(z.unknown());

const idParams = z.object({ id: z.string().regex(/^\d{1,15}$/, 'must be a positive integer') });
const projectParams = z.object({ id: projectIdSchema });
const dsnParams = z.object({ dsn_id: z.string().regex(/^\d{1,9}$/, 'the numeric project id of the DSN') });
const bugDetailQuerySchema = z.object({ occurrences: z.coerce.number().int().min(1).max(100).default(20) });

export const namedSchemas = {
  inputs: {
    Report: reportSchema,
    ReportBatch: reportBatchSchema,
    SentryEvent: sentryEventSchema,
    BugPatch: bugPatchSchema,
    Claim: claimSchema,
    Complete: completeSchema,
    CreateProject: createProjectSchema,
    CreateKey: createKeySchema,
    CreateGlobalKey: createGlobalKeySchema,
    SignIn: signInSchema,
  },
  outputs: {
    Bug: bugSchema,
    Occurrence: occurrenceSchema,
    BugList: bugListSchema,
    BugDetail: bugDetailSchema,
    ReportResult: reportResultSchema,
    BatchResult: batchResultSchema,
    Stats: statsSchema,
    Project: projectSchema,
    ProjectList: projectListSchema,
    CreatedProject: createdProjectSchema,
    ApiKey: apiKeySchema,
    ApiKeyList: apiKeyListSchema,
    CreatedKey: createdKeySchema,
    SessionState: sessionStateSchema,
    SentryAnswer: sentryAnswerSchema,
    Health: healthSchema,
    Ready: readySchema,
    OpenApiDocument: openApiAnswerSchema,
  },
} satisfies { inputs: Record<string, z.ZodType>; outputs: Record<string, z.ZodType> };

const envelopeBody = {
  schema: z.string(),
  contentType: 'application/x-sentry-envelope',
  description: 'A Sentry envelope, in any content type, optionally gzip, deflate or br encoded',
};

/** Every route the app serves. `openapi.test.ts` fails when a route of the app is missing here. */
export const routeSpecs: RouteSpec[] = [
  { method: 'get', path: '/healthz', tag: 'ops', summary: 'Liveness', auth: 'none', responses: { 200: { description: 'The process is up', schema: healthSchema } }, errors: [] },
  {
    method: 'get',
    path: '/readyz',
    tag: 'ops',
    summary: 'Readiness: pings the database',
    auth: 'none',
    responses: { 200: { description: 'The database answers', schema: readySchema } },
    errors: [503],
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    tag: 'ops',
    summary: 'This document',
    auth: 'none',
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: openApiAnswerSchema } },
    errors: [],
  },

  {
    method: 'post',
    path: '/api/v1/logs/report',
    tag: 'ingest',
    summary: 'Report one error',
    auth: 'ingest',
    body: { schema: reportSchema },
    responses: {
      201: { description: 'A new bug', schema: reportResultSchema },
      200: { description: 'An occurrence of a known bug', schema: reportResultSchema },
    },
    errors: [400, 401, 403, 413, 415, 503],
  },
  {
    method: 'post',
    path: '/api/v1/logs/report/batch',
    tag: 'ingest',
    summary: 'Report up to 100 errors; {"reports": […]} or a bare array',
    auth: 'ingest',
    body: { schema: reportBatchSchema },
    responses: { 200: { description: 'Per-item results, each with its own status', schema: batchResultSchema } },
    errors: [400, 401, 413, 415, 503],
  },
  {
    method: 'post',
    path: '/api/{dsn_id}/envelope/',
    tag: 'sentry',
    summary: 'Sentry envelope ingest (unmodified Sentry SDKs); also without the trailing slash',
    auth: 'sentry',
    params: dsnParams,
    body: envelopeBody,
    responses: { 200: { description: 'The first event id; other item types are accepted and dropped', schema: sentryAnswerSchema } },
    errors: [400, 401, 403, 404, 413, 429, 503],
  },
  {
    method: 'post',
    path: '/api/{dsn_id}/store/',
    tag: 'sentry',
    summary: 'Sentry store ingest (older SDKs); also without the trailing slash',
    auth: 'sentry',
    params: dsnParams,
    body: { schema: sentryEventSchema },
    responses: { 200: { description: 'The event id', schema: sentryAnswerSchema } },
    errors: [400, 401, 403, 404, 413, 429, 503],
  },

  {
    method: 'get',
    path: '/api/v1/session',
    tag: 'session',
    summary: 'Whether this browser is signed in',
    auth: 'none',
    responses: { 200: { description: 'Session state', schema: sessionStateSchema } },
    errors: [],
  },
  {
    method: 'post',
    path: '/api/v1/session',
    tag: 'session',
    summary: 'Sign in with the admin token; sets an HttpOnly session cookie',
    auth: 'none',
    body: { schema: signInSchema },
    responses: { 200: { description: 'Signed in', schema: sessionStateSchema, headers: { 'Set-Cookie': 'The session cookie' } } },
    errors: [400, 401, 413, 415],
  },
  {
    method: 'delete',
    path: '/api/v1/session',
    tag: 'session',
    summary: 'Sign out',
    auth: 'none',
    responses: { 200: { description: 'Signed out', schema: sessionStateSchema } },
    errors: [],
  },

  {
    method: 'get',
    path: '/api/v1/bugs',
    tag: 'bugs',
    summary: 'List bugs with filters (comma lists), sort and cursor',
    auth: 'admin',
    query: bugListQuerySchema,
    responses: { 200: { description: 'A page of bugs', schema: bugListSchema } },
    errors: [400, 401, 503],
  },
  {
    method: 'get',
    path: '/api/v1/bugs/export',
    tag: 'bugs',
    summary: 'Every bug matching the list filters, streamed as CSV or NDJSON',
    auth: 'admin',
    query: bugExportQuerySchema,
    responses: {
      200: {
        description: 'One bug per line',
        content: { 'text/csv': z.string(), 'application/x-ndjson': z.string() },
        headers: { 'Content-Disposition': 'attachment; filename="bugs-<date>.<format>"' },
      },
    },
    errors: [400, 401, 503],
  },
  {
    method: 'get',
    path: '/api/v1/bugs/{id}',
    tag: 'bugs',
    summary: 'A bug with its recent occurrences and hourly counts (last 24 hours)',
    auth: 'admin',
    params: idParams,
    query: bugDetailQuerySchema,
    responses: { 200: { description: 'The bug', schema: bugDetailSchema } },
    errors: [400, 401, 404, 503],
  },
  {
    method: 'patch',
    path: '/api/v1/bugs/{id}',
    tag: 'bugs',
    summary: 'Change status, assignee or note',
    auth: 'admin',
    params: idParams,
    body: { schema: bugPatchSchema },
    responses: { 200: { description: 'The updated bug', schema: bugSchema } },
    errors: [400, 401, 404, 413, 415, 503],
  },

  {
    method: 'get',
    path: '/api/v1/tasks/pending',
    tag: 'tasks',
    summary: 'Bugs waiting for the repair agent, by level, count and last seen',
    auth: 'admin',
    query: pendingTasksQuerySchema,
    responses: { 200: { description: 'Pending tasks', schema: bugListSchema } },
    errors: [400, 401, 503],
  },
  {
    method: 'post',
    path: '/api/v1/tasks/{id}/claim',
    tag: 'tasks',
    summary: 'Claim a task with a lease',
    auth: 'admin',
    params: idParams,
    body: { schema: claimSchema },
    responses: { 200: { description: 'The claimed bug (status fixing)', schema: bugSchema } },
    errors: [400, 401, 404, 409, 413, 415, 503],
  },
  {
    method: 'post',
    path: '/api/v1/tasks/{id}/complete',
    tag: 'tasks',
    summary: 'Complete a claimed task (only the claimant)',
    auth: 'admin',
    params: idParams,
    body: { schema: completeSchema },
    responses: { 200: { description: 'The bug, fixed or back to new', schema: bugSchema } },
    errors: [400, 401, 404, 409, 413, 415, 503],
  },

  {
    method: 'get',
    path: '/api/v1/dashboard/stats',
    tag: 'stats',
    summary: 'Totals, distributions, trend and top bugs',
    auth: 'admin',
    query: statsQuerySchema,
    responses: { 200: { description: 'Dashboard statistics', schema: statsSchema } },
    errors: [400, 401, 503],
  },

  {
    method: 'get',
    path: '/api/v1/projects',
    tag: 'projects',
    summary: 'List projects',
    auth: 'admin',
    responses: { 200: { description: 'Projects', schema: projectListSchema } },
    errors: [401, 503],
  },
  {
    method: 'post',
    path: '/api/v1/projects',
    tag: 'projects',
    summary: 'Create a project; the answer holds its first ingest key (shown once) and DSN',
    auth: 'admin',
    body: { schema: createProjectSchema },
    responses: { 201: { description: 'The project, its key and DSN', schema: createdProjectSchema } },
    errors: [400, 401, 409, 413, 415, 503],
  },
  {
    method: 'get',
    path: '/api/v1/projects/{id}',
    tag: 'projects',
    summary: 'One project',
    auth: 'admin',
    params: projectParams,
    responses: { 200: { description: 'The project', schema: projectSchema } },
    errors: [400, 401, 404, 503],
  },
  {
    method: 'get',
    path: '/api/v1/projects/{id}/keys',
    tag: 'keys',
    summary: "A project's ingest keys (prefixes only)",
    auth: 'admin',
    params: projectParams,
    responses: { 200: { description: 'Keys', schema: apiKeyListSchema } },
    errors: [400, 401, 404, 503],
  },
  {
    method: 'post',
    path: '/api/v1/projects/{id}/keys',
    tag: 'keys',
    summary: 'Issue an ingest key for a project (shown once)',
    auth: 'admin',
    params: projectParams,
    body: { schema: createKeySchema },
    responses: { 201: { description: 'The new key and its DSN', schema: createdKeySchema } },
    errors: [400, 401, 404, 413, 415, 503],
  },
  {
    method: 'get',
    path: '/api/v1/keys',
    tag: 'keys',
    summary: 'All-project ingest keys',
    auth: 'admin',
    responses: { 200: { description: 'Keys', schema: apiKeyListSchema } },
    errors: [401, 503],
  },
  {
    method: 'post',
    path: '/api/v1/keys',
    tag: 'keys',
    summary: 'Issue an all-project ingest key (shown once)',
    auth: 'admin',
    body: { schema: createGlobalKeySchema },
    responses: { 201: { description: 'The new key', schema: createdKeySchema } },
    errors: [400, 401, 413, 415, 503],
  },
  {
    method: 'delete',
    path: '/api/v1/keys/{id}',
    tag: 'keys',
    summary: 'Revoke a key',
    auth: 'admin',
    params: idParams,
    responses: { 200: { description: 'The revoked key', schema: apiKeySchema } },
    errors: [400, 401, 404, 409, 503],
  },

  {
    method: 'get',
    path: '/api/v1/stream',
    tag: 'stream',
    summary: 'Server-Sent Events: ready, bug.created, bug.updated, bug.regressed, resync',
    auth: 'admin',
    query: streamQuerySchema,
    responses: { 200: { description: 'An event stream; each data is JSON', content: { 'text/event-stream': z.string() } } },
    errors: [400, 401],
  },
];
