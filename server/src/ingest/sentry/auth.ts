import type { Context } from 'hono';

const keyInHeader = /(?:^|[\s,])sentry_key\s*=\s*([^,\s]+)/i;

/** The DSN key: `sentry_key` in the query, `X-Sentry-Auth`, or `Authorization: Sentry …`. */
export function requestSentryKey(c: Context): string | undefined {
  const query = c.req.query('sentry_key');
  if (query) return query.trim();
  for (const name of ['x-sentry-auth', 'authorization']) {
    const match = keyInHeader.exec(c.req.header(name) ?? '');
    if (match) return match[1];
  }
  return undefined;
}

/** Relay also takes the key from the `dsn` in an envelope header (tunnelled browser events). */
export function envelopeSentryKey(header: Record<string, unknown>): string | undefined {
  if (typeof header.dsn !== 'string') return undefined;
  try {
    return decodeURIComponent(new URL(header.dsn).username) || undefined;
  } catch {
    return undefined;
  }
}
