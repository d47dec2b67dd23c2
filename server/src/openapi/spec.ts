import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call a route; each maps to the security schemes of the document. */
export type Auth = 'none' | 'admin' | 'ingest' | 'sentry';

/** Statuses answered with the error envelope; each has a shared response in `components.responses`. */
export const errorStatuses = {
  400: 'Validation failed; each issue names its path',
  401: 'Missing or invalid credentials',
  403: 'The key is not for this project',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'The body is larger than LOG_CENTER_MAX_BODY_BYTES',
  415: 'The body is not JSON',
  429: 'Rate limited; retry after Retry-After seconds',
  500: 'Unexpected server error (never caused by client input)',
  503: 'The database is unavailable; retry after Retry-After seconds',
} as const;
export type ErrorStatus = keyof typeof errorStatuses;

export type Body =
  | { schema: z.ZodType; contentType?: 'application/json' }
  | { schema: z.ZodType; contentType: string; description: string };

export type SuccessResponse = {
  description: string;
  /** A JSON answer. */
  schema?: z.ZodType;
  /** Answers in other media types (CSV, NDJSON, SSE, Prometheus text). */
  content?: Record<string, z.ZodType>;
  headers?: Record<string, string>;
};

export type RouteSpec = {
  method: HttpMethod;
  /** OpenAPI form: `/api/v1/bugs/{id}`. */
  path: string;
  summary: string;
  tag: string;
  auth: Auth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: Body;
  responses: Record<number, SuccessResponse>;
  errors: ErrorStatus[];
};
