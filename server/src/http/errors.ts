import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { ErrorBody } from '../schemas/error.ts';

export type Issue = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, issues?: Issue[]) =>
  new ApiError(400, 'validation_error', message, issues);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string) => new ApiError(409, 'conflict', message);
export const unauthorized = (message = 'missing or invalid credentials') =>
  new ApiError(401, 'unauthorized', message);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const unavailable = (message: string, retryAfterSeconds = 5) =>
  new ApiError(503, 'unavailable', message, undefined, { 'Retry-After': String(retryAfterSeconds) });

export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

export function errorBody(code: string, message: string, issues?: Issue[]): ErrorBody {
  return { error: issues?.length ? { code, message, issues } : { code, message } };
}

const connectionErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08006',
  '40001', // serialization_failure: safe to retry
  '40P01', // deadlock_detected: safe to retry
]);

/** True for failures of the database itself, which the client should retry. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && connectionErrorCodes.has(code)) return true;
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && /PGlite is closed|connection (terminated|closed)/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export function errorResponse(c: Context, error: unknown): Response {
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
    return c.json(errorBody(error.code, error.message, error.issues), error.status);
  }
  if (isDatabaseUnavailable(error)) {
    c.header('Retry-After', '5');
    return c.json(errorBody('unavailable', 'the database is unavailable; retry shortly'), 503);
  }
  console.error('unhandled error', error);
  return c.json(errorBody('internal_error', 'internal server error'), 500);
}
