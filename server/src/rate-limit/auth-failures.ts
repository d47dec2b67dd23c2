import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { ApiError } from '../http/errors.ts';
import { createTokenBuckets } from './token-bucket.ts';

/** The peer address of the TCP connection; undefined for in-process requests. Forwarded headers are not trusted. */
export function remoteAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? undefined;
}

/** A guess at a secret: a key or token in a header or the query, or a dashboard sign-in. */
function presentsCredential(c: Context): boolean {
  if (c.req.header('authorization') || c.req.header('x-api-key') || c.req.header('x-sentry-auth')) return true;
  if (c.req.query('sentry_key') !== undefined) return true;
  return c.req.method === 'POST' && c.req.path.replace(/\/+$/, '') === '/api/v1/session';
}

/**
 * Slows down key guessing: once an address has had `LOG_CENTER_AUTH_FAILURES_PER_MINUTE`
 * requests answered 401, its credentialed requests answer 429 until the bucket refills.
 * Requests without any credential are not counted: they guess nothing.
 */
export function authFailureGuard(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const buckets = createTokenBuckets(() => deps.clock().getTime());
  const limit = deps.config.authFailuresPerMinute;
  return async (c, next) => {
    const address = limit > 0 && presentsCredential(c) ? remoteAddress(c) : undefined;
    if (address === undefined) return next();
    const wait = buckets.wait(address, limit);
    if (wait > 0) {
      throw new ApiError(429, 'too_many_auth_failures', `too many failed authentications from this address; retry in ${wait} s`, undefined, {
        'Retry-After': String(wait),
      });
    }
    await next();
    if (c.res.status === 401) buckets.take(address, limit);
  };
}
